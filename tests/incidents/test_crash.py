"""Crash test: `dutydesk serve` SIGKILLed at random points during 50 escalations and restarted; every step
fires exactly once and no message reaches the (loopback webhook) sink twice."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session, select

from bench import incident_rig as rig
from core import db
from models import schema
from models.deliveries import Delivery
from models.incidents.escalation import EscalationState, Notice

pytestmark = pytest.mark.slow

INCIDENTS, STEPS, WAIT_S, KILLS = 50, 3, 1.5, 3


def _post(base: str, token: str, town, n: int, start: int) -> None:
    """Open `n` incidents; a POST cut off by a kill may or may not have committed (the rows say which)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10) as c:
        for i in range(start, start + n):
            try:
                r = c.post("/api/incidents", json={"title": f"崩溃测试{i}", "category": "natural_disaster",
                                                   "unit_id": str(town), "received_at": datetime.now(UTC).isoformat()})
                assert r.status_code == 201, r.text
            except httpx.TransportError:
                return


def _settled(engine) -> bool:
    with Session(engine) as s:
        active = s.exec(select(EscalationState.incident_id).where(EscalationState.status == "active")).first()
        queued = s.exec(select(Delivery.id).where(Delivery.state == "queued")).first()
    return active is None and queued is None


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_during_50_escalations_loses_and_repeats_nothing(backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}" if backend == "sqlite" else rig.fresh_pg("dd_crash")
    engine = db.make_engine(url)
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    try:
        schema.upgrade(engine)
        with rig.sink() as sink:
            c = rig.county(engine, sink_url=sink, wait_minutes=WAIT_S / 60, steps=STEPS)
            env = rig.env_for(url, tmp_path, rig.free_port())
            base = f"http://127.0.0.1:{env['DUTYDESK_WEB__PORT']}"
            proc = rig.start_serve(env, tmp_path)
            try:
                for k in range(KILLS):
                    _post(base, c["token"], c["town"], INCIDENTS // KILLS + (INCIDENTS % KILLS if k == 0 else 0),
                          start=k * 100)
                    time.sleep(rnd.uniform(0.1, 2.0))  # let steps fire and deliveries fly, then kill mid-way
                    proc.kill()
                    proc.wait(10)
                    proc = rig.start_serve(env, tmp_path)
                deadline = time.monotonic() + 40
                while not _settled(engine) and time.monotonic() < deadline:
                    time.sleep(0.3)
                time.sleep(0.5)  # the last results reach the database
            finally:
                rig.stop(proc)
            stats = httpx.get(f"{sink}/stats").json()
            arrived = set(httpx.get(f"{sink}/times").json())
        with Session(engine) as s:
            states = s.exec(select(EscalationState)).all()
            notices = s.exec(select(Notice.incident_id, Notice.step_seq).where(Notice.purpose == "escalation")).all()
            rows = s.exec(select(Delivery).where(Delivery.source == "incident")).all()
    finally:
        engine.dispose()
        if backend == "postgresql":
            rig.drop_pg(url)
    why = f"(seed {seed}; log {tmp_path / 'serve.log'})"
    assert len(states) >= INCIDENTS - KILLS, f"too few incidents opened {why}"
    # every step of every escalation fired, exactly once
    assert {st.status for st in states} == {"exhausted"}, why
    assert {st.seq for st in states} == {STEPS}, why
    fired = Counter(notices)
    assert set(fired) == {(st.incident_id, k) for st in states for k in range(STEPS)}, f"a step was lost {why}"
    assert set(fired.values()) == {1}, why
    # one delivery row per step; none sent twice; nothing left queued
    assert len(rows) == len(states) * STEPS == len({r.idempotency_key for r in rows}), why
    assert stats["duplicates"] == 0, f"a message reached the sink twice {why}"
    by_state = Counter(r.state for r in rows)
    assert set(by_state) <= {"sent", "sending", "unknown"}, f"{by_state} {why}"
    sent = {r.idempotency_key for r in rows if r.state == "sent"}
    assert sent <= arrived, f"rows marked sent never arrived {why}"
    # a row caught mid-send by a kill stays in doubt (sending until its lease runs out, then unknown),
    # never resent; the escalation went on regardless
    assert arrived <= {r.idempotency_key for r in rows}, why
    assert by_state["sent"] >= len(rows) - KILLS * 64, f"{by_state} {why}"
