#!/opt/referee/bin/python
"""Container health checks for the compose stack and Kubernetes exec probes.

    referee-healthcheck api [--port 8000]   the API answers GET /healthz
    referee-healthcheck worker              this container's worker is alive

A worker has no HTTP port, so "alive" means: its heartbeat is live in Redis. If Redis itself
cannot be reached the check passes: the worker is backing off and will reconnect, and
restarting every worker because Redis is down would only add a thundering herd to the
outage. It fails when Redis answers but no heartbeat of this host is there: the worker is
wedged or dead. Worker names start with the host name (container id, pod name).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import urllib.request

from referee_service.queue import QueueError
from referee_service.queue.redis_streams import RedisQueue


def check_api(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as resp:
            return None if resp.status == 200 else f"/healthz answered {resp.status}"
    except OSError as exc:
        return f"/healthz unreachable: {exc}"


async def check_worker() -> str | None:
    url = os.environ.get("REFEREE_REDIS_URL") or os.environ.get("REDIS_URL")
    if not url:
        return "no REDIS_URL"
    queue = RedisQueue(url)
    try:
        try:
            workers = await queue.live_workers()
        except QueueError as exc:
            print(f"redis unreachable ({exc}); not blaming the worker", file=sys.stderr)
            return None
        prefix = f"{socket.gethostname()}-"
        if any(w.name.startswith(prefix) for w in workers):
            return None
        return f"no live heartbeat from {prefix}* among {len(workers)} worker(s)"
    finally:
        await queue.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="referee-healthcheck")
    parser.add_argument("role", choices=["api", "worker"])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    problem = check_api(args.port) if args.role == "api" else asyncio.run(check_worker())
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
