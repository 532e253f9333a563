"""The client's retries, chunking and errors (httpx.MockTransport), and a real round trip."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from referee_client import (
    AsyncRefereeClient,
    RefereeClient,
    RequestRejected,
    RetryPolicy,
    ServerError,
    TransportError,
)
from referee_service import Settings, create_app

FAST_RETRY = RetryPolicy(attempts=3, backoff_s=0.001, max_backoff_s=0.01)
MATH = {"kind": "math", "completion": "\\boxed{2}", "gold": "2"}

Handler = Callable[[httpx.Request], httpx.Response]


def echo_correct(request: httpx.Request) -> httpx.Response:
    items = json.loads(request.content)["items"]
    results = [
        {"id": item.get("id", str(i)), "reward": 1.0, "status": "correct", "details": {}}
        for i, item in enumerate(items)
    ]
    return httpx.Response(200, json={"results": results})


class Recorder:
    """A MockTransport handler that answers from a script, then echoes, and records requests."""

    def __init__(self, *script: Callable[[httpx.Request], httpx.Response]) -> None:
        self._script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._script.pop(0)(request) if self._script else echo_correct(request)


@pytest.fixture
def client_for() -> Iterator[Callable[..., RefereeClient]]:
    made: list[RefereeClient] = []

    def make(handler: Handler, **kwargs: object) -> RefereeClient:
        client = RefereeClient(
            "http://referee",
            transport=httpx.MockTransport(handler),
            retry=FAST_RETRY,
            **kwargs,  # type: ignore[arg-type]
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_large_batches_are_chunked_and_reassembled_in_order(
    client_for: Callable[..., RefereeClient],
) -> None:
    recorder = Recorder()
    items = [dict(MATH) for _ in range(5)] + [{**MATH, "id": "named"}]
    results = client_for(recorder, chunk_size=2).score(items)
    assert [r.id for r in results] == ["0", "1", "2", "3", "4", "named"]
    assert [len(json.loads(r.content)["items"]) for r in recorder.requests] == [2, 2, 2]
    keys = {r.headers["idempotency-key"] for r in recorder.requests}
    assert len(keys) == 3


def test_429_is_retried_honouring_retry_after_with_the_same_idempotency_key(
    client_for: Callable[..., RefereeClient],
) -> None:
    recorder = Recorder(lambda r: httpx.Response(429, headers={"retry-after": "0"}))
    (result,) = client_for(recorder).score([MATH])
    assert result.status == "correct"
    first, second = recorder.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


def test_5xx_and_connection_errors_are_retried(client_for: Callable[..., RefereeClient]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    recorder = Recorder(lambda r: httpx.Response(503, text="queue down"), refuse)
    assert client_for(recorder).score([MATH])[0].status == "correct"
    assert len(recorder.requests) == 3


def test_retries_run_out_into_a_typed_error(client_for: Callable[..., RefereeClient]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ServerError) as server_error:
        client_for(lambda r: httpx.Response(500, text="boom")).score([MATH])
    assert server_error.value.status_code == 500
    with pytest.raises(TransportError, match="refused"):
        client_for(refuse).score([MATH])


def test_a_rejected_request_is_not_retried_and_carries_the_detail(
    client_for: Callable[..., RefereeClient],
) -> None:
    recorder = Recorder(
        lambda r: httpx.Response(413, json={"detail": "items: 9 over the limit of 5"})
    )
    with pytest.raises(RequestRejected, match="over the limit") as rejected:
        client_for(recorder).score([MATH])
    assert rejected.value.status_code == 413 and len(recorder.requests) == 1


def test_bad_items_are_refused_before_sending(client_for: Callable[..., RefereeClient]) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match=r"items\[1\]"):
        client_for(recorder).score([MATH, {"kind": "code", "completion": "x"}])
    assert recorder.requests == []


def test_options_are_sent(client_for: Callable[..., RefereeClient]) -> None:
    recorder = Recorder()
    client_for(recorder).score([MATH], timeout_s=12, reward="all_or_nothing")
    assert json.loads(recorder.requests[0].content)["options"] == {
        "timeout_s": 12.0,
        "reward": "all_or_nothing",
    }


@pytest.fixture
async def served() -> AsyncIterator[httpx.AsyncBaseTransport]:
    app = create_app(Settings(sandbox={"backend": "none"}))
    async with LifespanManager(app) as manager:
        yield httpx.ASGITransport(app=manager.app)


async def test_async_client_round_trip_through_the_real_service(
    served: httpx.AsyncBaseTransport,
) -> None:
    items = [{"kind": "math", "completion": f"so \\boxed{{{i}}}", "gold": "3"} for i in range(7)]
    items.append({"kind": "code", "completion": "print(1)", "tests": [{"stdout": "1"}]})
    async with AsyncRefereeClient("http://referee", transport=served, chunk_size=3) as referee:
        results = await referee.score(items)
    assert [r.id for r in results] == [str(i) for i in range(8)]
    assert [r.status for r in results] == ["incorrect"] * 3 + ["correct"] + ["incorrect"] * 3 + [
        "sandbox_unavailable"
    ]
