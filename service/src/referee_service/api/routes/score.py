"""``POST /v1/score``: judge a batch, results in item order.

The path of a request: check its size, find or create its idempotency record, count its
items against the tenant's in-flight limit, enqueue its jobs in the tenant's queue, wait
for the results until the deadline, answer in item order and remember the answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from referee_client.protocol import (
    BUILTIN_KINDS,
    AnyItem,
    CodeItem,
    CompositeItem,
    IfevalItem,
    IOTest,
    MatchItem,
    MathItem,
    ScoreRequest,
    ScoreResponse,
)

from referee_service.api.deps import RuntimeDep, TenantDep, require_json
from referee_service.jobs import assemble, new_request_id, now_epoch_ms, plan_jobs
from referee_service.judge.plugins import plugin_kinds
from referee_service.logs import request_id_var
from referee_service.queue import QueueError
from referee_service.settings import Settings
from referee_service.tenants import Tenant

log = logging.getLogger(__name__)

# A body without a content type is read as JSON (``requests.post(url, data=json.dumps(...))``
# sends none); any other content type is a 415 that names the fix.
router = APIRouter(
    tags=["scoring"], dependencies=[Depends(require_json)], strict_content_type=False
)

# How long a refused tenant is asked to wait before retrying.
RETRY_AFTER_S = 2
# The in-flight count outlives the request deadline by this much if nobody retires it.
IN_FLIGHT_MARGIN_S = 30


def _too_large(field: str, size: int, limit: int, setting: str) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        detail=f"{field}: {size} over the limit of {limit} ({setting})",
    )


def _texts(item: AnyItem) -> Iterator[tuple[str, str]]:
    """The text fields of ``item`` that REFEREE_MAX_COMPLETION_CHARS bounds, by JSON path;
    a composite's components' own, under ``components[j].item``."""
    yield "completion", item.completion
    if isinstance(item, MathItem):
        yield "gold", item.gold
    elif isinstance(item, MatchItem):
        golds = [item.gold] if isinstance(item.gold, str) else item.gold
        for g, gold in enumerate(golds):
            yield ("gold" if isinstance(item.gold, str) else f"gold[{g}]"), gold
    elif isinstance(item, IfevalItem):
        yield "prompt", item.prompt or ""
    elif isinstance(item, CodeItem):
        yield "test_code", item.test_code or ""
        yield "prelude", item.prelude or ""
        if item.checker is not None:
            yield "checker.code", item.checker.code
        for t, test in enumerate(item.tests or []):
            if isinstance(test, IOTest):
                yield f"tests[{t}].stdin", test.stdin
                yield f"tests[{t}].stdout", test.stdout
    elif isinstance(item, CompositeItem):
        for j, component in enumerate(item.components):
            for name, text in _texts(component.item):
                yield f"components[{j}].item.{name}", text


def _kinds(item: AnyItem) -> Iterator[tuple[str, str]]:
    """Every ``kind`` in ``item`` by JSON path: its own and its components'."""
    yield "kind", item.kind
    if isinstance(item, CompositeItem):
        for j, component in enumerate(item.components):
            yield f"components[{j}].item.kind", component.item.kind


def item_error(item: AnyItem, settings: Settings, where: str = "") -> HTTPException | None:
    """Why the deployment refuses ``item`` (413 for a text over its size, 422 for a kind no
    verifier judges), naming the field under ``where`` (e.g. ``items[3].``); None if it can
    be judged. Composite components are checked like top-level items."""
    limit = settings.max_completion_chars
    for name, text in _texts(item):
        if len(text) > limit:
            return _too_large(f"{where}{name}", len(text), limit, "REFEREE_MAX_COMPLETION_CHARS")
    for name, kind in _kinds(item):
        if kind not in BUILTIN_KINDS and kind not in plugin_kinds():
            return HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"{where}{name}: no verifier for kind {kind!r} "
                f"(built in: {', '.join(sorted(BUILTIN_KINDS))}; installed plugins: "
                f"{', '.join(sorted(plugin_kinds())) or 'none'})",
            )
    return None


def check_limits(request: ScoreRequest, settings: Settings) -> None:
    """Deployment limits beyond the protocol's own: 413 for size, 422 for the deadline and
    for kinds without a verifier."""
    if len(request.items) > settings.max_items:
        raise _too_large("items", len(request.items), settings.max_items, "REFEREE_MAX_ITEMS")
    if request.options.timeout_s > settings.max_timeout_s:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"options.timeout_s: {request.options.timeout_s:g} over the limit of "
            f"{settings.max_timeout_s:g} (REFEREE_MAX_TIMEOUT_S)",
        )
    for i, item in enumerate(request.items):
        if (error := item_error(item, settings, f"items[{i}].")) is not None:
            raise error


