#!/usr/bin/env bash
# OpenRLHF PPO/GRPO with Referee as the remote reward model. GPU: needs OpenRLHF, Ray, vLLM.
#
# Referee answers OpenRLHF's remote reward protocol on POST /openrlhf/reward:
#   {"query": [prompt+response], "prompts": [prompt], "labels": [label]}
#   -> {"rewards": [...], "scores": [...], "extra_logs": {"correct": [...], ...}}
# The label column (--label_key) carries, per sample, either a gold answer string (math) or
# JSON tests (code): {"tests": [{"stdin": "1 2\n", "stdout": "3\n"}]},
# {"inputs": [...], "outputs": [...], "fn_name"?: "f"} or {"test_code": "assert f(1) == 2"}.
#
#   REFEREE=http://referee:8000 examples/openrlhf_remote_rm.sh
set -euo pipefail
REFEREE="${REFEREE:-http://127.0.0.1:8000}"

# Current OpenRLHF (the option was --remote_rm_url before it became --reward.remote_url;
# use whichever your version's `train_ppo_ray --help` lists).
python -m openrlhf.cli.train_ppo_ray \
  --pretrain Qwen/Qwen2.5-1.5B-Instruct \
  --prompt_data openai/gsm8k --input_key question --label_key answer_number \
  --apply_chat_template \
  --advantage_estimator group_norm --n_samples_per_prompt 8 \
  --reward.remote_url "$REFEREE/openrlhf/reward" \
  --actor_num_gpus_per_node 4 --vllm_num_engines 2 \
  --save_path /tmp/openrlhf-referee
