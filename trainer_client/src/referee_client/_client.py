"""``RefereeClient`` and ``AsyncRefereeClient``: score items over HTTP, robustly.

Request building, chunking, retry decisions and response parsing are plain functions
shared by both classes; each class method is a few lines of I/O around them.

Each chunk of a batch is one ``POST /v1/score`` carrying its own ``Idempotency-Key``,
reused on every retry of that chunk, so a retry after a lost response is never scored
twice by a service that honours the key.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import tenacity
from pydantic import BaseModel, TypeAdapter, ValidationError

from referee_client.errors import RefereeError, RequestRejected, ServerError, TransportError
from referee_client.protocol import (
    AnyItem,
    Item,
    ItemResult,
    RewardMode,
    ScoreOptions,
    ScoreResponse,
)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_ITEM = TypeAdapter(Item)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries on connection errors, timeouts, 429 and 5xx; never on other 4xx.

    Waits grow exponentially from ``backoff_s`` (with jitter) up to ``max_backoff_s``,
    except that a ``Retry-After`` header is honoured.
    """

    attempts: int = 5
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0


class _Retryable(RefereeError):
    """A failure worth retrying; ``retry_after_s`` is the server's hint, if it gave one."""

    def __init__(self, cause: RefereeError, retry_after_s: float | None = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.retry_after_s = retry_after_s


def to_items(items: Sequence[AnyItem | Mapping[str, Any]]) -> list[AnyItem]:
    """Validate plain dicts into protocol items (``ValueError`` naming the bad item)."""
    out: list[AnyItem] = []
    for i, item in enumerate(items):
        if isinstance(item, BaseModel):
            out.append(_ITEM.validate_python(item))
            continue
        try:
            out.append(_ITEM.validate_python(item))
        except ValidationError as exc:
            raise ValueError(f"items[{i}] is not a valid item: {exc}") from exc
    return out


def chunks(items: Sequence[AnyItem], size: int) -> Iterator[tuple[int, list[AnyItem]]]:
    """``(offset, chunk)`` pairs of at most ``size`` items, in order."""
    for start in range(0, len(items), size):
        yield start, list(items[start : start + size])


def request_body(items: Sequence[AnyItem], options: ScoreOptions) -> dict[str, Any]:
    return {
        "items": [item.model_dump(mode="json", exclude_none=True) for item in items],
        "options": options.model_dump(mode="json", exclude_defaults=True),
    }


def _retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())


def parse_response(
    response: httpx.Response, chunk: Sequence[AnyItem], offset: int
) -> list[ItemResult]:
    """Results of one chunk, ids re-based on the whole batch, or the error to raise/retry."""
    if response.status_code == 429 or response.status_code >= 500:
        error = ServerError(response.status_code, response.text)
        raise _Retryable(error, _retry_after_s(response))
    if response.status_code >= 400:
        try:
            detail: object = response.json().get("detail")
        except ValueError:
            detail = response.text
        raise RequestRejected(response.status_code, detail)
    results = ScoreResponse.model_validate_json(response.content).results
    if len(results) != len(chunk):
        raise RefereeError(f"expected {len(chunk)} results, got {len(results)}")
    # Items without an id are echoed by their index in the chunk; report the batch index.
    return [
        r if item.id is not None else r.model_copy(update={"id": str(offset + i)})
        for i, (item, r) in enumerate(zip(chunk, results, strict=True))
    ]


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    exponential = tenacity.wait_random_exponential(
        multiplier=policy.backoff_s, max=policy.max_backoff_s
    )

    def wait(state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Retryable) and failure.retry_after_s is not None:
            return min(failure.retry_after_s, policy.max_backoff_s)
        return float(exponential(state))

    return wait


def _retrying_kwargs(policy: RetryPolicy) -> dict[str, Any]:
    return {
        "stop": tenacity.stop_after_attempt(policy.attempts),
        "wait": _wait(policy),
        "retry": tenacity.retry_if_exception_type(_Retryable),
        "reraise": True,
    }


def _timeout(timeout_s: float, connect_timeout_s: float) -> httpx.Timeout:
    # Reads wait for the whole server-side deadline; connecting should be quick.
    return httpx.Timeout(timeout_s + 30.0, connect=connect_timeout_s)


def _options(
    defaults: ScoreOptions, timeout_s: float | None, reward: RewardMode | str | None
) -> ScoreOptions:
    update: dict[str, Any] = {}
    if timeout_s is not None:
        update["timeout_s"] = timeout_s
    if reward is not None:
        update["reward"] = RewardMode(reward)
    return ScoreOptions.model_validate({**defaults.model_dump(), **update})


