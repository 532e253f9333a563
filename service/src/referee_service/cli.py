"""The `referee` command: `referee serve` (the API) and `referee worker` (a queue consumer)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import click
import uvicorn

from referee_service.app import create_app
from referee_service.logs import configure_logging
from referee_service.queue import QueueError
from referee_service.queue.redis_streams import RedisQueue
from referee_service.runtime import build_judge, worker_timing
from referee_service.settings import Settings, load_settings
from referee_service.worker import Worker

log = logging.getLogger("referee")


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        raise click.ClickException(str(exc)) from exc
    configure_logging(settings.log_level, settings.log_format)
    return settings


@click.group()
def main() -> None:
    """Referee: rewards for RL with verifiable rewards. Settings come from REFEREE_* variables."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the HTTP API (with in-process workers when REDIS_URL is unset)."""
    settings = _settings()
    mode = "Redis queue" if settings.redis_url else "embedded queue and workers"
    log.info("serving on http://%s:%d (%s)", host, port, mode)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None)


@main.command()
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL of results; appended to, and items already in it are skipped (resume).",
)
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="The service.")
@click.option("--api-key", default=None, help="Bearer token, if the deployment needs one.")
@click.option("--batch-size", default=256, show_default=True, type=int, help="Items per request.")
@click.option("--timeout-s", default=300.0, show_default=True, type=float, help="Per batch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def score(
    input_path: Path,
    output_path: Path,
    url: str,
    api_key: str | None,
    batch_size: int,
    timeout_s: float,
    quiet: bool,
) -> None:
    """Score a JSONL file of items (one per line) against a running service, resumably."""
    # Imported here: only this command needs the client and tqdm.
    from referee_client import RefereeClient, RefereeError

    from referee_service.offline import score_file

    try:
        with RefereeClient(url, api_key=api_key, timeout_s=timeout_s) as client:
            summary = score_file(
                input_path,
                output_path,
                client,
                batch_size=batch_size,
                timeout_s=timeout_s,
                progress=not quiet,
            )
    except (ValueError, RefereeError) as exc:
        raise click.ClickException(f"{exc} (results so far are kept; rerun to resume)") from exc
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.statuses.items())) or "nothing new"
    click.echo(f"{summary.written} scored, {summary.skipped} already done: {counts}", err=True)


@main.command()
@click.option("--name", default=None, help="Consumer name (default: host-pid-random).")
def worker(name: str | None) -> None:
    """Consume jobs from Redis until SIGTERM/SIGINT, then finish the jobs in flight (for
    REFEREE_WORKER__SHUTDOWN_GRACE_S) and hand the rest back to the queue."""
    settings = _settings()
    if settings.redis_url is None:
        raise click.ClickException("`referee worker` needs REDIS_URL (or REFEREE_REDIS_URL)")
    sys.exit(asyncio.run(_work(settings, name)))


# A worker that cannot reach Redis for this long exits non-zero so its supervisor restarts it.
CONNECT_WITHIN_S = 60.0


async def _work(settings: Settings, name: str | None) -> int:
    queue = RedisQueue(str(settings.redis_url))
    try:
        await _wait_for_queue(queue)
    except QueueError as exc:
        log.error("giving up: %s", exc)
        await queue.close()
        return 1
    judge = build_judge(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    the_worker = Worker(
        queue,
        judge,
        name=name,
        concurrency=settings.worker_concurrency,
        timing=worker_timing(settings),
    )
    log.info("worker %s consuming (concurrency %d)", the_worker.name, settings.worker_concurrency)
    try:
        await the_worker.run(stop)
    finally:
        judge.close()
        await queue.close()
    log.info("worker %s stopped", the_worker.name)
    return 0


async def _wait_for_queue(queue: RedisQueue) -> None:
    deadline = asyncio.get_running_loop().time() + CONNECT_WITHIN_S
    while True:
        try:
            await queue.ping()
            return
        except QueueError as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("waiting for Redis: %s", exc)
            await asyncio.sleep(1.0)
