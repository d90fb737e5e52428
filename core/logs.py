"""Logging set-up: text or one JSON object per line, with the request and incident in context.

`request_id` is set by the web app's X-Request-ID middleware; code that works on one incident
wraps the work in `incident_context(incident_id)` so every line it logs names the incident.
"""

from __future__ import annotations

import contextlib
import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
incident_id: ContextVar[str | None] = ContextVar("incident_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def incident_context(value):
    """Every line logged inside names this incident (`incident_id` in JSON logs)."""
    token = incident_id.set(str(value) if value is not None else None)
    try:
        yield
    finally:
        incident_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, incident_id, instance."""

    def __init__(self, instance: str = "") -> None:
        super().__init__()
        self.instance = instance

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "incident_id": getattr(record, "incident_id", None) or incident_id.get(),
        }
        if self.instance:
            out["instance"] = self.instance
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure(fmt: str = "text", *, level: int = logging.INFO, instance: str = "") -> None:
    """Route the root logger (and uvicorn's, which propagate to it) to stderr in `fmt`."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(instance) if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # Chatty at INFO: every 2-second wake-up and every Prefect API call would drown the real news.
    for name in ("alembic", "apscheduler", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