def _http_options(
    base_url: str, api_key: str | None, timeout_s: float, connect_timeout_s: float, chunk_size: int
) -> dict[str, Any]:
    """What ``httpx.Client`` and ``httpx.AsyncClient`` are built with, after validation."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    return {
        "base_url": base_url,
        "timeout": _timeout(timeout_s, connect_timeout_s),
        "headers": {"authorization": f"Bearer {api_key}"} if api_key else {},
    }


class RefereeClient:
    """Blocking client. ``score`` returns one ``ItemResult`` per item, in order.

    Args:
        base_url: where the service listens.
        api_key: sent as a bearer token when the deployment requires one.
        timeout_s: the server-side deadline per chunk (``options.timeout_s``).
        chunk_size: items per request; larger batches are split and reassembled.
        retry: when and how long to retry.
        transport: an httpx transport (tests pass ``httpx.MockTransport``).

    Example:
        >>> with RefereeClient("http://127.0.0.1:8000") as referee:  # doctest: +SKIP
        ...     referee.score([{"kind": "math", "completion": r"\\boxed{2}", "gold": "2"}])
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        connect_timeout_s: float = 5.0,
        chunk_size: int = 512,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        http = _http_options(base_url, api_key, timeout_s, connect_timeout_s, chunk_size)
        self._options = ScoreOptions(timeout_s=timeout_s)
        self._chunk_size = chunk_size
        self._retry = retry
        self._http = httpx.Client(transport=transport, **http)

    def score(
        self,
        items: Sequence[AnyItem | Mapping[str, Any]],
        *,
        timeout_s: float | None = None,
        reward: RewardMode | str | None = None,
    ) -> list[ItemResult]:
        """Score ``items`` (protocol models or dicts). Raises a ``RefereeError``."""
        batch = to_items(items)
        options = _options(self._options, timeout_s, reward)
        results: list[ItemResult] = []
        for offset, chunk in chunks(batch, self._chunk_size):
            results += self._post_chunk(chunk, offset, options)
        return results

    def _post_chunk(
        self, chunk: list[AnyItem], offset: int, options: ScoreOptions
    ) -> list[ItemResult]:
        body = request_body(chunk, options)
        headers = {IDEMPOTENCY_HEADER: uuid.uuid4().hex}
        try:
            for attempt in tenacity.Retrying(**_retrying_kwargs(self._retry)):
                with attempt:
                    try:
                        response = self._http.post("/v1/score", json=body, headers=headers)
                    except httpx.TransportError as exc:
                        raise _Retryable(TransportError(f"{type(exc).__name__}: {exc}")) from exc
                    return parse_response(response, chunk, offset)
        except _Retryable as exc:
            raise exc.cause from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RefereeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncRefereeClient:
    """Asyncio client; the same arguments as ``RefereeClient``.

    Chunks of one ``score`` call are posted concurrently (``max_concurrent_chunks``).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        connect_timeout_s: float = 5.0,
        chunk_size: int = 512,
        max_concurrent_chunks: int = 4,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        http = _http_options(base_url, api_key, timeout_s, connect_timeout_s, chunk_size)
        self._options = ScoreOptions(timeout_s=timeout_s)
        self._chunk_size = chunk_size
        self._retry = retry
        self._slots = asyncio.Semaphore(max_concurrent_chunks)
        self._http = httpx.AsyncClient(transport=transport, **http)

    async def score(
        self,
        items: Sequence[AnyItem | Mapping[str, Any]],
        *,
        timeout_s: float | None = None,
        reward: RewardMode | str | None = None,
    ) -> list[ItemResult]:
        """Score ``items`` (protocol models or dicts). Raises a ``RefereeError``."""
        batch = to_items(items)
        options = _options(self._options, timeout_s, reward)
        parts = await asyncio.gather(
            *(
                self._post_chunk(chunk, offset, options)
                for offset, chunk in chunks(batch, self._chunk_size)
            )
        )
        return [result for part in parts for result in part]

    async def _post_chunk(
        self, chunk: list[AnyItem], offset: int, options: ScoreOptions
    ) -> list[ItemResult]:
        body = request_body(chunk, options)
        headers = {IDEMPOTENCY_HEADER: uuid.uuid4().hex}
        async with self._slots:
            try:
                async for attempt in tenacity.AsyncRetrying(**_retrying_kwargs(self._retry)):
                    with attempt:
                        try:
                            response = await self._http.post(
                                "/v1/score", json=body, headers=headers
                            )
                        except httpx.TransportError as exc:
                            raise _Retryable(
                                TransportError(f"{type(exc).__name__}: {exc}")
                            ) from exc
                        return parse_response(response, chunk, offset)
            except _Retryable as exc:
                raise exc.cause from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncRefereeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
