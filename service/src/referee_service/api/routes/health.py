"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from referee_service.api.deps import RuntimeDep
from referee_service.queue import QueueError

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving HTTP."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Ready when the queue answers and some worker can run sandboxed code (503 otherwise)."""
    checks: dict[str, Any] = {}
    ready = True
    try:
        await runtime.queue.ping()
        workers = await runtime.queue.live_workers()
        checks["queue"] = "ok"
    except QueueError as exc:
        return JSONResponse({"status": "unavailable", "queue": str(exc)}, status_code=503)
    checks["workers"] = len(workers)
    sandboxes = [w for w in workers if w.sandbox_ok]
    if sandboxes:
        checks["sandbox"] = f"ok ({sandboxes[0].sandbox})"
    else:
        ready = False
        reasons = sorted({w.sandbox_detail for w in workers if w.sandbox_detail})
        checks["sandbox"] = "; ".join(reasons) or "no live worker has reported a sandbox yet"
    checks["status"] = "ready" if ready else "unavailable"
    return JSONResponse(checks, status_code=200 if ready else 503)
