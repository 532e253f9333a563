"""Rewards as torch tensors, scored in the background while the next batch generates.

Needs the ``torch`` extra (``pip install referee-client[torch]``)::

    from referee_client.torch import TorchReferee

    referee = TorchReferee("http://referee:8000", device="cuda")
    pending = referee.submit(items)       # returns at once; the service judges meanwhile
    next_batch = generate(policy, ...)    # overlap: generation does not wait for rewards
    rewards = pending.result()            # tensor of shape [len(items)] on the device

An entry of ``None`` in ``items`` means "no reward applies" and becomes NaN, as TRL treats
a reward function's None. Requests run on a small thread pool with a blocking
``RefereeClient`` (retries, chunking and idempotency keys included); the tensor is built
on the thread that calls ``result()``, so it lands on that thread's current CUDA stream.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import torch

from referee_client._client import DEFAULT_BASE_URL, RefereeClient, to_items
from referee_client.protocol import AnyItem, ItemResult

MaybeItem = AnyItem | Mapping[str, Any] | None


def rewards_tensor(
    results: Sequence[ItemResult | None],
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """One reward per result, NaN where the result is None (not applicable)."""
    values = [r.reward if r is not None else math.nan for r in results]
    return torch.tensor(values, dtype=dtype, device=device)


class PendingRewards:
    """A batch being scored: poll ``done()``, then take ``result()`` (a tensor) or ``results()``."""

    def __init__(
        self,
        future: Future[list[ItemResult | None]],
        *,
        device: torch.device | str,
        dtype: torch.dtype,
    ) -> None:
        self._future = future
        self._device = device
        self._dtype = dtype

    def done(self) -> bool:
        """True once the service has answered (or the request has failed)."""
        return self._future.done()

    def results(self, timeout_s: float | None = None) -> list[ItemResult | None]:
        """The verdicts, in item order (None where no item was given).

        Raises:
            TimeoutError: not answered within ``timeout_s`` (the request keeps running).
            RefereeError: the request failed after its retries.
        """
        return self._future.result(timeout=timeout_s)

    def result(self, timeout_s: float | None = None) -> torch.Tensor:
        """The rewards as a tensor on the device; the same errors as ``results``."""
        return rewards_tensor(self.results(timeout_s), device=self._device, dtype=self._dtype)


class TorchReferee:
    """Scores batches for a custom training loop, returning tensors.

    Args:
        base_url: the Referee service.
        device: where reward tensors are put.
        dtype: their dtype.
        max_in_flight: batches scored at once; further ``submit`` calls queue behind them.
        client_options: passed to ``RefereeClient`` (``api_key``, ``timeout_s``, ``chunk_size``,
            ``retry``, ``transport``).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
        max_in_flight: int = 2,
        **client_options: Any,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._client = RefereeClient(base_url, **client_options)
        self._pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="referee")
        self._device = device
        self._dtype = dtype

    def submit(self, items: Sequence[MaybeItem]) -> PendingRewards:
        """Start scoring ``items`` and return at once.

        Raises:
            ValueError: an item is not a valid Referee item (checked here, not later).
        """
        given = [(i, item) for i, item in enumerate(items) if item is not None]
        valid = to_items([item for _, item in given])
        wanted = [(i, item) for (i, _), item in zip(given, valid, strict=True)]
        future = self._pool.submit(self._score, len(items), wanted)
        return PendingRewards(future, device=self._device, dtype=self._dtype)

    def score(self, items: Sequence[MaybeItem], timeout_s: float | None = None) -> torch.Tensor:
        """Score ``items`` and wait: ``submit(items).result()``."""
        return self.submit(items).result(timeout_s)

    def _score(self, size: int, wanted: list[tuple[int, AnyItem]]) -> list[ItemResult | None]:
        out: list[ItemResult | None] = [None] * size
        if wanted:
            scored = self._client.score([item for _, item in wanted])
            for (i, _), result in zip(wanted, scored, strict=True):
                out[i] = result
        return out

    def close(self) -> None:
        """Wait for batches in flight, then release the connections."""
        self._pool.shutdown(wait=True)
        self._client.close()

    def __enter__(self) -> TorchReferee:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = ["PendingRewards", "TorchReferee", "rewards_tensor"]
