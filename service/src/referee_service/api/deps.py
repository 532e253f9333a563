"""Dependencies the routes declare by type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from referee_service.judge import Judge
from referee_service.ledger import Ledger
from referee_service.metrics import ServiceMetrics
from referee_service.queue import JobQueue
from referee_service.settings import Settings
from referee_service.tenants import Tenant, TenantDirectory


@dataclass
class Runtime:
    """What the app holds while it runs: built in the lifespan, read by routes."""

    settings: Settings
    queue: JobQueue
    ledger: Ledger
    tenants: TenantDirectory
    metrics: ServiceMetrics
    judge: Judge | None  # only when workers run in this process (embedded mode)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_tenant(request: Request, runtime: RuntimeDep) -> Tenant:
    """The caller's tenant from ``Authorization: Bearer <key>``; 401 when it is not known."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else None
    tenant = runtime.tenants.tenant_for(bearer)
    if tenant is None:
        runtime.metrics.rejections.labels("unauthorized").inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Authorization: a valid `Bearer <API key>` header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return tenant


TenantDep = Annotated[Tenant, Depends(get_tenant)]


def require_json(request: Request) -> None:
    """415 naming the fix when a body is sent as anything but JSON.

    ``curl -d`` sends a form content type; FastAPI would then answer a 422 about the body's
    shape that does not say why. No content type at all is read as JSON, as FastAPI does.
    """
    content_type = request.headers.get("content-type")
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail=f"body: send JSON with 'content-type: application/json' (got {media!r})",
    )
