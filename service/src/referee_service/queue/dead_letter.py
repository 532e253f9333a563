"""Dead letters: what is left to say about a queue entry that no longer reads as a ``Job``.

A worker that cannot read an entry must still neither crash nor leave it to be read again
(a poison message), and the request waiting on it should hear back before its deadline.
So the entry is removed, and whatever can be recovered from the raw JSON (the request, the
job, each item's position and id) answers as ``internal_error``. Nothing here trusts the
entry: every field is checked, and anything missing only means less is salvaged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeGuard, TypeVar

from pydantic import BaseModel
from referee_client.protocol import ItemResult, Status

from referee_service.jobs import IndexedResult, JobResult

_Model = TypeVar("_Model", bound=BaseModel)

UNREADABLE = "internal error: a worker could not read this job; see the worker logs"


@dataclass(frozen=True)
class Salvage:
    """The internal_error answer for an unreadable job, and when its request gives up."""

    result: JobResult
    deadline_ms: int | None


def salvage(raw: str | bytes | None) -> Salvage | None:
    """The answer owed for the raw job JSON ``raw``; None if not even its request and job
    ids can be read. Items whose position cannot be read are left out: the request reports
    them as timeouts, still without waiting for its deadline."""
    try:
        data = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the stack
        return None
    if not isinstance(data, dict):
        return None
    request_id, job_id, items = data.get("request_id"), data.get("job_id"), data.get("items")
    if not (isinstance(request_id, str) and isinstance(job_id, str) and isinstance(items, list)):
        return None
    results = [r for r in map(_unreadable_item, items) if r is not None]
    result = _storable(JobResult, request_id=request_id, job_id=job_id, results=results)
    if result is None:
        return None
    deadline_ms = data.get("deadline_ms")
    return Salvage(result, deadline_ms if _is_int(deadline_ms) else None)


def _unreadable_item(entry: Any) -> IndexedResult | None:
    index = entry.get("index") if isinstance(entry, dict) else None
    if not _is_int(index) or index < 0:
        return None
    item = entry.get("item")
    own_id = item.get("id") if isinstance(item, dict) else None
    # The id echoed must be the one the client would see: its own, else its position. An
    # id the protocol refuses (too long, a lone surrogate) falls back to the position.
    for item_id in (own_id, str(index)):
        if not isinstance(item_id, str):
            continue
        result = _storable(
            ItemResult,
            id=item_id,
            reward=0.0,
            status=Status.internal_error,
            details={"error": UNREADABLE},
        )
        if result is not None:
            return IndexedResult(index=index, result=result)
    return None


def _storable(model: type[_Model], **fields: Any) -> _Model | None:
    """``model(**fields)`` if it validates and serializes, else None: JSON read from a raw
    entry may hold what the protocol refuses, strings that are not valid Unicode included."""
    try:
        built = model(**fields)
        built.model_dump_json()
    except ValueError:
        return None
    return built


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
