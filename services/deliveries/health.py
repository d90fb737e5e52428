"""Deliveries that must not stay silent: failed or unknown messages, a stalled queue; figures for /metrics."""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from models.deliveries import Delivery, DeliveryAttempt, DeliveryState
from services.alerts import Alert

S = DeliveryState
WINDOW = timedelta(hours=24)  # failures older than this are history, not alerts
STALL = timedelta(minutes=2)  # a due message this late means no dispatcher is running
# Sources where a message the provider accepted but that then "failed" is the recipient's answer,
# reported by its own feature: a spot-check call nobody picks up is the unit's no-answer. A call
# the provider never took (no provider id) is still a delivery failure and alerts here.
OUTCOME_SOURCES = ("spot_check",)


def _count(session: Session, *where) -> int:
    return session.exec(select(func.count()).select_from(Delivery).where(*where)).one()


def delivery_alerts(session: Session, now: datetime, settings, scope=None) -> list[Alert]:
    """Messages that reached nobody (every rung failed), outcomes unknown, and a stalled queue: the duty office's to
    act on (a unit reporter's scope has none, and cannot open the message list)."""
    since = now - WINDOW
    out: list[Alert] = []
    if scope is not None:
        return out
    failed = _count(session, Delivery.state == S.failed.value, col(Delivery.superseded_by).is_(None),
                    Delivery.created_at >= since,
                    or_(col(Delivery.source).not_in(OUTCOME_SOURCES), col(Delivery.provider_message_id).is_(None)))
    if failed:
        out.append(Alert("delivery_failed", "critical", f"{failed} 条消息所有渠道均发送失败，请电话联系收件人",
                         f"{failed} messages failed on every channel: phone the recipients",
                         count=failed, link="/deliveries?state=failed"))
    unknown = _count(session, Delivery.state == S.unknown.value, Delivery.created_at >= since)
    if unknown:
        out.append(Alert("delivery_unknown", "warning", f"{unknown} 条消息发送中断、结果未知（未重发），请核实",
                         f"{unknown} messages interrupted mid-send, outcome unknown (not resent): check",
                         count=unknown, link="/deliveries?state=unknown"))
    stalled = _count(session, Delivery.state == S.queued.value, Delivery.due_at < now - STALL)
    if stalled:
        out.append(Alert("delivery_stalled", "critical", f"{stalled} 条消息到期未发送：发送引擎可能未运行",
                         f"{stalled} messages overdue in the queue: is the dispatcher running?",
                         count=stalled, link="/deliveries?state=queued"))
    return out


def state_counts(session: Session) -> list[tuple[str, str, int]]:
    """(channel, state, n) over every delivery row."""
    rows = session.exec(select(Delivery.channel, Delivery.state, func.count()).group_by(Delivery.channel, Delivery.state))
    return [(c, s, n) for c, s, n in rows]


def attempt_counts(session: Session) -> list[tuple[str, str, int]]:
    """(channel, outcome, n) over every recorded try and receipt."""
    rows = session.exec(select(DeliveryAttempt.channel, DeliveryAttempt.outcome, func.count())
                        .group_by(DeliveryAttempt.channel, DeliveryAttempt.outcome))
    return [(c, o, n) for c, o, n in rows]


def metrics(registry, session: Session, now: datetime) -> None:
    """Metric source: gauges dutydesk_deliveries{channel,state} and dutydesk_delivery_attempts{channel,outcome}."""
    rows = Gauge("dutydesk_deliveries", "outbox rows by channel and state", ["channel", "state"], registry=registry)
    for channel, state, n in state_counts(session):
        rows.labels(channel, state).set(n)
    tries = Gauge("dutydesk_delivery_attempts", "send tries and receipts by channel and outcome",
                  ["channel", "outcome"], registry=registry)
    for channel, outcome, n in attempt_counts(session):
        tries.labels(channel, outcome).set(n)
