"""TRL GRPO on math with Referee as the reward: the dataset's `gold` column is the answer.

    scripts/serve &                                   # Referee on http://127.0.0.1:8000
    .venv/bin/python examples/trl_grpo_math.py --tiny  # CPU, seconds: a tiny random model
    python examples/trl_grpo_math.py --model Qwen/Qwen2.5-0.5B-Instruct   # GPU, downloads

The one line that adds Referee is `reward_funcs=[RefereeReward(url, name=...)]`.
"""

from __future__ import annotations

import argparse

from datasets import Dataset
from referee_client.trl import RefereeReward
from trl import GRPOConfig, GRPOTrainer

PROBLEMS = [
    ("What is 7 * 8 ? Put the final answer in \\boxed{}.", "56"),
    ("What is 1/2 + 1/3 ? Put the final answer in \\boxed{}.", "\\frac{5}{6}"),
    ("Solve x + 4 = 10 for x. Put the final answer in \\boxed{}.", "6"),
    ("What is 2^10 ? Put the final answer in \\boxed{}.", "1024"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referee-url", default="http://127.0.0.1:8000")
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct")
    parser.add_argument("--tiny", action="store_true", help="tiny random model on CPU")
    parser.add_argument("--max-steps", type=int, default=2)
    parser.add_argument("--output-dir", default="/tmp/referee-grpo-math")
    args = parser.parse_args()

    dataset = Dataset.from_dict(
        {"prompt": [p for p, _ in PROBLEMS] * 8, "gold": [g for _, g in PROBLEMS] * 8}
    )
    model, tokenizer = args.model, None
    if args.tiny:
        from _tiny import tiny_model_and_tokenizer

        words = " ".join(p for p, _ in PROBLEMS).split() + [f"\\boxed{{{g}}}" for _, g in PROBLEMS]
        model, tokenizer = tiny_model_and_tokenizer(words)  # type: ignore[assignment]

    config = GRPOConfig(
        output_dir=args.output_dir,
        per_device_train_batch_size=8,
        num_generations=8,
        max_completion_length=16 if args.tiny else 256,
        max_steps=args.max_steps,
        logging_steps=1,
        use_cpu=args.tiny,
        report_to="none",
        save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[RefereeReward(args.referee_url, name="referee_math")],
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()
    for entry in trainer.state.log_history:
        if "rewards/referee_math/mean" in entry:
            mean = entry["rewards/referee_math/mean"]
            print(f"step {entry['step']}: mean Referee reward {mean:.3f}")


if __name__ == "__main__":
    main()
