"""The request ledger: what each tenant has in flight, and what an idempotency key answered.

Both live beside the queue (in Redis when there is one) so that every API replica sees
the same numbers, and so that a retry reaching a different replica, or the same one after
a restart, finds the original request instead of judging it again.

Exceptions: ``QueueError`` when the backing store fails, as for the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Claim:
    """What ``Ledger.claim`` found for an idempotency key.

    ``fresh``: this call created the record, so the caller runs the request under
    ``request_id``. Otherwise the key was seen before: ``response`` is the stored answer
    once the original finished; until then the caller waits on the original
    ``request_id`` (re-enqueueing its jobs only if ``enqueued`` is false). ``conflict``:
    the key was used before with a different request body.
    """

    request_id: str
    fresh: bool
    enqueued: bool = False
    response: str | None = None
    conflict: bool = False


class Ledger(Protocol):
    async def admit(
        self, tenant: str, request_id: str, items: int, limit: int, ttl_s: float
    ) -> bool:
        """Count ``items`` against ``tenant``'s in-flight ``limit``; False (nothing counted)
        if they do not fit. The count expires after ``ttl_s`` in case nobody retires it."""

    async def retire(self, tenant: str, request_id: str) -> None:
        """The request is answered: its items no longer count."""

    async def in_flight(self, tenant: str) -> int:
        """Items ``tenant`` has in flight now."""

    async def claim(
        self, tenant: str, key: str, fingerprint: str, request_id: str, ttl_s: float
    ) -> Claim:
        """Record ``key`` for a request with body ``fingerprint``, or report the earlier one."""

    async def mark_enqueued(self, tenant: str, key: str) -> None:
        """The request's jobs are all on the queue."""

    async def store_response(self, tenant: str, key: str, response: str, ttl_s: float) -> None:
        """Keep the answer, so a retry with the same key gets it without judging again."""

    async def forget(self, tenant: str, key: str) -> None:
        """Drop the key's record: the request was refused before it ran (429)."""

    async def close(self) -> None:
        """Release connections."""
