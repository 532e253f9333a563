#!/usr/bin/env bash
# veRL GRPO with Referee as the custom reward function. GPU: needs veRL and vLLM/SGLang.
#
# referee_client.verl provides compute_score (per sample), compute_score_async (veRL's
# async reward loop awaits it) and compute_score_batch (reward_model.reward_manager=batch).
# ground_truth: a gold answer string (math), or veRL's code JSON
# {"inputs": [...], "outputs": [...], "fn_name"?: "f"}. Each call returns
# {"score", "status", "error"}; the extra keys become reward_extra_info.
#
# Newer veRL nests these keys under `reward.` (reward.custom_reward_function.path=...).
#
#   REFEREE=http://referee:8000 examples/verl_grpo.sh
set -euo pipefail
REFEREE="${REFEREE:-http://127.0.0.1:8000}"
VERL_REWARD="$(python -c 'import referee_client.verl as m; print(m.__file__)')"

python -m verl.trainer.main_ppo \
  algorithm.adv_estimator=grpo \
  data.train_files="$HOME/data/gsm8k/train.parquet" \
  data.val_files="$HOME/data/gsm8k/test.parquet" \
  actor_rollout_ref.model.path=Qwen/Qwen2.5-1.5B-Instruct \
  actor_rollout_ref.rollout.n=8 \
  reward_model.reward_manager=batch \
  custom_reward_function.path="$VERL_REWARD" \
  custom_reward_function.name=compute_score_batch \
  ++custom_reward_function.reward_kwargs.base_url="$REFEREE" \
  trainer.n_gpus_per_node=4 trainer.total_epochs=1
