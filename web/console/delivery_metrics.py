"""/metrics figures for deliveries: rows per channel and state, tries per channel and outcome."""

from __future__ import annotations

from prometheus_client import Gauge

from services.deliveries.health import attempt_counts, state_counts
from web import ops


def collect(registry, session, now) -> None:
    """Gauges dutydesk_deliveries{channel,state} and dutydesk_delivery_attempts{channel,outcome}."""
    rows = Gauge("dutydesk_deliveries", "outbox rows by channel and state", ["channel", "state"], registry=registry)
    for channel, state, n in state_counts(session):
        rows.labels(channel, state).set(n)
    tries = Gauge("dutydesk_delivery_attempts", "send tries and receipts by channel and outcome",
                  ["channel", "outcome"], registry=registry)
    for channel, outcome, n in attempt_counts(session):
        tries.labels(channel, outcome).set(n)


def install() -> None:
    if collect not in ops.METRIC_SOURCES:
        ops.METRIC_SOURCES.append(collect)
