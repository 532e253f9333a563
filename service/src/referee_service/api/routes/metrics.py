"""``GET /metrics``: Prometheus exposition of the API's metrics plus the queue's state."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from referee_service.api.deps import RuntimeDep
from referee_service.queue import QueueError

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
async def metrics(runtime: RuntimeDep) -> Response:
    """Request latency, items by kind and status, verifier time, queue depth and age per
    tenant, worker busy/idle and sandbox pool counters."""
    try:
        runtime.metrics.set_backlog(await runtime.queue.backlog())
        runtime.metrics.set_workers(await runtime.queue.live_workers())
    except QueueError as exc:  # the rest of the metrics are still worth scraping
        log.warning("metrics: queue unavailable: %s", exc)
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
