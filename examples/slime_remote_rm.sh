#!/usr/bin/env bash
# slime with Referee as its remote reward model. GPU: needs slime (Megatron, SGLang).
#
# slime's remote_rm posts {"prompt", "response", "label"} per sample to --rm-url; Referee
# answers POST /slime/reward with {"reward": r, "status": ..., "error": ...}, and
# --reward-key reward picks the number. Labels: a gold answer string (math) or JSON tests
# (code), as for OpenRLHF (see examples/openrlhf_remote_rm.sh).
#
#   REFEREE=http://referee:8000 examples/slime_remote_rm.sh <your usual slime arguments>
set -euo pipefail
REFEREE="${REFEREE:-http://127.0.0.1:8000}"
python train.py \
  --rm-type remote_rm --rm-url "$REFEREE/slime/reward" --reward-key reward \
  --label-key label \
  "$@"
