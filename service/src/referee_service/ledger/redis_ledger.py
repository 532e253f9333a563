"""The shared ledger on Redis: every API replica counts and remembers in the same place.

In-flight counts are a sorted set of request ids scored by expiry plus a hash of their
item counts, checked and updated in one Lua script so two replicas cannot both squeeze
under a tenant's limit. Idempotency records are hashes that expire.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError

from referee_service import keys
from referee_service.jobs import now_epoch_ms
from referee_service.ledger.base import Claim
from referee_service.queue.base import QueueError
from referee_service.queue.redis_streams import redis_client

# Drop expired requests, then admit this one only if the tenant stays within its limit.
_ADMIT = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, request in ipairs(expired) do redis.call('HDEL', KEYS[2], request) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local total = 0
for _, n in ipairs(redis.call('HVALS', KEYS[2])) do total = total + tonumber(n) end
if total + tonumber(ARGV[3]) > tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('PEXPIREAT', KEYS[2], ARGV[5])
return 1
"""

# Create the key's record, or return the earlier one's fields.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'request_id', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1}
end
local r = redis.call('HMGET', KEYS[1], 'fingerprint', 'request_id', 'enqueued', 'response')
return {0, r[1], r[2], r[3], r[4]}
"""


class RedisLedger:
    """``Ledger`` on Redis. ``url`` is a redis:// DSN."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)
        self._admit = self._redis.register_script(_ADMIT)
        self._claim = self._redis.register_script(_CLAIM)

    async def admit(
        self, tenant: str, request_id: str, items: int, limit: int, ttl_s: float
    ) -> bool:
        now = now_epoch_ms()
        try:
            admitted: Any = await self._admit(
                keys=[keys.in_flight(tenant), keys.in_flight_items(tenant)],
                args=[now, request_id, items, limit, now + int(ttl_s * 1000)],
            )
        except RedisError as exc:
            raise QueueError(f"could not count work in flight: {exc}") from exc
        return bool(admitted)

    async def retire(self, tenant: str, request_id: str) -> None:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zrem(keys.in_flight(tenant), request_id)
                pipe.hdel(keys.in_flight_items(tenant), request_id)
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not retire a request: {exc}") from exc

    async def in_flight(self, tenant: str) -> int:
        try:
            live = await self._redis.zrangebyscore(keys.in_flight(tenant), now_epoch_ms(), "+inf")
            counts: Any = await self._redis.hgetall(keys.in_flight_items(tenant))
        except RedisError as exc:
            raise QueueError(f"could not count work in flight: {exc}") from exc
        return sum(int(n) for request, n in counts.items() if request in set(live))

    async def claim(
        self, tenant: str, key: str, fingerprint: str, request_id: str, ttl_s: float
    ) -> Claim:
        try:
            reply: Any = await self._claim(
                keys=[keys.idempotency(tenant, key)],
                args=[fingerprint, request_id, int(ttl_s * 1000)],
            )
        except RedisError as exc:
            raise QueueError(f"could not record the idempotency key: {exc}") from exc
        if reply[0] == 1:
            return Claim(request_id=request_id, fresh=True)
        _, earlier_fingerprint, earlier_id, enqueued, response = reply
        return Claim(
            request_id=earlier_id,
            fresh=False,
            enqueued=enqueued == "1",
            response=response,
            conflict=earlier_fingerprint != fingerprint,
        )

    async def mark_enqueued(self, tenant: str, key: str) -> None:
        await self._set(tenant, key, {"enqueued": "1"}, None)

    async def store_response(self, tenant: str, key: str, response: str, ttl_s: float) -> None:
        await self._set(tenant, key, {"response": response}, ttl_s)

    async def _set(
        self, tenant: str, key: str, fields: dict[str, str], ttl_s: float | None
    ) -> None:
        name = keys.idempotency(tenant, key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(name, mapping=fields)  # type: ignore[arg-type]
                if ttl_s is not None:
                    pipe.expire(name, max(1, int(ttl_s)))
                await pipe.execute()
        except RedisError as exc:
            raise QueueError(f"could not update the idempotency record: {exc}") from exc

    async def forget(self, tenant: str, key: str) -> None:
        try:
            await self._redis.delete(keys.idempotency(tenant, key))
        except RedisError as exc:
            raise QueueError(f"could not drop the idempotency record: {exc}") from exc

    async def close(self) -> None:
        await self._redis.aclose()
