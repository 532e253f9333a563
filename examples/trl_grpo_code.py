"""TRL GRPO on code with Referee as the reward: the dataset's `tests` column holds the tests.

Code runs only in Referee's sandbox, so start the service with Docker available
(`scripts/setup` builds the sandbox image); without it every item scores 0 with status
`sandbox_unavailable`, and the run still completes.

    scripts/serve &
    .venv/bin/python examples/trl_grpo_code.py --tiny   # CPU, seconds: a tiny random model
    python examples/trl_grpo_code.py --model Qwen/Qwen2.5-Coder-0.5B-Instruct   # GPU

`tests` is a list of {"stdin", "stdout"} (or that list as JSON); a `test_code` column with
asserts (and an `entry_point` column) works too.
"""

from __future__ import annotations

import argparse
import json

from datasets import Dataset
from referee_client.trl import RefereeReward
from trl import GRPOConfig, GRPOTrainer

PROBLEMS = [
    (
        "Write a Python program that reads two integers from one line and prints their sum.",
        [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 7\n", "stdout": "12\n"}],
    ),
    (
        "Write a Python program that reads a line and prints it reversed.",
        [{"stdin": "abc\n", "stdout": "cba\n"}, {"stdin": "referee\n", "stdout": "eeferer\n"}],
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referee-url", default="http://127.0.0.1:8000")
    parser.add_argument("--model", default="Qwen/Qwen2.5-Coder-0.5B-Instruct")
    parser.add_argument("--tiny", action="store_true", help="tiny random model on CPU")
    parser.add_argument("--max-steps", type=int, default=2)
    parser.add_argument("--output-dir", default="/tmp/referee-grpo-code")
    args = parser.parse_args()

    dataset = Dataset.from_dict(
        {
            "prompt": [p for p, _ in PROBLEMS] * 8,
            "tests": [json.dumps(t) for _, t in PROBLEMS] * 8,
        }
    )
    model, tokenizer = args.model, None
    if args.tiny:
        from _tiny import tiny_model_and_tokenizer

        words = [*" ".join(p for p, _ in PROBLEMS).split(), "print(input()[::-1])", "print(3)"]
        model, tokenizer = tiny_model_and_tokenizer(words)  # type: ignore[assignment]

    config = GRPOConfig(
        output_dir=args.output_dir,
        per_device_train_batch_size=8,
        num_generations=8,
        max_completion_length=16 if args.tiny else 512,
        max_steps=args.max_steps,
        logging_steps=1,
        use_cpu=args.tiny,
        report_to="none",
        save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[RefereeReward(args.referee_url, name="referee_code")],
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()
    for entry in trainer.state.log_history:
        if "rewards/referee_code/mean" in entry:
            statuses = {k: v for k, v in entry.items() if k.startswith("referee_code/")}
            mean = entry["rewards/referee_code/mean"]
            print(f"step {entry['step']}: mean reward {mean:.3f} {statuses}")


if __name__ == "__main__":
    main()
