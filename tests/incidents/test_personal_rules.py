"""Escalation and personal notification rules (GoAlert's contact methods and rules): a step that names no channel
ladder follows each person's rules over verified methods, at their delays, until someone acknowledges; a step that
names a ladder keeps it; a person with nothing verified is notified the old way, and the timeline and dashboard
say so. Controllable clock, the incident tests' recorder, both databases."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from dutydesk.composition import ALERT_SOURCES
from models.accounts import Role
from models.deliveries import Delivery
from models.directory import ContactMethodCreate, NotificationRuleCreate
from models.incidents.escalation import PolicyRuleRow
from services import alerts
from services.access import Actor
from services.deliveries import SendOutcome, claim_due, record_result
from services.directory import contacts
from services.incidents import board, escalation
from services.incidents.acks import acknowledge
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY, landslide

ADMIN = Actor("admin", Role.admin)


def _policy(session, person, channels=()):
    session.add(PolicyRuleRow(name="个人规则", position=1, steps=[{
        "targets": [{"kind": "person", "ref": str(person.id)}], "channels": list(channels), "wait_minutes": 10,
        "ack": "any"}]))
    session.flush()


def _verified(session, person, kind, value, now, settings):
    m = contacts.add_method(session=session, person_id=person.id, by=ADMIN, now=now,
                            data=ContactMethodCreate(kind=kind, value=value))
    contacts.send_code(session=session, person_id=person.id, method_id=m.id, by=ADMIN, now=now, settings=settings)
    code = re.search(r"\d{6}", session.get(Delivery, m.code_delivery_id).text).group(0)
    assert contacts.verify(session=session, person_id=person.id, method_id=m.id, code=code, by=ADMIN, now=now,
                           settings=settings).ok
    return m


def _rule(session, person, method, medium, delay, now):
    contacts.add_rule(session=session, person_id=person.id, by=ADMIN, now=now,
                      data=NotificationRuleCreate(method_id=method.id, medium=medium, delay_minutes=delay))


def _dispatch(session, now):
    """What the dispatcher does at `now`: every due row is sent (the provider took it)."""
    for d in claim_due(session=session, now=now, worker="test"):
        record_result(session=session, delivery_id=d.id, token=d.claim_token, outcome=SendOutcome("sent"), now=now)
    session.flush()


def _incident_rows(session, inc):
    return sorted(session.exec(select(Delivery).where(Delivery.source == "incident",
                                                      Delivery.source_id == str(inc.id))).all(),
                  key=lambda d: (d.due_at, d.channel))


def _open(session, county, clock, settings):
    return open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                         now=clock.now, settings=settings)


def test_rules_decide_channels_and_delays_and_an_ack_withdraws_the_rest(session, county, clock, recorder, settings):
    vice = county["vice"]
    wx = _verified(session, vice, "wecom", "qianlx", clock.now, settings)
    mob = _verified(session, vice, "mobile", "139 0000 1234", clock.now, settings)
    _rule(session, vice, wx, "wecom", 0, clock.now)
    _rule(session, vice, mob, "sms", 2, clock.now)
    _rule(session, vice, mob, "voice", 5, clock.now)
    _policy(session, vice)
    inc = _open(session, county, clock, settings)
    t0 = clock.now
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    got = recorder.expect("escalation", "副县长钱立新", "副县长钱立新", "副县长钱立新")
    assert [(n.channel, n.at - t0) for n in sorted(got, key=lambda n: n.at)] == [
        ("wecom", timedelta(0)), ("sms", timedelta(minutes=2)), ("voice", timedelta(minutes=5))]
    rows = _incident_rows(session, inc)
    assert [(d.channel, d.recipient.get("address"), d.due_at - t0, d.ladder) for d in rows] == [
        ("wecom", "qianlx", timedelta(0), ["wecom"]), ("sms", "13900001234", timedelta(minutes=2), ["sms"]),
        ("voice", "13900001234", timedelta(minutes=5), ["voice"])]

    escalation.tick(session=session, now=clock.now, instance="test-2", settings=settings)  # a duplicate trigger
    recorder.expect_none()
    _dispatch(session, clock.now)
    clock.advance(minutes=2)
    _dispatch(session, clock.now)  # the SMS goes at +2
    clock.advance(minutes=1)
    acknowledge(session=session, incident_id=inc.id, by=Actor("vice", Role.leader, person_id=vice.id), via="console",
                now=clock.now, tz=settings.timezone)
    clock.advance(minutes=5)
    _dispatch(session, clock.now)
    assert [(d.channel, d.state) for d in _incident_rows(session, inc)] == [
        ("wecom", "sent"), ("sms", "sent"), ("voice", "cancelled")]  # no call after the acknowledgement
    texts = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "escalation"]
    assert texts == ["第1次通知 → 副县长钱立新 · wecom · 已发出", "第1次通知 → 副县长钱立新 · sms · 已发出",
                     "第1次通知 → 副县长钱立新 · voice · 已取消"]
    escalation.tick(session=session, now=clock.now + timedelta(minutes=30), instance="test", settings=settings)
    recorder.expect_none()


def test_a_step_naming_a_ladder_keeps_it(session, county, clock, recorder, settings):
    vice = county["vice"]
    mob = _verified(session, vice, "mobile", "13900001234", clock.now, settings)
    _rule(session, vice, mob, "voice", 0, clock.now)
    _policy(session, vice, channels=("wecom", "sms"))
    inc = _open(session, county, clock, settings)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    (n,) = recorder.expect("escalation", "副县长钱立新")
    assert n.channel == "wecom" and n.ladder == ["wecom", "sms"]
    assert [(d.channel, d.ladder) for d in _incident_rows(session, inc)] == [("wecom", ["wecom", "sms"])]


def test_unverified_methods_are_never_relied_on_and_the_fallback_shows(session, county, clock, recorder, settings):
    vice = county["vice"]
    m = contacts.add_method(session=session, person_id=vice.id, by=ADMIN, now=clock.now,
                            data=ContactMethodCreate(kind="mobile", value="13900001234"))
    contacts.send_code(session=session, person_id=vice.id, method_id=m.id, by=ADMIN, now=clock.now, settings=settings)
    _policy(session, vice)
    inc = _open(session, county, clock, settings)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    got = sorted((n.purpose, n.recipient, n.channel) for n in recorder.new())
    assert got == [("escalation", "副县长钱立新", "inbox"), ("fallback", "副县长钱立新", "none")]
    assert [(d.channel, d.ladder) for d in _incident_rows(session, inc)] == [("inbox", ["inbox"])]  # as before
    (text,) = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "fallback"]
    assert "副县长钱立新没有可依靠的个人通知规则" in text and "站内消息" in text
    found = {a.code: a for a in alerts.collect(session=session, now=clock.now, settings=settings,
                                               sources=ALERT_SOURCES)}
    assert found["escalation_rules_fallback"].link == f"/incidents/{inc.id}"
    acknowledge(session=session, incident_id=inc.id, by=Actor("vice", Role.leader, person_id=vice.id), via="console",
                now=clock.now, tz=settings.timezone)
    codes = {a.code for a in alerts.collect(session=session, now=clock.now, settings=settings, sources=ALERT_SOURCES)}
    assert "escalation_rules_fallback" not in codes  # acknowledged: nothing left to act on


def test_a_correction_goes_by_the_rules_the_escalation_used(session, county, clock, recorder, settings):
    """Issue 17: a grade correction reaches each person told the old grade the way the escalation did: by their own
    rules (channels, verified addresses, delays) when it followed them, by the step's ladder when it named one."""
    from services.incidents.intake import set_grade
    from services.incidents.schemas import GradeIn

    vice, head = county["vice"], county["head"]
    wx = _verified(session, vice, "wecom", "qianlx", clock.now, settings)
    mob = _verified(session, vice, "mobile", "139 0000 1234", clock.now, settings)
    _rule(session, vice, wx, "wecom", 0, clock.now)
    _rule(session, vice, mob, "sms", 2, clock.now)
    session.add(PolicyRuleRow(name="个人规则", position=1, steps=[
        {"targets": [{"kind": "person", "ref": str(vice.id)}], "channels": [], "wait_minutes": 10, "ack": "any"},
        {"targets": [{"kind": "person", "ref": str(head.id)}], "channels": ["wecom", "sms"], "wait_minutes": 10,
         "ack": "any"}]))
    session.flush()
    inc = _open(session, county, clock, settings)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    recorder.expect("escalation", "副县长钱立新", "副县长钱立新")
    clock.advance(minutes=10)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    recorder.expect("escalation", "县长赵国华")
    clock.advance(minutes=1)
    t1 = clock.now
    set_grade(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
              data=GradeIn(grade=1, reason="死亡人数上升"))
    fixes = recorder.expect("correction", "副县长钱立新", "副县长钱立新", "县长赵国华")
    assert sorted((n.recipient, n.channel, n.address, n.at - t1, n.ladder) for n in fixes) == [
        ("副县长钱立新", "sms", "13900001234", timedelta(minutes=2), ["sms"]),
        ("副县长钱立新", "wecom", "qianlx", timedelta(0), ["wecom"]),
        ("县长赵国华", "wecom", "wx-县长赵国华", timedelta(0), ["wecom", "sms"])]
    rows = [d for d in _incident_rows(session, inc) if d.step.startswith("correction")]
    assert sorted((d.recipient.get("name"), d.channel, d.recipient.get("address"), d.due_at - t1, d.ladder)
                  for d in rows) == [
        ("副县长钱立新", "sms", "13900001234", timedelta(minutes=2), ["sms"]),
        ("副县长钱立新", "wecom", "qianlx", timedelta(0), ["wecom"]),
        ("县长赵国华", "wecom", None, timedelta(0), ["wecom", "sms"])]  # a ladder's rungs: addressed as they go
    assert all("更正：等级由Ⅱ级调整为Ⅰ级" in n.body for n in fixes)


