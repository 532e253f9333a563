"""A real GRPO run on CPU with Referee as its reward: TRL logs exactly what the service judged.

A tiny Llama with random weights and a word-level tokenizer built here (nothing is
downloaded) generates for math prompts; `GRPOTrainer` runs 2 steps with `RefereeReward`
against `referee serve` on its embedded default. The vocabulary holds `\\boxed{0..3}` as
single words, so random completions contain boxed answers and the rewards are a real mix
of correct, incorrect and no_answer, not all zeros.

The service's answers are recorded off the wire by the HTTP transport the reward head uses;
the test then compares them with what TRL logged.
"""

from __future__ import annotations

import asyncio
import json
import statistics
from pathlib import Path
from typing import Any

import httpx
import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")

from datasets import Dataset  # noqa: E402
from referee_client.trl import RefereeReward  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402

HEAD = "referee_math"
GENERATIONS = 4
PROMPTS = [("What is 1+1 ?", "2"), ("What is 2+1 ?", "3"), ("What is 3-2 ?", "1")]
WORDS = [
    "[PAD]",
    "[EOS]",
    "[UNK]",
    *["What", "is", "1+1", "2+1", "3-2", "?", "the", "answer", "so"],
    *(f"\\boxed{{{i}}}" for i in range(4)),
]


class RecordingTransport(httpx.AsyncHTTPTransport):
    """A real HTTP transport that keeps every `/v1/score` answer it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[list[dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        await response.aread()
        if request.url.path == "/v1/score" and response.status_code == 200:
            self.answers.append(json.loads(response.content)["results"])
        return response


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]"
    )


def tiny_model() -> LlamaForCausalLM:
    config = LlamaConfig(
        vocab_size=len(WORDS),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=None,
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config)


# transformers 5 warns about its own renamed arguments while TRL sets them up.
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.timeout(120)
def test_grpo_logs_the_rewards_the_service_returned(
    embedded_referee_url: str, tmp_path: Path
) -> None:
    transport = RecordingTransport()
    reward = RefereeReward(embedded_referee_url, name=HEAD, transport=transport)
    dataset = Dataset.from_dict(
        {"prompt": [p for p, _ in PROMPTS] * 4, "gold": [g for _, g in PROMPTS] * 4}
    )
    args = trl.GRPOConfig(
        output_dir=str(tmp_path),
        per_device_train_batch_size=GENERATIONS,
        num_generations=GENERATIONS,
        max_completion_length=6,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-3,
        seed=0,
        use_cpu=True,
        report_to="none",
        save_strategy="no",
        disable_tqdm=True,
    )
    trainer = trl.GRPOTrainer(
        model=tiny_model(),
        reward_funcs=[reward],
        args=args,
        train_dataset=dataset,
        processing_class=tiny_tokenizer(),
    )
    try:
        trainer.train()
    finally:
        # The head's connections live on TRL's daemon event loop: close them there. (TRL
        # stops that loop at exit and never closes it; the ResourceWarning is TRL's.)
        asyncio.run_coroutine_threadsafe(reward.aclose(), trainer.async_loop).result(timeout=10)

    # One generation batch per step, each scored in one request.
    steps = [entry for entry in trainer.state.log_history if f"rewards/{HEAD}/mean" in entry]
    assert len(steps) == 2 and len(transport.answers) == 2
    for logged, answer in zip(steps, transport.answers, strict=True):
        rewards = [r["reward"] for r in answer]
        assert len(rewards) == GENERATIONS
        assert logged[f"rewards/{HEAD}/mean"] == pytest.approx(statistics.mean(rewards))
        correct = sum(r["status"] == "correct" for r in answer) / GENERATIONS
        assert logged.get(f"{HEAD}/correct", 0.0) == pytest.approx(correct)
    # The completions table holds the last batch exactly as the service judged it.
    last = transport.answers[-1]
    assert list(trainer._logs["rewards"][HEAD]) == [r["reward"] for r in last]
    assert list(trainer._logs["extra"][f"{HEAD}_status"]) == [r["status"] for r in last]
    # Not a run of zeros: the comparison above is between varied rewards.
    every = [r for answer in transport.answers for r in answer]
    assert {r["status"] for r in every} >= {"correct", "incorrect"}
