"""Fair scheduling: a tenant's small batch is not stuck behind another tenant's flood.

Real processes: redis-server, `referee serve` on it with two tenants' API keys, one
`referee worker` grading math. Tenant A posts 5,000 items; while they are being judged,
tenant B posts 50. B must finish long before A, and within a small factor of the time its
batch takes on an idle service.
"""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.processes import Api, RefereeProcess, referee_env
from tests.support import RedisServer

pytestmark = pytest.mark.redis

KEYS = {"key-a": {"tenant": "team-a"}, "key-b": {"tenant": "team-b"}}


def math_batch(n: int, offset: int) -> list[dict[str, Any]]:
    # Distinct golds, so nothing is deduplicated and every item is real work.
    return [
        {
            "kind": "math",
            "completion": f"Adding up, we get \\boxed{{\\frac{{{2 * (i + offset)}}}{{4}}}}",
            "gold": f"{(i + offset) / 2}",
        }
        for i in range(n)
    ]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    redis = RedisServer()
    redis.start()
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(KEYS))
    env = referee_env(
        REDIS_URL=redis.url,
        REFEREE_API_KEYS_FILE=str(keys_file),
        REFEREE_SANDBOX__BACKEND="none",
        REFEREE_MATH_GROUP_SIZE="1",  # one job per item: the flood is 5,000 jobs deep
        REFEREE_MAX_ITEMS="10000",
    )
    worker = RefereeProcess(["worker"], env, tmp_path / "worker.log").start()
    the_api = Api(env, tmp_path / "api.log").start()
    try:
        the_api.wait_healthy()  # math only: no sandbox, so never "ready"
        yield the_api
    finally:
        the_api.stop()
        worker.stop()
        redis.stop()


def score(url: str, key: str, items: list[dict[str, Any]]) -> float:
    started = time.monotonic()
    response = httpx.post(
        f"{url}/v1/score",
        json={"items": items, "options": {"timeout_s": 300}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=320,
    )
    assert response.status_code == 200, response.text
    assert all(r["status"] == "correct" for r in response.json()["results"])
    return time.monotonic() - started


def test_a_small_tenant_is_served_promptly_during_another_tenants_flood(api: Api) -> None:
    score(api.url, "key-b", math_batch(50, 0))  # warm the grading processes
    idle_s = score(api.url, "key-b", math_batch(50, 100))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        flood = pool.submit(score, api.url, "key-a", math_batch(5000, 1000))
        time.sleep(1.0)  # A's 5,000 jobs are queued ahead of B's
        loaded_s = score(api.url, "key-b", math_batch(50, 200))
        b_done = time.monotonic()
        flood_s = flood.result()
        a_done = time.monotonic()
    print(f"B idle {idle_s:.2f} s, B during A's flood {loaded_s:.2f} s, A {flood_s:.2f} s")
    assert b_done < a_done - 1.0, "B should finish well before A's flood"
    assert loaded_s < 5 * idle_s + 1.0
