"""The office edits its escalation policies: validated, versioned, audited; open incidents keep their snapshot."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.errors import Conflict, Forbidden, Invalid
from models.accounts import Role
from models.audit import AuditEntry
from models.deliveries import ChannelConfig
from services.access import Actor
from services.incidents import escalation, policies, policy_edits
from services.incidents.intake import open_incident
from services.incidents.policies import PolicyIn, StepIn
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY, landslide

LEADER, REPORTER = Actor("lead", Role.leader), Actor("rep", Role.unit_reporter)


@pytest.fixture
def channels(session):
    for name, title in (("wecom", "企业微信群"), ("sms", "短信"), ("voice", "语音电话")):
        session.add(ChannelConfig(name=name, kind="webhook", title=title, config={"url": "http://127.0.0.1:9/"}))
    session.flush()


def flood(**kw) -> PolicyIn:
    data = dict(name="防汛升级", position=1, categories=["natural_disaster"], steps=[
        StepIn(targets=[{"kind": "duty_leader_now"}], channels=["wecom", "sms"], wait_minutes=5),
        StepIn(targets=[{"kind": "unit_head"}], channels=["voice"], wait_minutes=10)])
    data.update(kw)
    return PolicyIn(**data)


def refused(exc_type, fn, **kw):
    with pytest.raises(exc_type) as info:
        fn(**kw)
    return info.value


def test_a_target_that_reaches_nobody_is_refused_naming_the_step(session, county, channels, clock):
    mk = lambda steps: dict(session=session, by=DUTY, now=clock.now, data=flood(steps=steps))  # noqa: E731
    ok = StepIn(targets=[{"kind": "duty_leader_now"}], channels=["wecom"], wait_minutes=5)
    cases = {
        "person": {"kind": "person", "ref": "8b0e4a36-9d3f-4c8e-9d7e-000000000000"},
        "role": {"kind": "role", "ref": "auditor"},  # nobody holds it with a person
        "no such role": {"kind": "role", "ref": "mayor"},
    }
    for what, target in cases.items():
        err = refused(Invalid, policy_edits.create, **mk([ok, StepIn(targets=[target], channels=["sms"],
                                                                     wait_minutes=5)]))
        assert err.field == "steps.1.targets" and "第2步" in err.reason, what
    err = refused(Invalid, policy_edits.create, **mk([StepIn(targets=[{"kind": "duty_leader_now"}],
                                                             channels=["wecom", "fax"], wait_minutes=5)]))
    assert err.field == "steps.0.channels" and "fax" in err.reason and "第1步" in err.reason
    err = refused(Invalid, policy_edits.create, **mk([StepIn(targets=[{"kind": "unit_head"}], channels=["sms"],
                                                             wait_minutes=0)]))
    assert err.field == "steps.0.wait_minutes" and "第1步" in err.reason
    err = refused(Invalid, policy_edits.create, session=session, by=DUTY, now=clock.now, data=flood(repeat=11))
    assert err.field == "repeat"
    err = refused(Invalid, policy_edits.create, session=session, by=DUTY, now=clock.now,
                  data=flood(ack_timeout_minutes=0))
    assert err.field == "ack_timeout_minutes"
    assert policy_edits.list_policies(session=session, by=DUTY) == []  # nothing half-written


def test_a_duty_leader_nobody_is_rostered_as_is_refused_with_the_reason(session, county, channels, clock):
    """Issue 17: a step whose only target is the duty leader (带班领导) pages nobody when no roster names one in the
    coming days: refused like any target that reaches nobody, in zh-CN with the reason; a step with another
    target still reaches that one and is accepted."""
    county["on_duty"]["hub"] = []  # the roster names no leader this week
    err = refused(Invalid, policy_edits.create, session=session, by=DUTY, now=clock.now, data=flood())
    assert err.field == "steps.0.targets" and err.reason.startswith("第1步的通知对象“当班带班领导”无法通知到任何人：")
    assert "县政府总值班室未来7天的值班表没有安排带班领导" in err.reason and "请先排班并发布" in err.reason
    assert policy_edits.list_policies(session=session, by=DUTY) == []
    both = flood(steps=[StepIn(targets=[{"kind": "duty_leader_now"}, {"kind": "unit_head"}], channels=["sms"],
                               wait_minutes=5)])
    assert policy_edits.create(session=session, by=DUTY, now=clock.now, data=both).version == 1
    county["on_duty"]["hub"] = [county["leader"]]  # rostered again: the leader-only step is accepted
    assert policy_edits.create(session=session, by=DUTY, now=clock.now, data=flood(name="防汛升级二")).version == 1


def test_a_role_nobody_holds_is_refused_with_the_reason(session, county, channels, clock):
    err = refused(Invalid, policy_edits.create, session=session, by=DUTY, now=clock.now, data=flood(steps=[
        StepIn(targets=[{"kind": "role", "ref": "auditor"}], channels=["sms"], wait_minutes=5)]))
    assert err.field == "steps.0.targets" and "没有在职人员担任此角色" in err.reason


def test_only_the_office_edits_others_read_or_nothing(session, county, channels, clock):
    refused(Forbidden, policy_edits.create, session=session, by=LEADER, now=clock.now, data=flood())
    row = policy_edits.create(session=session, by=DUTY, now=clock.now, data=flood())
    assert [r.name for r in policy_edits.list_policies(session=session, by=LEADER)] == ["防汛升级"]
    refused(Forbidden, policy_edits.list_policies, session=session, by=REPORTER)
    refused(Forbidden, policy_edits.set_enabled, session=session, by=LEADER, now=clock.now, policy_id=row.id,
            enabled=False)
    refused(Conflict, policy_edits.create, session=session, by=DUTY, now=clock.now, data=flood(position=2))


def test_an_edit_is_a_new_version_history_kept_and_audited(session, county, channels, clock):
    row = policy_edits.create(session=session, by=DUTY, now=clock.now, data=flood())
    clock.advance(minutes=5)
    same = policy_edits.edit(session=session, policy_id=row.id, by=DUTY, now=clock.now, data=flood())
    assert same.version == 1  # nothing changed: no version
    edited = policy_edits.edit(session=session, policy_id=row.id, by=DUTY, now=clock.now, note="防汛期加快",
                               data=flood(ack_timeout_minutes=20, steps=[
                                   StepIn(targets=[{"kind": "duty_leader_now"}], channels=["sms"], wait_minutes=3)]))
    assert edited.id == row.id and edited.version == 2 and len(edited.steps) == 1
    history = policy_edits.versions(session=session, policy_id=row.id, by=LEADER)
    assert [v.version for v in history] == [2, 1]
    assert len(history[1].data["steps"]) == 2 and history[0].note == "防汛期加快"
    assert history[0].data["ack_timeout_minutes"] == 20
    policy_edits.set_enabled(session=session, policy_id=row.id, enabled=False, by=DUTY, now=clock.now)
    assert "防汛升级" not in [r.policy.name for r in policies.rules(session)]
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "escalation_policy")
                           .order_by(AuditEntry.seq)).all()
    assert actions == ["create", "edit", "disable"]
    (edit_entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "edit")).all()
    assert len(edit_entry.before["steps"]) == 2 and edit_entry.after["version"] == 2


def test_a_running_incident_keeps_its_frozen_steps(session, county, channels, clock, settings, recorder):
    row = policy_edits.create(session=session, by=DUTY, now=clock.now, data=flood())
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    assert inc.escalation_policy["name"] == "防汛升级" and inc.escalation_policy["policy_version"] == 1
    escalation.tick(session=session, now=clock.now, instance="t", settings=settings)
    recorder.expect("escalation", "带班领导周文静")
    policy_edits.edit(session=session, policy_id=row.id, by=DUTY, now=clock.now, data=flood(steps=[
        StepIn(targets=[{"kind": "category_leader"}], channels=["sms"], wait_minutes=1)]))
    clock.advance(minutes=5)  # the old step 2 (unit head after 5 minutes), not the edited policy's
    escalation.tick(session=session, now=clock.now, instance="t", settings=settings)
    (head,) = recorder.expect("escalation", "县长赵国华")
    assert head.channel == "voice"
    later = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                          now=clock.now, settings=settings)
    assert later.escalation_policy["policy_version"] == 2 and len(later.escalation_policy["steps"]) == 1
