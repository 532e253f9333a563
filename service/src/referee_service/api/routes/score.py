"""``POST /v1/score``: judge a batch, results in item order."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Response, status
from referee_client.protocol import CodeItem, IOTest, ScoreRequest, ScoreResponse

from referee_service.api.deps import RuntimeDep
from referee_service.jobs import assemble, new_request_id, now_epoch_ms, plan_jobs
from referee_service.queue import QueueError
from referee_service.settings import Settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["scoring"])


def _too_large(field: str, size: int, limit: int, setting: str) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        detail=f"{field}: {size} over the limit of {limit} ({setting})",
    )


def check_limits(request: ScoreRequest, settings: Settings) -> None:
    """Deployment limits beyond the protocol's own: 413 for size, 422 for the deadline."""
    if len(request.items) > settings.max_items:
        raise _too_large("items", len(request.items), settings.max_items, "REFEREE_MAX_ITEMS")
    limit = settings.max_completion_chars
    for i, item in enumerate(request.items):
        fields = {"completion": item.completion}
        if isinstance(item, CodeItem):
            fields["test_code"] = item.test_code or ""
            for t, test in enumerate(item.tests or []):
                if isinstance(test, IOTest):
                    fields[f"tests[{t}].stdin"] = test.stdin
                    fields[f"tests[{t}].stdout"] = test.stdout
        for name, text in fields.items():
            if len(text) > limit:
                raise _too_large(
                    f"items[{i}].{name}", len(text), limit, "REFEREE_MAX_COMPLETION_CHARS"
                )
    if request.options.timeout_s > settings.max_timeout_s:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"options.timeout_s: {request.options.timeout_s:g} over the limit of "
            f"{settings.max_timeout_s:g} (REFEREE_MAX_TIMEOUT_S)",
        )


@router.post("/v1/score", response_model=ScoreResponse)
async def score(body: ScoreRequest, runtime: RuntimeDep, response: Response) -> ScoreResponse:
    """Judge every item; each result has a reward in [0, 1], a status and details."""
    settings = runtime.settings
    check_limits(body, settings)
    request_id = new_request_id()
    response.headers["X-Request-ID"] = request_id
    timeout_s = body.options.timeout_s
    jobs = plan_jobs(
        body,
        request_id,
        now_epoch_ms() + int(timeout_s * 1000),
        math_group_size=settings.math_group_size,
    )
    try:
        await runtime.queue.enqueue(jobs)
        finished = await runtime.queue.wait_results(
            request_id, {job.job_id for job in jobs}, timeout_s
        )
    except QueueError as exc:
        log.error("request %s: queue failed: %s", request_id, exc)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"queue unavailable: {exc}"
        ) from exc
    log.info("request %s: %d items in %d jobs", request_id, len(body.items), len(jobs))
    return ScoreResponse(results=assemble(body, jobs, finished))
