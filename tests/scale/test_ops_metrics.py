"""Per-instance metrics (queue depth, step lateness, flow runs) and the dead-man's switch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from engine.deadman import DeadmanSwitch
from flows import runtime
from services.incidents import escalation
from tests.scale.helpers import open_escalation
from web import scale_metrics

T0 = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)


def scrape(session, now, instance: str = "engine-7") -> str:
    registry = CollectorRegistry()
    scale_metrics.collect(registry, session, now, instance=instance, role="engine")
    return generate_latest(registry).decode()


def test_queue_depth_and_step_lateness(session, directory, monkeypatch, settings):
    person, town = directory["people"]["hub"], directory["town"]
    for _ in range(3):
        open_escalation(session, unit_id=town.id, person_id=person.id, now=T0, wait_minutes=1)
    session.commit()
    text = scrape(session, T0 + timedelta(seconds=5))
    assert 'dutydesk_queue_due{instance="engine-7",queue="escalation_steps"} 3.0' in text
    assert 'dutydesk_escalation_oldest_due_seconds{instance="engine-7"} 5.0' in text
    # first steps 5 s late
    fired = escalation.tick(session=session, now=T0 + timedelta(seconds=5), instance="t", settings=settings)
    session.commit()
    assert len(fired) == 3
    text = scrape(session, T0 + timedelta(seconds=6))
    assert 'dutydesk_queue_due{instance="engine-7",queue="escalation_steps"} 0.0' in text
    deliveries_due = [ln for ln in text.splitlines() if 'queue="deliveries"' in ln]
    assert deliveries_due and float(deliveries_due[0].split()[-1]) >= 3  # the steps' messages wait for a dispatcher
    assert 'dutydesk_escalation_step_lateness_seconds_bucket{instance="engine-7",le="2.0"} 0.0' in text
    assert 'dutydesk_escalation_step_lateness_seconds_bucket{instance="engine-7",le="5.0"} 3.0' in text
    # second steps are due a minute after the first fired; fired 0.5 s late
    escalation.tick(session=session, now=T0 + timedelta(seconds=65.5), instance="t", settings=settings)
    session.commit()
    text = scrape(session, T0 + timedelta(seconds=70))
    assert 'dutydesk_escalation_step_lateness_seconds_bucket{instance="engine-7",le="0.5"} 3.0' in text
    assert 'dutydesk_escalation_step_lateness_seconds_count{instance="engine-7"} 6.0' in text


def test_flow_failures_are_counted(monkeypatch, session):
    monkeypatch.setattr(runtime, "FLOW_RUNS", {})

    async def broken():
        raise RuntimeError("roster table missing")

    monkeypatch.setattr("flows.runtime.load_flow", lambda target: broken)
    with pytest.raises(RuntimeError):
        runtime.run_flow("flows.rosters:extend")
    text = scrape(session, T0)
    assert 'flow="flows.rosters:extend",instance=' in text and 'outcome="failed"} 1.0' in text


class Receiver:
    """A loopback HTTP endpoint counting pings (the outside monitor)."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/ping/abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def test_deadman_pings_only_while_escalations_are_on_time(session, directory, receiver, settings):
    person, town = directory["people"]["hub"], directory["town"]
    clock = {"now": T0}
    switch = DeadmanSwitch(session.connection(), receiver.url, 60, instance="engine-1", now=lambda: clock["now"])
    assert switch.check() and receiver.hits == ["/ping/abc?instance=engine-1"]  # nothing due: on time
    open_escalation(session, unit_id=town.id, person_id=person.id, now=T0)
    session.commit()
    clock["now"] = T0 + timedelta(seconds=30)  # due, but only 30 s: still on time
    assert switch.check() and len(receiver.hits) == 2
    clock["now"] = T0 + timedelta(seconds=90)  # the step has waited 90 s: no engine is doing its job
    assert not switch.check() and len(receiver.hits) == 2 and switch.withheld == 1
    escalation.tick(session=session, now=clock["now"], instance="t", settings=settings)
    session.commit()
    assert switch.check() and len(receiver.hits) == 3  # caught up: pings resume


def test_deadman_withholds_when_the_database_is_gone(receiver):
    from sqlalchemy import create_engine

    dead = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    switch = DeadmanSwitch(dead, receiver.url, 60)
    assert not switch.check() and receiver.hits == []