def test_an_ack_given_before_a_later_step_withdraws_everyones_waiting_rules(session, county, clock, recorder,
                                                                             settings):
    """Issue 17: the step's rule can be met without a new acknowledgement: the vice head acknowledged during an
    all-must-acknowledge step, which timed out waiting for the county head; the next step targets the vice head
    again, so it is met before it starts and the escalation stops. The county head's own rules (a call after 8
    minutes) must not ring after that: withdrawn, shown 已取消, never sent."""
    vice, head = county["vice"], county["head"]
    for person, wx in ((vice, "qianlx"), (head, "zhaogh")):
        m = _verified(session, person, "wecom", wx, clock.now, settings)
        _rule(session, person, m, "wecom", 0, clock.now)
    mob = _verified(session, head, "mobile", "139 0000 5678", clock.now, settings)
    _rule(session, head, mob, "voice", 8, clock.now)
    both = [{"kind": "person", "ref": str(vice.id)}, {"kind": "person", "ref": str(head.id)}]
    session.add(PolicyRuleRow(name="须全部确认", position=1, steps=[
        {"targets": both, "channels": [], "wait_minutes": 5, "ack": "all"},
        {"targets": [{"kind": "person", "ref": str(vice.id)}], "channels": [], "wait_minutes": 10, "ack": "any"}]))
    session.flush()
    inc = _open(session, county, clock, settings)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    recorder.new()
    _dispatch(session, clock.now)
    clock.advance(minutes=1)
    acknowledge(session=session, incident_id=inc.id, by=Actor("vice", Role.leader, person_id=vice.id), via="console",
                now=clock.now, tz=settings.timezone)
    assert inc.acknowledged_at is None  # the head has not acknowledged: step 1 waits
    assert ("voice", "queued") in [(d.channel, d.state) for d in _incident_rows(session, inc)]
    clock.advance(minutes=4)  # step 1's five minutes: step 2 is met by the vice head's acknowledgement
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    assert inc.acknowledged_at == clock.now and inc.acknowledged_by == "副县长钱立新"
    clock.advance(minutes=5)  # past the head's eight minutes
    _dispatch(session, clock.now)
    voice = [d for d in _incident_rows(session, inc) if d.channel == "voice"]
    assert [(d.person_id, d.state) for d in voice] == [(head.id, "cancelled")]  # no call after the escalation stopped
    texts = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "escalation"]
    assert "第1次通知 → 县长赵国华 · voice · 已取消" in texts, texts
