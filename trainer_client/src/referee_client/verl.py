"""Referee as veRL's custom reward function.

In a veRL config::

    reward:
      custom_reward_function:
        path: <site-packages>/referee_client/verl.py   # or the installed module's file
        name: compute_score          # or compute_score_async, or compute_score_batch
        reward_kwargs:
          base_url: http://referee:8000

``ground_truth`` is a math gold answer (a string), or veRL's code ground truth: JSON (or a
dict) with ``inputs`` and ``outputs`` lists of stdin/stdout pairs. Function-call tests
(``fn_name``) need the function-call test format, which the service does not have yet;
such samples score 0 with status ``invalid_input``.

Each function returns ``{"score": reward, "status": ..., ...}``; veRL keeps the extra keys
as ``reward_extra_info``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from referee_client._client import DEFAULT_BASE_URL, AsyncRefereeClient, RefereeClient
from referee_client.protocol import CodeItem, IOTest, ItemResult, MathItem

_sync_clients: dict[str, RefereeClient] = {}


def to_item(solution_str: str, ground_truth: Any) -> MathItem | CodeItem | str:
    """The item for one sample, or the reason it cannot be judged."""
    truth = ground_truth
    if isinstance(truth, str) and truth.lstrip().startswith("{"):
        # A gold answer may merely start with a brace (a set): then it stays a string.
        with contextlib.suppress(json.JSONDecodeError):
            truth = json.loads(truth)
    if isinstance(truth, dict):
        if truth.get("fn_name"):
            return "function-call tests (fn_name) are not supported by the service yet"
        inputs, outputs = truth.get("inputs") or [], truth.get("outputs") or []
        if not inputs or len(inputs) != len(outputs):
            return "code ground truth needs `inputs` and `outputs` of the same length"
        tests = [IOTest(stdin=str(i), stdout=str(o)) for i, o in zip(inputs, outputs, strict=True)]
        return CodeItem(kind="code", completion=solution_str, tests=tests)
    return MathItem(kind="math", completion=solution_str, gold=str(truth))


def _as_dict(result: ItemResult) -> dict[str, Any]:
    return {"score": result.reward, "status": result.status.value}


def _unjudgeable(why: str) -> dict[str, Any]:
    return {"score": 0.0, "status": "invalid_input", "error": why}


def _score_many(
    items: Sequence[MathItem | CodeItem | str], results: Sequence[ItemResult]
) -> list[dict[str, Any]]:
    scored = iter(results)
    return [
        _unjudgeable(item) if isinstance(item, str) else _as_dict(next(scored)) for item in items
    ]


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """The ``batch`` reward manager's form: one dict per sample, in order."""
    items = [to_item(s, g) for s, g in zip(solution_strs, ground_truths, strict=True)]
    client = _sync_clients.get(base_url) or _sync_clients.setdefault(
        base_url, RefereeClient(base_url)
    )
    judged = [item for item in items if not isinstance(item, str)]
    return _score_many(items, client.score(judged) if judged else [])


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    **kwargs: Any,
) -> dict[str, Any]:
    """veRL's per-sample form."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], base_url=base_url)[0]


async def compute_score_async(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    **kwargs: Any,
) -> dict[str, Any]:
    """The async per-sample form veRL's reward loop awaits directly."""
    item = to_item(solution_str, ground_truth)
    if isinstance(item, str):
        return _unjudgeable(item)
    async with AsyncRefereeClient(base_url) as client:
        (result,) = await client.score([item])
    return _as_dict(result)
