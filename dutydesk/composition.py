"""The composition root: the one place that builds the web app and the engine and wires the features together.

Nothing registers itself when imported. Every receipt hook, alert source, metric source, console menu entry,
dashboard panel, engine part and schedule is listed here, by name, so a reader sees in one file what plugs
into what (issue 12). Tests build their apps here too (`tests/conftest.py`), so they run what production runs.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from core.settings import Settings
from engine import auditseal, deadman, dispatcher, escalator, listener
from engine.clock import Clock
from flows.schedules import schedules
from services import accounts
from services.audit import checks as audit_checks
from services.deliveries import health as delivery_health
from services.deliveries.receipts import ReceiptHooks
from services.incidents import acks, monitor
from services.rosters import calendar as holiday_calendar
from services.rosters import deadlines as roster_deadlines
from services.rosters import gaps as roster_gaps
from services.spotchecks import alerts as spotcheck_alerts
from services.spotchecks import receipts as spotcheck_receipts
from web import scale_metrics
from web.app import create_app, create_ops_app
from web.console.incidents import panels as incident_panels
from web.console.nav import NavItem, menu
from web.console.rosters import months as roster_pages
from web.console.spotchecks import checks as spotcheck_pages
from web.extensions import Extensions

# Everything that must not stay silent (dashboard, logs, the /metrics gauge dutydesk_alerts{code}).
ALERT_SOURCES = (
    holiday_calendar.calendar_alerts,  # a year without the State Council's holiday arrangement
    audit_checks.chain_alerts,  # an edited, cut or unsealed audit log
    delivery_health.delivery_alerts,  # failed and unknown sends, a stalled queue
    roster_deadlines.holiday_rosters_late,
    roster_deadlines.leave_overdue,  # 销假 overdue
    roster_gaps.roster_gaps,  # slots below head-count or held by someone on leave
    spotcheck_alerts.spotcheck_calls,  # automated checks that cannot be placed
    spotcheck_alerts.explanations_overdue,  # a written explanation past its due date
    monitor.overdue_reports,
    monitor.escalation_problems,
    monitor.upward_failures,  # an upward report that failed, until re-sent or phoned
    monitor.overdue_instructions,
)

# What other features do when a provider's receipt arrives (web/callbacks.py applies it).
RECEIPT_HOOKS = ReceiptHooks(
    on_ack=(acks.on_delivery_ack,),  # a key press or reply acknowledges the incident it was about
    on_receipt=(spotcheck_receipts.on_delivery_receipt,),  # spot-check calls: ring, answer, key, no answer
)

# The console's menu, in order; each entry shows only to roles holding its permission (web/access.py).
MENU = menu(
    NavItem("dashboard:read", "/", "nav.dashboard", 0),
    NavItem("inbox:read", "/inbox", "nav.inbox", 5),
    NavItem("incidents:read", "/incidents", "nav.incidents", 10),
    NavItem("incidents:read", "/incidents/tasks", "nav.incident_tasks", 11),
    NavItem("wall:read", "/wall", "nav.wall", 12),
    NavItem("rosters:read", "/rosters", "nav.rosters", 20, "rosters"),
    NavItem("leaves:read", "/leaves", "nav.leaves", 21, "rosters"),
    NavItem("swaps:read", "/swaps", "nav.swaps", 22, "rosters"),
    NavItem("rosters:read", "/handovers", "nav.handovers", 23, "rosters"),
    NavItem("rosters:read", "/rosters/holidays", "nav.holidays", 24, "rosters"),
    NavItem("leaves:read", "/leave-pairs", "nav.leave_pairs", 25, "rosters"),
    NavItem("spotchecks:read", "/spotchecks", "nav.spotchecks", 40, "checks"),
    NavItem("spotcheck_plans:read", "/spotchecks/plans", "nav.spotcheck_plans", 41, "checks"),
    NavItem("statistics:read", "/statistics", "nav.statistics", 60, "checks"),
    NavItem("deliveries:read", "/deliveries", "nav.deliveries", 70, "system"),
    NavItem("directory:read", "/units", "nav.units", 80, "system"),
    NavItem("directory:read", "/people", "nav.people", 81, "system"),
    NavItem("contacts:write", "/me/contacts", "nav.my_contacts", 82, "system"),
    NavItem("users:read", "/accounts", "nav.accounts", 90, "system"),
    NavItem("channels:read", "/channels", "nav.channels", 91, "system"),
    NavItem("escalation_policies:read", "/escalation-policies", "nav.escalation_policies", 92, "system"),
    NavItem("audit:read", "/audit", "nav.audit", 95, "system"),
)

# The dashboard's panels and, for each, the features' row providers in display order.
PANELS = {
    "mine": (incident_panels.needs_me,),
    "on_duty": (roster_pages.on_duty_panel,),
    "incidents": (incident_panels.open_incidents,),
    "tasks": (spotcheck_pages.due_checks, incident_panels.pending_tasks),
}

# Engine parts, started in this order with (clock, settings, db_engine) in roles all and engine.
ENGINE_PARTS: tuple[Callable, ...] = (
    dispatcher.start,  # deliveries: outbox dispatch, retries, crash recovery
    escalator.start,  # incidents: escalation steps and deadline alarms at their due time
    auditseal.start,  # audit log: seal new entries into the chain every second
    deadman.start,  # ping ops.deadman_url while escalations are on time
    listener.start,  # PostgreSQL: other processes' commits wake the dispatcher and the escalator at once
)


def extensions(settings: Settings) -> Extensions:
    """What the web app of this process plugs in."""
    return Extensions(
        alert_sources=ALERT_SOURCES,
        metric_sources=(delivery_health.metrics, monitor.metrics, scale_metrics.instance_source(settings)),
        receipt_hooks=RECEIPT_HOOKS,
        menu=MENU,
        panels=PANELS,
    )


def build_web_app(settings: Settings, engine: Engine, *, lifespan=None, session_factory=None) -> FastAPI:
    """The console, API, callbacks and ops endpoints (roles all and web; tests)."""
    accounts.use_password_cost(**settings.passwords.model_dump())
    return create_app(settings=settings, engine=engine, extensions=extensions(settings), lifespan=lifespan,
                      session_factory=session_factory)


def build_app(settings: Settings, engine: Engine, lifespan=None) -> FastAPI:
    """The app for `settings.role`: the whole web app (all, web) or the ops endpoints only (engine)."""
    if settings.role == "engine":
        return create_ops_app(settings=settings, engine=engine, extensions=extensions(settings), lifespan=lifespan)
    return build_web_app(settings, engine, lifespan=lifespan)


def start_engine(clock: Clock, settings: Settings, engine: Engine, *, flow_runner=None) -> None:
    """Put the engine parts (and, embedded, the scheduled flows through `flow_runner`) on the clock."""
    if flow_runner is not None:
        clock.add_flows(flow_runner, schedules(settings))
    for start in ENGINE_PARTS:
        start(clock, settings, engine)
