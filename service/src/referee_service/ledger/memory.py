"""The embedded ledger: in-process dictionaries, for `referee serve` without Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from referee_service.ledger.base import Claim


@dataclass(frozen=True)
class _Record:
    fingerprint: str
    claim: Claim
    expires: float


class MemoryLedger:
    """``Ledger`` in dictionaries; one process, one event loop."""

    def __init__(self) -> None:
        # tenant -> request_id -> (items, expires)
        self._in_flight: dict[str, dict[str, tuple[int, float]]] = {}
        self._keys: dict[tuple[str, str], _Record] = {}

    def _live(self, tenant: str) -> dict[str, tuple[int, float]]:
        now = time.monotonic()
        requests = self._in_flight.setdefault(tenant, {})
        for request_id in [r for r, (_, until) in requests.items() if until <= now]:
            del requests[request_id]
        return requests

    async def admit(
        self, tenant: str, request_id: str, items: int, limit: int, ttl_s: float
    ) -> bool:
        requests = self._live(tenant)
        if sum(n for n, _ in requests.values()) + items > limit:
            return False
        requests[request_id] = (items, time.monotonic() + ttl_s)
        return True

    async def retire(self, tenant: str, request_id: str) -> None:
        self._live(tenant).pop(request_id, None)

    async def in_flight(self, tenant: str) -> int:
        return sum(n for n, _ in self._live(tenant).values())

    def _record(self, tenant: str, key: str) -> _Record | None:
        record = self._keys.get((tenant, key))
        if record is not None and record.expires <= time.monotonic():
            del self._keys[(tenant, key)]
            return None
        return record

    async def claim(
        self, tenant: str, key: str, fingerprint: str, request_id: str, ttl_s: float
    ) -> Claim:
        record = self._record(tenant, key)
        if record is None:
            claim = Claim(request_id=request_id, fresh=True)
            self._keys[(tenant, key)] = _Record(fingerprint, claim, time.monotonic() + ttl_s)
            return claim
        if record.fingerprint != fingerprint:
            return Claim(request_id=record.claim.request_id, fresh=False, conflict=True)
        return replace(record.claim, fresh=False)

    async def mark_enqueued(self, tenant: str, key: str) -> None:
        record = self._record(tenant, key)
        if record is not None:
            claim = replace(record.claim, enqueued=True)
            self._keys[(tenant, key)] = replace(record, claim=claim)

    async def store_response(self, tenant: str, key: str, response: str, ttl_s: float) -> None:
        record = self._record(tenant, key)
        if record is not None:
            claim = replace(record.claim, response=response)
            self._keys[(tenant, key)] = replace(
                record, claim=claim, expires=time.monotonic() + ttl_s
            )

    async def forget(self, tenant: str, key: str) -> None:
        self._keys.pop((tenant, key), None)

    async def close(self) -> None:
        self._keys.clear()
        self._in_flight.clear()
