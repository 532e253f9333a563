"""Logging set-up for the entry points: JSON lines carrying the request id, or plain text.

The request id lives in a context variable that the HTTP middleware sets per request, so
every log line written while serving it (routes, queue, judge) carries it.
"""

from __future__ import annotations

import contextvars
import logging
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "referee_request_id", default=None
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str, fmt: str, stream: TextIO | None = None) -> None:
    """Replace the root handlers with one handler on ``stream`` (stderr by default) writing
    ``fmt`` (``json`` or ``text``)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(_RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
