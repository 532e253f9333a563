#!/usr/bin/env bash
# Offline batch scoring of a JSONL file of items against a running Referee (scripts/serve),
# with a progress bar. Rerun the same command after an interruption: scored ids are skipped.
#   examples/score_offline.sh [http://127.0.0.1:8000]
set -euo pipefail
URL="${1:-http://127.0.0.1:8000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IN="$(mktemp --suffix=.jsonl)"
OUT="${OUT:-/tmp/referee-scores.jsonl}"
cat > "$IN" <<'JSONL'
{"id": "m1", "kind": "math", "completion": "so the answer is \\boxed{\\frac{1}{2}}", "gold": "0.5"}
{"id": "m2", "kind": "math", "completion": "I think it is 3", "gold": "4"}
{"kind": "code", "completion": "print(sum(map(int, input().split())))", "tests": [{"stdin": "1 2\n", "stdout": "3\n"}]}
JSONL
"$ROOT/.venv/bin/referee" score "$IN" -o "$OUT" --url "$URL"
cat "$OUT"
