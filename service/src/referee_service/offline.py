"""Offline batch scoring: a JSONL file of items in, a JSONL file of verdicts out.

``referee score input.jsonl -o output.jsonl`` runs this against a running service through
``RefereeClient`` (retries, idempotency keys). It lives in the service package, not the
client, because it is a command-line tool: it brings tqdm and click, which a training
image that installs only ``referee-client`` should not need.

Each input line is one item (``POST /v1/score``'s item JSON). Each output line is its
``ItemResult`` (``id``, ``reward``, ``status``, ``details``); an item without an ``id`` is
known by its 0-based line number, as the service numbers items without ids.

Resumable: results are appended batch by batch and flushed to disk, and a rerun skips every
id the output already holds, so an interrupted run loses at most the batch in flight. A
torn last line (the process died mid-write) is cut off before appending. A line that is not
a valid item gets an ``invalid_input`` result of its own and never stops the run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import TypeAdapter, ValidationError
from referee_client import RefereeClient
from referee_client.protocol import AnyItem, Item, ItemResult, Status
from tqdm import tqdm

_ITEM: TypeAdapter[AnyItem] = TypeAdapter(Item)


@dataclass
class Summary:
    """What a run did: items skipped as already scored, results written, by status."""

    total: int = 0
    skipped: int = 0
    written: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


def done_ids(output: Path) -> set[str]:
    """Ids already in ``output``; a torn trailing line is truncated away first."""
    if not output.exists():
        return set()
    ids: set[str] = set()
    good_bytes = 0
    with output.open("rb") as f:
        for line in f:
            try:
                ids.add(str(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                break  # only the last line can be torn; stop and cut here
            good_bytes += len(line)
    if good_bytes < output.stat().st_size:
        with output.open("r+b") as f:
            f.truncate(good_bytes)
    return ids


@dataclass(frozen=True)
class _Line:
    id: str
    item: AnyItem | None  # None: the line is not a valid item
    error: str = ""


def _read(input_path: Path) -> Iterator[_Line]:
    seen: set[str] = set()
    with input_path.open(encoding="utf-8") as f:
        for number, text in enumerate(f):
            if not text.strip():
                continue
            line = _parse(number, text)
            if line.id in seen:
                raise ValueError(f"{input_path}:{number + 1}: duplicate id {line.id!r}")
            seen.add(line.id)
            yield line


def _parse(number: int, text: str) -> _Line:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return _Line(str(number), None, f"line {number + 1} is not JSON: {exc}")
    if not isinstance(data, dict):
        return _Line(str(number), None, f"line {number + 1} is not a JSON object")
    # The id travels with the item, so results can be matched and skipped on a rerun.
    item_id = str(data.get("id") if data.get("id") is not None else number)
    try:
        item = _ITEM.validate_python({**data, "id": item_id})
    except ValidationError as exc:
        # Field paths and messages only: the (untrusted, maybe huge) input is not echoed.
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return _Line(item_id, None, f"line {number + 1} is not a valid item: {errors[:2000]}")
    return _Line(item_id, item)


def _batches(lines: Iterator[_Line], size: int) -> Iterator[list[_Line]]:
    batch: list[_Line] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _score(client: RefereeClient, batch: list[_Line], timeout_s: float) -> list[ItemResult]:
    valid = [line.item for line in batch if line.item is not None]
    scored = iter(client.score(valid, timeout_s=timeout_s) if valid else [])
    return [
        next(scored)
        if line.item is not None
        else ItemResult(
            id=line.id, reward=0.0, status=Status.invalid_input, details={"error": line.error}
        )
        for line in batch
    ]


def _append(out: IO[str], results: list[ItemResult]) -> None:
    out.write("".join(r.model_dump_json() + "\n" for r in results))
    out.flush()
    os.fsync(out.fileno())  # a result on disk is a result a rerun will not redo


def score_file(
    input_path: Path,
    output_path: Path,
    client: RefereeClient,
    *,
    batch_size: int = 256,
    timeout_s: float = 300.0,
    progress: bool = True,
) -> Summary:
    """Score every item of ``input_path`` not yet in ``output_path``, appending results.

    Raises:
        ValueError: two input lines share an id (results could not be told apart).
        RefereeError: the service failed a batch after the client's retries; the results
            of earlier batches are kept, so a rerun resumes after them.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    lines = list(_read(input_path))
    done = done_ids(output_path)
    todo = [line for line in lines if line.id not in done]
    summary = Summary(total=len(lines), skipped=len(lines) - len(todo))
    with (
        output_path.open("a", encoding="utf-8") as out,
        tqdm(total=len(lines), initial=summary.skipped, unit="item", disable=not progress) as bar,
    ):
        for batch in _batches(iter(todo), batch_size):
            results = _score(client, batch, timeout_s)
            _append(out, results)
            summary.written += len(results)
            summary.statuses.update(r.status.value for r in results)
            bar.update(len(results))
    return summary


__all__ = ["Summary", "done_ids", "score_file"]
