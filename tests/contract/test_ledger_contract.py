"""One contract, every Ledger: in-memory and on a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from referee_service.ledger import Ledger, MemoryLedger
from referee_service.ledger.redis_ledger import RedisLedger


@pytest.fixture(params=["memory", "redis"])
async def ledger(request: pytest.FixtureRequest) -> AsyncIterator[Ledger]:
    the: Ledger
    if request.param == "memory":
        the = MemoryLedger()
    else:
        the = RedisLedger(request.getfixturevalue("redis_url"))
    yield the
    await the.close()


async def test_a_tenant_is_admitted_up_to_its_limit_and_again_after_retiring(
    ledger: Ledger,
) -> None:
    assert await ledger.admit("a", "r1", 60, limit=100, ttl_s=30)
    assert not await ledger.admit("a", "r2", 50, limit=100, ttl_s=30)
    assert await ledger.admit("b", "r3", 100, limit=100, ttl_s=30)  # tenants count apart
    assert await ledger.in_flight("a") == 60
    await ledger.retire("a", "r1")
    assert await ledger.admit("a", "r2", 50, limit=100, ttl_s=30)
    assert await ledger.in_flight("a") == 50


async def test_counts_expire_when_nobody_retires_them(ledger: Ledger) -> None:
    assert await ledger.admit("a", "crashed", 100, limit=100, ttl_s=0.3)
    await asyncio.sleep(0.5)
    assert await ledger.in_flight("a") == 0
    assert await ledger.admit("a", "next", 100, limit=100, ttl_s=30)


async def test_an_idempotency_key_remembers_its_request_and_then_its_answer(
    ledger: Ledger,
) -> None:
    first = await ledger.claim("a", "k", "body-1", "req-1", ttl_s=30)
    assert first.fresh and first.request_id == "req-1"
    again = await ledger.claim("a", "k", "body-1", "req-2", ttl_s=30)
    assert (again.fresh, again.request_id, again.enqueued, again.response) == (
        False,
        "req-1",
        False,
        None,
    )
    await ledger.mark_enqueued("a", "k")
    await ledger.store_response("a", "k", '{"results": []}', ttl_s=30)
    done = await ledger.claim("a", "k", "body-1", "req-3", ttl_s=30)
    assert done.enqueued and done.response == '{"results": []}' and not done.conflict


async def test_a_key_reused_with_another_body_is_a_conflict(ledger: Ledger) -> None:
    await ledger.claim("a", "k", "body-1", "req-1", ttl_s=30)
    assert (await ledger.claim("a", "k", "body-2", "req-2", ttl_s=30)).conflict
    # Keys are per tenant: another tenant's same key is its own.
    assert (await ledger.claim("b", "k", "body-2", "req-3", ttl_s=30)).fresh


async def test_a_forgotten_key_starts_afresh(ledger: Ledger) -> None:
    await ledger.claim("a", "k", "body-1", "req-1", ttl_s=30)
    await ledger.forget("a", "k")
    assert (await ledger.claim("a", "k", "body-1", "req-2", ttl_s=30)).request_id == "req-2"
