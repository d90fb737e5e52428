"""Operations endpoints: /healthz, /readyz, /metrics (and /favicon.ico)."""

from __future__ import annotations

import hmac
import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from pydantic import BaseModel, Field
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from sqlalchemy import text
from sqlmodel import Session

from core.db import readonly
from models import schema
from services import alerts
from web.deps import now_utc
from web.problems import in_words

router = APIRouter(tags=["ops"])
log = logging.getLogger("dutydesk.ops")
STARTED = time.time()
# Extra collectors: fn(registry, session, now) adds gauges/counters; features append here.


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico whatever the page says; the icon is the console's SVG."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


class Status(BaseModel):
    status: str = Field(description="ok | ready | not migrated | database unreachable")
    detail: str | None = None


@router.get("/healthz", response_model=Status, response_model_exclude_none=True)
def healthz() -> dict:
    """Alive: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Status, response_model_exclude_none=True, responses={503: {"model": Status, "description": "not ready"}})
def readyz(request: Request):
    """Ready: the database answers and is at the code's migration."""
    # Read-only (DEFERRED on SQLite): a probe must not queue behind a writer and call the database down.
    engine = readonly(request.app.state.engine)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        schema.check_migrated(engine)
    except schema.NotMigrated as exc:
        return JSONResponse({"status": "not migrated", "detail": str(exc)}, status_code=503)
    except Exception as exc:
        log.error("readiness: database unreachable: %s", exc)
        return JSONResponse({"status": "database unreachable", "detail": str(exc)[:300]}, status_code=503)
    return {"status": "ready"}


def _metrics_allowed(request: Request) -> bool:
    """With DUTYDESK_OPS__METRICS_TOKEN set, only `Authorization: Bearer <token>` reads /metrics."""
    expected = request.app.state.settings.ops.metrics_token.get_secret_value()
    if not expected:
        return True
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), expected.encode())


@router.get("/metrics", response_class=PlainTextResponse, responses={200: {
    "description": "Prometheus text exposition format", "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
def metrics(request: Request):
    """Prometheus text: process figures plus one gauge per current alert code (a bearer token when one is set)."""
    if not _metrics_allowed(request):
        return JSONResponse({"detail": in_words(request, "缺少监控令牌或令牌不符", "metrics token missing or wrong")},
                            status_code=401,
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    registry = CollectorRegistry()
    Gauge("dutydesk_uptime_seconds", "seconds since start", registry=registry).set(time.time() - STARTED)
    db_up = Gauge("dutydesk_database_up", "1 when the database answers", registry=registry)
    alert_gauge = Gauge("dutydesk_alerts", "current alerts by code and severity", ["code", "severity"],
                        registry=registry)
    live_failed = Counter("dutydesk_live_failures", "server-side failures of the live pages' change feed "
                          "(kind: poll = reading the changes, stream = an open /events stream, push = its regions "
                          "not pushed: the pages refetched)", ["kind"],
                          registry=registry)
    hub = getattr(request.app.state, "live_hub", None)
    for kind in ("poll", "stream", "push"):
        live_failed.labels(kind).inc(hub.failures.get(kind, 0) if hub else 0)
    try:
        # Read-only (DEFERRED on SQLite): a scrape never waits for, nor holds, the write lock.
        with Session(readonly(request.app.state.engine)) as session:
            session.execute(text("SELECT 1"))  # alert sources swallow errors, so ask the database itself
            ext = request.app.state.extensions
            found = alerts.collect(session=session, now=now_utc(request), settings=request.app.state.settings,
                                   sources=ext.alert_sources)
            for extra in ext.metric_sources:
                extra(registry, session, now_utc(request))
        db_up.set(1)
        for a in found:
            alert_gauge.labels(a.code, a.severity).inc(a.count)
    except Exception as exc:
        log.error("metrics: database unreachable: %s", exc)
        db_up.set(0)
    return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
