"""Three `dutydesk serve --role engine` processes on one PostgreSQL database, one SIGKILLed midway.

500 escalations (two steps, 12 s apart) and 5,000 deliveries go to a loopback webhook sink that counts
by webhook-id (the delivery's idempotency key): every step fires once, no message arrives twice, the
survivors finish the dead instance's work, and the rows it had in flight become `unknown` and are
not resent (ARCHITECTURE invariant 3).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import AuditEntry
from models.deliveries import Delivery, DeliveryAttempt
from models.directory import PersonCreate, UnitCreate, UnitType
from models.incidents.escalation import EscalationState, Notice
from services import deliveries
from services.directory import org
from tests.conftest import PG_URL, _pg_available
from tests.scale import cluster
from tests.scale.helpers import open_escalation

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not _pg_available(PG_URL), reason="PostgreSQL only")]
ESCALATIONS, DELIVERIES, STEPS = 500, 5_000, 2


def seed(engine) -> None:
    """The people and the work, written by five sessions at once (the instances boot meanwhile)."""
    with Session(engine, expire_on_commit=False) as s:
        hub = org.create_unit(session=s, actor="t", data=UnitCreate(name="市总值班室", code="hub",
                                                                    type=UnitType.county_office))
        leader = org.create_person(session=s, actor="t", data=PersonCreate(name="带班领导", unit_id=hub.id))
        s.commit()

    def escalations() -> None:
        with Session(engine, expire_on_commit=False) as s:
            for i in range(ESCALATIONS):
                open_escalation(s, unit_id=hub.id, person_id=leader.id, now=datetime.now(UTC), title=f"险情{i}",
                                steps=STEPS, wait_minutes=0.2, channel="hook")
                if i % 50 == 49:
                    s.commit()
            s.commit()

    def bulk(part: range) -> None:
        with Session(engine) as s:
            for i in part:
                deliveries.enqueue(session=s, source="scale", source_id="bulk", step=str(i),
                                   recipient={"name": f"r{i}"}, channel="hook", subject="值班通知", text=f"第{i}号通知：请确认。")
                if i % 250 == 249:
                    s.commit()
            s.commit()

    with ThreadPoolExecutor(5) as pool:
        jobs = [pool.submit(escalations)] + [pool.submit(bulk, range(k, DELIVERIES, 4)) for k in range(4)]
        for job in jobs:
            job.result()


def settled(engine) -> bool:
    with Session(engine) as s:
        open_rows = s.exec(select(func.count()).select_from(Delivery).where(
            Delivery.state.in_(["queued", "sending"]))).one()
        behind = s.exec(select(func.count()).select_from(EscalationState).where(EscalationState.seq < STEPS)).one()
    return open_rows == 0 and behind == 0


def in_flight_of(engine, pid: int) -> set:
    """Rows the process with `pid` had claimed and not finished (dispatcher worker names are host:pid:x)."""
    with Session(engine) as s:
        rows = s.exec(select(Delivery.id, Delivery.claimed_by).where(Delivery.state == "sending")).all()
    return {i for i, who in rows if (who or "").split(":")[1:2] == [str(pid)]}


def test_three_engines_one_killed_every_step_once_no_delivery_twice(tmp_path):
    with cluster.fresh_database(PG_URL) as (engine, url):
        t0 = time.monotonic()
        marks = {}
        sink, sink_url = cluster.start_sink(latency=0.05)
        cluster.add_webhook_channel(engine, "hook", sink_url)
        instances = [cluster.Instance(url, tmp_path, f"engine-{i}") for i in range(3)]
        try:
            seed(engine)
            marks["seeded"] = time.monotonic() - t0
            for inst in instances:
                inst.ready()
            marks["ready"] = time.monotonic() - t0
            total = ESCALATIONS * STEPS + DELIVERIES
            deadline = time.monotonic() + 40
            while True:  # kill an instance with work in flight, once a quarter of the messages arrived
                assert time.monotonic() < deadline, "no instance ever had deliveries in flight"
                if cluster.get_json(sink_url + "/stats")["received"] >= total * 0.25:
                    victim = max(instances, key=lambda i: len(in_flight_of(engine, i.proc.pid)))
                    if len(in_flight_of(engine, victim.proc.pid)) >= 20:
                        break
                time.sleep(0.05)
            victim.kill()
            marks["killed"] = time.monotonic() - t0
            lost = in_flight_of(engine, victim.proc.pid)  # frozen now: nobody renews these leases
            killed_at = datetime.now(UTC)
            deadline = time.monotonic() + 60  # the 15 s lease (cluster.serve_env), then a survivor's next upkeep
            while not settled(engine):
                assert time.monotonic() < deadline, "the survivors did not finish the work"
                time.sleep(1)
            marks["settled"] = time.monotonic() - t0
            stats = cluster.get_json(sink_url + "/stats")
            arrived = set(cluster.get_json(sink_url + "/times"))
            survivors_ok = all(i.proc.poll() is None for i in instances if i is not victim)
        finally:
            for inst in instances:
                inst.stop()
            cluster.stop_process(sink)

        assert survivors_ok and lost, "the kill must catch rows in flight"
        assert stats["duplicates"] == 0, stats  # no message reached the sink twice
        with Session(engine) as s:
            rows = s.exec(select(Delivery.id, Delivery.idempotency_key, Delivery.state, Delivery.source)).all()
            states = Counter(state for _, _, state, _ in rows)
            assert len(rows) == total and set(states) <= {"sent", "delivered", "unknown"}, states
            unknown = {i for i, _, state, _ in rows if state == "unknown"}
            # invariant 3: exactly the rows the dead instance had in flight are unknown, none resent
            assert unknown == lost, (len(unknown), len(lost))
            tries = Counter(s.exec(select(DeliveryAttempt.delivery_id).where(
                DeliveryAttempt.outcome.in_(["sent", "delivered", "retryable", "permanent"]))).all())
            assert all(tries[d] == 0 for d in unknown), "an unknown row was sent again"
            sent_keys = {k for _, k, state, _ in rows if state in ("sent", "delivered")}
            assert sent_keys <= arrived  # everything marked sent did reach the sink
            assert stats["unique"] <= total
            # every escalation step fired exactly once, across instances and the kill
            fired = Counter(s.exec(select(AuditEntry.entity_id).where(
                AuditEntry.action.in_(["escalation_notify", "escalation_escalate"]))).all())
            assert len(fired) == ESCALATIONS and set(fired.values()) == {STEPS}, Counter(fired.values())
            notices = s.exec(select(func.count()).select_from(Notice).where(Notice.purpose == "escalation")).one()
            assert notices == ESCALATIONS * STEPS
            by = Counter(s.exec(select(EscalationState.claimed_by)).all())
            assert len(by) >= 2, by  # the work really was shared
            after_kill = s.exec(select(func.count()).select_from(DeliveryAttempt).where(
                DeliveryAttempt.at > killed_at, DeliveryAttempt.outcome.in_(["sent", "delivered"]))).one()
            assert after_kill > 0  # the survivors carried on
        print(f"\nunknown after SIGKILL: {len(unknown)} of {total}; states {dict(states)}; steps by {dict(by)}; "
              f"seconds {({k: round(v, 1) for k, v in marks.items()})}")
