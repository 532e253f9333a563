"""A retry after a dropped connection never scores twice.

A real TCP proxy sits between the client and a real service. On the first connection it
lets the request through, waits until the service starts answering (so the batch has been
judged), then closes the client's socket without passing the answer on: the client sees
a dropped connection and retries with the same ``Idempotency-Key``. Every later connection
is forwarded untouched. The service's judge counts what it judges.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from referee_client import RefereeClient, RetryPolicy
from referee_service import Settings, create_app
from referee_service.jobs import Job, JobResult
from referee_service.judge import Judge
from referee_service.runtime import build_judge
from referee_service.settings import SandboxSettings

from tests.support import free_port
from tests.unit.client.live_server import serve_in_thread

ITEMS = [
    {"kind": "math", "completion": "\\boxed{2}", "gold": "2"},
    {"kind": "math", "completion": "\\boxed{3}", "gold": "2"},
    {"kind": "math", "completion": "the answer is 7", "gold": "7"},
]


class CountingJudge(Judge):
    """The real judge built from settings, counting the items it judges.

    It wraps the judge instead of rebuilding one, so it follows whatever ``build_judge``
    assembles; everything but ``run`` is the wrapped judge's own.
    """

    def __init__(self, inner: Judge) -> None:  # no super().__init__: `inner` holds the state
        self._inner = inner
        self.judged = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def run(self, job: Job) -> JobResult:
        result = await self._inner.run(job)
        self.judged += len(job.items)
        return result


class DropFirstResponse:
    """A loopback TCP proxy to ``upstream_port`` that drops the first response it sees."""

    def __init__(self, upstream_port: int) -> None:
        self.port = free_port()
        self._upstream_port = upstream_port
        self.dropped = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drop-proxy", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()
        # Stopped: end the connections still open (the client's keep-alive one), then close.
        server.close()
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        drop = self.dropped == 0
        to_upstream = asyncio.create_task(self._pipe(client_r, up_w))
        try:
            if drop:
                # The service answers only once the batch is judged: the first byte of its
                # answer means the work is done. Then the client loses the connection.
                await up_r.read(1)
                self.dropped += 1
            else:
                await self._pipe(up_r, client_w)
        except asyncio.CancelledError:
            pass  # the proxy is shutting down; asyncio would log a cancelled handler as an error
        finally:
            to_upstream.cancel()
            for writer in (client_w, up_w):
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    def __enter__(self) -> DropFirstResponse:
        self._thread.start()
        self._ready.wait(timeout=10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


@pytest.fixture
def counting_service() -> Iterator[tuple[str, CountingJudge]]:
    settings = Settings(sandbox=SandboxSettings(backend="none"))
    judge = CountingJudge(build_judge(settings))
    try:
        with serve_in_thread(create_app(settings, judge=judge)) as url:
            yield url, judge
    finally:
        judge.close()


def test_a_retry_after_a_dropped_response_is_not_judged_twice(
    counting_service: tuple[str, CountingJudge],
) -> None:
    url, judge = counting_service
    upstream_port = int(url.rsplit(":", 1)[1])
    retry = RetryPolicy(attempts=3, backoff_s=0.01, max_backoff_s=0.05)
    with (
        DropFirstResponse(upstream_port) as proxy,
        RefereeClient(f"http://127.0.0.1:{proxy.port}", retry=retry) as client,
    ):
        results = client.score(ITEMS)
    # The first answer was lost and the client came back on a second connection ...
    assert proxy.dropped == 1 and proxy.connections == 2
    assert [(r.id, r.status) for r in results] == [
        ("0", "correct"),
        ("1", "incorrect"),
        ("2", "correct"),
    ]
    # ... yet every item was judged exactly once.
    assert judge.judged == len(ITEMS)
