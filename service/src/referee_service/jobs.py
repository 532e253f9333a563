"""Jobs: the unit of work on the queue, and how a request becomes jobs and back.

A request's items are grouped into jobs: math items that share a gold answer travel
together (so a worker can parse the gold once and grade repeated answers once); each code
item is a job of its own with all its tests; the other kinds are cheap and travel in
batches of their kind. Each job carries its tenant (whose queue it waits in) and the
request deadline, as wall-clock epoch milliseconds because API and workers are different
processes. Planning is deterministic: the same request planned twice gives the same job
ids, which is what lets an idempotent retry wait on the original request's jobs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict
from referee_client.protocol import (
    AnyItem,
    CodeItem,
    CompositeItem,
    Item,
    ItemResult,
    MathItem,
    ScoreOptions,
    ScoreRequest,
    Status,
)

DEFAULT_TENANT = "default"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JobItem(_Frozen):
    """One item of a job and its position in the request."""

    index: int
    item: Item


class Job(_Frozen):
    """Work for one worker: items of one kind, judged under the request's options."""

    request_id: str
    job_id: str
    kind: str
    tenant: str = DEFAULT_TENANT
    deadline_ms: int
    options: ScoreOptions
    items: list[JobItem]

    def remaining_s(self, now_ms: int | None = None) -> float:
        """Seconds left before the request deadline (negative once it has passed)."""
        now = now_ms if now_ms is not None else now_epoch_ms()
        return (self.deadline_ms - now) / 1000.0


class IndexedResult(_Frozen):
    index: int
    result: ItemResult


class JobResult(_Frozen):
    """A finished job. Keyed by (request_id, job_id), so a redelivered job counts once."""

    request_id: str
    job_id: str
    results: list[IndexedResult]
    elapsed_s: float = 0.0  # time the worker spent judging the job


def now_epoch_ms() -> int:
    return time.time_ns() // 1_000_000


def new_request_id() -> str:
    return uuid.uuid4().hex


def item_id(item: AnyItem, index: int) -> str:
    """The id echoed in the result: the item's own, or its index in the request."""
    return item.id if item.id is not None else str(index)


def plan_jobs(
    request: ScoreRequest,
    request_id: str,
    deadline_ms: int,
    *,
    math_group_size: int,
    tenant: str = DEFAULT_TENANT,
) -> list[Job]:
    """Split a request into jobs of at most ``math_group_size`` items.

    Math items are grouped by gold, code items go alone, the other kinds by kind.
    """
    jobs: list[Job] = []
    groups: dict[tuple[str, str], list[JobItem]] = {}

    def add(kind: str, items: list[JobItem]) -> None:
        jobs.append(
            Job(
                request_id=request_id,
                job_id=str(len(jobs)),
                kind=kind,
                tenant=tenant,
                deadline_ms=deadline_ms,
                options=request.options,
                items=items,
            )
        )

    for index, item in enumerate(request.items):
        entry = JobItem(index=index, item=item)
        if isinstance(item, CodeItem | CompositeItem):  # expensive: spread across workers
            add(item.kind, [entry])
            continue
        key = (item.kind, item.gold if isinstance(item, MathItem) else "")
        group = groups.setdefault(key, [])
        group.append(entry)
        if len(group) >= math_group_size:
            add(item.kind, group)
            groups[key] = []
    for (kind, _), group in groups.items():
        if group:
            add(kind, group)
    return jobs


def timeout_result(item: AnyItem, index: int, why: str) -> ItemResult:
    return ItemResult(
        id=item_id(item, index), reward=0.0, status=Status.timeout, details={"error": why}
    )


def assemble(
    request: ScoreRequest, jobs: Sequence[Job], finished: Mapping[str, JobResult]
) -> list[ItemResult]:
    """Results in item order; items whose job did not finish by the deadline report timeout."""
    by_index: dict[int, ItemResult] = {}
    for job in jobs:
        done = finished.get(job.job_id)
        if done is None:
            continue
        for indexed in done.results:
            by_index[indexed.index] = indexed.result
    return [
        by_index.get(i) or timeout_result(item, i, "no result before the request deadline")
        for i, item in enumerate(request.items)
    ]
