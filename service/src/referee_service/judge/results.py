"""Building item results; shared by the judges."""

from __future__ import annotations

from typing import Any

from referee_client.protocol import AnyItem, ItemResult, Status

from referee_service.jobs import IndexedResult, item_id


def indexed(
    index: int,
    item: AnyItem,
    status: Status,
    reward: float = 0.0,
    details: dict[str, Any] | None = None,
) -> IndexedResult:
    return IndexedResult(
        index=index,
        result=ItemResult(
            id=item_id(item, index), reward=reward, status=status, details=details or {}
        ),
    )


def excerpt(text: str, limit: int = 1000) -> str:
    """Untrusted text, cut to a size safe to return and log."""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more chars]"
