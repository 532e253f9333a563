#!/usr/bin/env bash
# Score the README's three items against a running Referee (scripts/serve).
#   examples/score_with_curl.sh [http://127.0.0.1:8000]
set -euo pipefail
URL="${1:-http://127.0.0.1:8000}"
curl -sS --fail-with-body "$URL/v1/score" -H 'content-type: application/json' -d @- <<'JSON'
{"items": [
   {"id": "m1", "kind": "math", "completion": "... so the answer is \\boxed{\\frac{1}{2}}", "gold": "0.5"},
   {"id": "c1", "kind": "code", "language": "python",
    "completion": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
    "tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "5 7\n", "stdout": "12\n"}]},
   {"id": "c2", "kind": "code", "language": "python",
    "completion": "def add(a, b):\n    return a + b",
    "test_code": "assert add(1, 2) == 3\nassert add(-1, 1) == 0", "entry_point": "add"}
 ],
 "options": {"timeout_s": 30}}
JSON
echo
