"""Every Redis key Referee uses, built here and nowhere else."""

from __future__ import annotations

PREFIX = "referee"

# One consumer group shared by all workers: each job goes to exactly one of them.
WORKER_GROUP = "referee-workers"


def job_stream() -> str:
    """The stream of jobs waiting for a worker."""
    return f"{PREFIX}:jobs"


def results_list(request_id: str) -> str:
    """Where workers push the results of one request's jobs; expires after the deadline."""
    return f"{PREFIX}:results:{request_id}"


def worker_heartbeat(name: str) -> str:
    """A worker's liveness and capabilities; expires unless refreshed."""
    return f"{PREFIX}:worker:{name}"


def worker_heartbeat_pattern() -> str:
    return f"{PREFIX}:worker:*"
