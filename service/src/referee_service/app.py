"""Build the FastAPI app from settings. Wiring only: logic lives in routes, queue, judge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from referee_service.api.body_limit import BodySizeLimit
from referee_service.api.deps import Runtime
from referee_service.api.request_context import RequestContext
from referee_service.api.routes import health, remote_rm, score
from referee_service.api.routes import metrics as metrics_route
from referee_service.judge import Judge
from referee_service.metrics import ServiceMetrics
from referee_service.queue import JobQueue
from referee_service.runtime import build_judge, build_ledger, build_queue, worker_timing
from referee_service.settings import Settings
from referee_service.tenants import TenantDirectory
from referee_service.worker import Worker

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, queue: JobQueue | None = None, judge: Judge | None = None
) -> FastAPI:
    """The Referee API.

    Without ``redis_url`` the app runs the embedded queue and its own workers, so it
    needs nothing else. ``queue`` and ``judge`` replace the ones built from settings (tests).
    """

    # Read before serving: a broken keys file stops start-up with a message naming it.
    tenants = TenantDirectory.from_file(settings.api_keys_file, settings.max_in_flight)
    metrics = ServiceMetrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_queue = queue if queue is not None else build_queue(settings)
        ledger = build_ledger(settings)
        embedded = settings.redis_url is None
        the_judge = judge
        if the_judge is None and embedded:
            the_judge = build_judge(settings)
        app.state.runtime = Runtime(
            settings=settings,
            queue=the_queue,
            ledger=ledger,
            tenants=tenants,
            metrics=metrics,
            judge=the_judge,
        )
        if tenants.open:
            log.warning("no API keys configured (REFEREE_API_KEYS_FILE): the service is open")
        else:
            log.info("API keys for tenants: %s", ", ".join(tenants.tenants))
        stop = asyncio.Event()
        tasks = []
        if embedded and the_judge is not None:
            log.info(
                "no REDIS_URL: embedded queue with %d in-process worker(s)",
                settings.embedded_workers,
            )
            for _ in range(settings.embedded_workers):
                worker = Worker(
                    the_queue,
                    the_judge,
                    concurrency=settings.worker_concurrency,
                    timing=worker_timing(settings),
                )
                tasks.append(asyncio.create_task(worker.run(stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            if the_judge is not None and judge is None:
                the_judge.close()
            await ledger.close()
            if queue is None:
                await the_queue.close()

    app = FastAPI(
        title="Referee",
        summary="Rewards for RL with verifiable rewards: math answers and sandboxed code.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContext, metrics=metrics)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(health.router)
    app.include_router(metrics_route.router)
    app.include_router(score.router)
    app.include_router(remote_rm.router)
    return app


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field, without echoing the (possibly huge, untrusted) input."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)
