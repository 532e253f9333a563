"""Per-request context: a request id (header ``X-Request-ID``, and on every log line) and
the latency histogram. Pure ASGI, so streaming bodies and the body-size guard are untouched.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referee_service.jobs import new_request_id
from referee_service.logs import request_id_var
from referee_service.metrics import ServiceMetrics


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal code
            if message["type"] == "http.response.start":
                code = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The route template, not the raw path, so label values stay few.
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.request_seconds.labels(path, str(code)).observe(
                time.perf_counter() - started
            )
            request_id_var.reset(token)
