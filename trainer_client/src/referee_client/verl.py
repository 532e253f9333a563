"""Referee as veRL's custom reward function.

In a veRL config::

    reward:
      custom_reward_function:
        path: <site-packages>/referee_client/verl.py   # or the installed module's file
        name: compute_score          # or compute_score_async, or compute_score_batch
        reward_kwargs:
          base_url: http://referee:8000

``ground_truth`` is read by ``referee_client.labels`` (the convention every trainer
integration shares): a math gold answer (a string), or veRL's code ground truth, JSON (or
a dict) with ``inputs`` and ``outputs`` lists: stdin/stdout pairs, or function calls when
``fn_name`` is set. A ground truth that cannot be judged scores 0 with status
``invalid_input`` and an ``error`` saying why.

Each function returns ``{"score": reward, "status": ..., ...}``; veRL keeps the extra keys
as ``reward_extra_info``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

from referee_client._client import DEFAULT_BASE_URL, AsyncRefereeClient, RefereeClient
from referee_client.labels import item_from_label
from referee_client.protocol import AnyItem, ItemResult

_sync_clients: dict[str, RefereeClient] = {}
# An httpx pool belongs to one event loop: one async client per (loop, base_url), dropped
# with its loop.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncRefereeClient]]
_async_clients = weakref.WeakKeyDictionary()


def to_item(solution_str: str, ground_truth: Any) -> AnyItem | str:
    """The item for one sample, or the reason it cannot be judged."""
    return item_from_label(solution_str, ground_truth)


def _as_dict(result: ItemResult) -> dict[str, Any]:
    # Every sample's dict has the same keys: veRL stacks them into per-key columns.
    return {
        "score": result.reward,
        "status": result.status.value,
        "error": str(result.details.get("error", "")),
    }


def _unjudgeable(why: str) -> dict[str, Any]:
    return {"score": 0.0, "status": "invalid_input", "error": why}


def _score_many(
    items: Sequence[AnyItem | str], results: Sequence[ItemResult]
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
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(base_url) or clients.setdefault(base_url, AsyncRefereeClient(base_url))
    (result,) = await client.score([item])
    return _as_dict(result)
