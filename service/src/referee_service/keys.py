"""Every Redis key Referee uses, built here and nowhere else."""

from __future__ import annotations

import hashlib

PREFIX = "referee"

# One consumer group per tenant stream, shared by all workers: each job goes to one of them.
WORKER_GROUP = "referee-workers"


def tenants() -> str:
    """The set of tenants that have (or had) a job stream."""
    return f"{PREFIX}:tenants"


def job_stream(tenant: str) -> str:
    """The stream of one tenant's jobs waiting for a worker."""
    return f"{PREFIX}:jobs:{tenant}"


def results(request_id: str) -> str:
    """Hash of one request's results by job id; expires after the deadline."""
    return f"{PREFIX}:results:{request_id}"


def results_doorbell(request_id: str) -> str:
    """A list workers push to when a result lands, so waiters wake without polling."""
    return f"{PREFIX}:results-ready:{request_id}"


def in_flight(tenant: str) -> str:
    """Sorted set of a tenant's requests in flight, scored by when they expire."""
    return f"{PREFIX}:in-flight:{tenant}"


def in_flight_items(tenant: str) -> str:
    """Hash of a tenant's requests in flight to their item counts."""
    return f"{PREFIX}:in-flight-items:{tenant}"


def idempotency(tenant: str, key: str) -> str:
    """The record of one idempotency key; the key is hashed (it is client-chosen text)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{PREFIX}:idempotency:{tenant}:{digest}"


def worker_heartbeat(name: str) -> str:
    """A worker's liveness and capabilities; expires unless refreshed."""
    return f"{PREFIX}:worker:{name}"


def worker_heartbeat_pattern() -> str:
    return f"{PREFIX}:worker:*"