def _fingerprint(request: ScoreRequest) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _queue_unavailable(request_id: str, exc: QueueError) -> HTTPException:
    log.error("request %s: queue failed: %s", request_id, exc)
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"queue unavailable: {exc}")


async def judge_request(
    body: ScoreRequest,
    runtime: RuntimeDep,
    tenant: Tenant,
    idempotency_key: str | None = None,
) -> tuple[ScoreResponse, bool]:
    """Judge ``body`` for ``tenant``: the response, and whether it was replayed from an
    earlier request with the same idempotency key. Raises ``HTTPException`` (413, 422, 429,
    503). Every route that scores goes through here."""
    settings = runtime.settings
    check_limits(body, settings)
    request_id = request_id_var.get() or new_request_id()
    timeout_s = body.options.timeout_s
    fresh, enqueued = True, False
    try:
        if idempotency_key is not None:
            claim = await runtime.ledger.claim(
                tenant.name,
                idempotency_key,
                _fingerprint(body),
                request_id,
                ttl_s=settings.idempotency_ttl_s,
            )
            if claim.conflict:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    detail="Idempotency-Key: already used for a different request body",
                )
            if claim.response is not None:
                return ScoreResponse.model_validate_json(claim.response), True
            fresh, enqueued, request_id = claim.fresh, claim.enqueued, claim.request_id
        if len(body.items) > tenant.max_in_flight:
            raise _too_large("items", len(body.items), tenant.max_in_flight, "max_in_flight")
        admitted = await runtime.ledger.admit(
            tenant.name,
            request_id,
            len(body.items),
            tenant.max_in_flight,
            ttl_s=timeout_s + IN_FLIGHT_MARGIN_S,
        )
    except QueueError as exc:
        raise _queue_unavailable(request_id, exc) from exc
    if not admitted:
        runtime.metrics.rejections.labels("tenant_busy").inc()
        if fresh and idempotency_key is not None:
            await runtime.ledger.forget(tenant.name, idempotency_key)
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"tenant {tenant.name!r} has too many items in flight "
            f"(limit {tenant.max_in_flight}); retry later",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    runtime.metrics.tenant_items.labels(tenant.name).inc(len(body.items))
    # Planning is deterministic, so a retry's jobs have the original's ids.
    jobs = plan_jobs(
        body,
        request_id,
        now_epoch_ms() + int(timeout_s * 1000),
        math_group_size=settings.math_group_size,
        tenant=tenant.name,
    )
    try:
        if not enqueued:
            await runtime.queue.enqueue(jobs)
            if idempotency_key is not None:
                await runtime.ledger.mark_enqueued(tenant.name, idempotency_key)
        finished = await runtime.queue.wait_results(
            request_id, {job.job_id for job in jobs}, timeout_s
        )
        results = assemble(body, jobs, finished)
        answer = ScoreResponse(results=results)
        if idempotency_key is not None:
            await runtime.ledger.store_response(
                tenant.name, idempotency_key, answer.model_dump_json(), settings.idempotency_ttl_s
            )
    except QueueError as exc:
        raise _queue_unavailable(request_id, exc) from exc
    finally:
        # Best effort: if Redis is gone, the count expires on its own.
        with contextlib.suppress(QueueError):
            await runtime.ledger.retire(tenant.name, request_id)
    runtime.metrics.record_results(body.items, results, jobs, finished)
    log.info(
        "tenant %s: %d items in %d jobs",
        tenant.name,
        len(body.items),
        len(jobs),
        extra={"tenant": tenant.name, "items": len(body.items)},
    )
    return answer, False


@router.post("/v1/score", response_model=ScoreResponse)
async def score(
    body: ScoreRequest,
    runtime: RuntimeDep,
    tenant: TenantDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=256,
            description="Retries with the same key get the first answer; nothing is judged "
            "twice. Scoped to the tenant; kept for REFEREE_IDEMPOTENCY_TTL_S. An empty key "
            "is refused (422), not shared.",
        ),
    ] = None,
) -> ScoreResponse:
    """Judge every item; each result has a reward in [0, 1], a status and details."""
    answer, replayed = await judge_request(body, runtime, tenant, idempotency_key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return answer
