"""`dutydesk serve`: the web app, the engine's clock and (embedded) the flows, in one process."""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from core.settings import Settings
from dutydesk import composition
from engine.clock import Clock
from flows.runtime import PrefectServer, run_flow
from models import schema
from web import parsing

log = logging.getLogger("dutydesk.server")


def wait_for_database(engine, *, retry_seconds: float = 5.0) -> None:
    """Block until the database answers; raise NotMigrated if it is behind the code."""
    while True:
        try:
            schema.check_migrated(engine)
            return
        except OperationalError as exc:
            log.error("database unreachable (%s); retrying in %.0f s", exc.orig, retry_seconds)
            time.sleep(retry_seconds)


def freeze_startup_heap() -> None:
    """Move everything loaded at startup (modules, mappers, routes, templates) out of the garbage collector's
    reach: a full collection then scans only what requests allocate. Without it, "on duty now" across 3,000
    units (~50,000 short-lived objects a call) met a full collection of the whole heap every few calls:
    p90 ~100 ms instead of ~44 ms."""
    gc.collect()
    gc.freeze()


def runs_clock(role: str) -> bool:
    """The engine's clock (escalator, dispatcher, embedded flows) runs in roles all and engine."""
    return role in ("all", "engine")


def build_lifespan(settings: Settings):
    """Start the clock, the engine parts and the embedded flows with the app (roles all/engine); stop them on
    shutdown (SIGTERM)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.clock_scheduler = None
        if settings.role != "engine":  # the parse pool's processes started now, in the background, not on an upload
            threading.Thread(target=parsing.pool_for(settings).start, name="parse-pool", daemon=True).start()
        if not runs_clock(settings.role):
            log.info("role %s: console and API only, no clock", settings.role)
            freeze_startup_heap()
            yield
            return
        clock = Clock(settings.timezone)
        prefect = None
        if settings.flows.mode == "embedded":
            if settings.role == "engine":
                log.warning("embedded flows on an engine instance: run ONE such instance, or use flows.mode=external")
            prefect = PrefectServer(settings.data_dir, settings.flows.prefect_port)
            # Start the Prefect server in the background: the console must not wait for it.
            threading.Thread(target=prefect.start, name="prefect-server", daemon=True).start()
        composition.start_engine(clock, settings, app.state.engine,
                                 flow_runner=run_flow if prefect is not None else None)
        clock.start()
        app.state.clock_scheduler = clock
        log.info("role %s: clock started with %d engine parts", settings.role, len(composition.ENGINE_PARTS))
        freeze_startup_heap()
        try:
            yield
        finally:
            clock.shutdown()
            if prefect is not None:
                prefect.stop()

    return lifespan


def build_app(settings: Settings, engine) -> FastAPI:
    """The app of `dutydesk serve` for `settings.role`, with the clock in its lifespan."""
    return composition.build_app(settings, engine, lifespan=build_lifespan(settings))
