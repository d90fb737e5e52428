"""A policy step is refused when a target, whatever its kind, can be reached by nobody on the step's channels: a
person, a role's holders, the duty leader rostered in the coming week, the 分管领导, the office's 主要领导, the
incident's unit's 主要领导; an SMS or voice ladder needs a mobile, e-mail an address, the inbox an account, no
ladder verified personal rules (or an account to fall back to). Group channels reach everyone. The reason names the
step and the target (zh-CN), at steps.N.targets; the API answers 422 with the field. Both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.errors import Invalid
from models.deliveries import ChannelConfig
from models.directory import Person
from models.rosters.roster import RosterSlot
from services.incidents import policy_edits
from services.incidents.policies import PolicyIn, StepIn
from tests.incidents.conftest import DUTY


@pytest.fixture
def ladders(session):
    for name, kind, title in (("sms", "aliyun_sms", "短信"), ("mail", "email", "电子邮件"),
                              ("group", "webhook", "值班群")):
        session.add(ChannelConfig(name=name, kind=kind, title=title, config={}))
    session.commit()


def _policy(target: dict, channels: list[str], **kw) -> PolicyIn:
    return PolicyIn(name="可达性", position=1, categories=["natural_disaster"], steps=[
        StepIn(targets=[{"kind": "unit_head"}], channels=["group"], wait_minutes=5),
        StepIn(targets=[target], channels=channels, wait_minutes=5)], **kw)


def _refusal(session, clock, target, channels) -> Invalid:
    with pytest.raises(Invalid) as info:
        policy_edits.create(session=session, data=_policy(target, channels), by=DUTY, now=clock.now)
    session.rollback()
    return info.value


def _no_mobiles(session):
    session.exec(update(Person).values(mobile="", email=""))
    session.commit()  # a refusal rolls back: what the test set up stays
    session.expire_all()


def test_every_kind_of_target_is_checked_on_an_sms_ladder(session, county, ladders, clock, users):
    hub = county["hub"]
    users["duty_officer"].person_id = county["deputy"].id  # the role's holder, a person
    session.add(users["duty_officer"])
    session.add(RosterSlot(unit_id=hub.id, day=clock.now.date(), post="leader", person_id=county["leader"].id,
                           starts_at=clock.now, ends_at=clock.now + timedelta(days=1)))
    session.commit()
    _no_mobiles(session)
    cases = {
        "副县长钱立新": {"kind": "person", "ref": str(county["vice"].id)},
        "全体值班员": {"kind": "role", "ref": "duty_officer"},
        "当班带班领导": {"kind": "duty_leader_now"},
        "分管领导": {"kind": "category_leader"},
        "主要领导": {"kind": "unit_head"},
        "事发单位主要领导": {"kind": "unit_head", "ref": "incident"},
    }
    for name, target in cases.items():
        err = _refusal(session, clock, target, ["sms"])
        assert err.field == "steps.1.targets", (name, err.field)
        assert err.reason.startswith(f"第2步的通知对象“{name}”经短信联系不到任何人："), (name, err.reason)
        assert "没有手机号码" in err.reason, err.reason
    assert "带班领导周文静没有手机号码" in _refusal(session, clock, cases["当班带班领导"], ["sms"]).reason


def test_a_reachable_one_is_accepted_and_a_group_reaches_everyone(session, county, ladders, clock):
    _no_mobiles(session)
    vice = {"kind": "person", "ref": str(county["vice"].id)}
    policy_edits.create(session=session, data=_policy(vice, ["sms", "group"]), by=DUTY, now=clock.now)
    session.rollback()
    session.exec(update(Person).where(Person.id == county["vice"].id).values(mobile="13900000009"))
    session.commit()
    policy_edits.create(session=session, data=_policy(vice, ["sms"]), by=DUTY, now=clock.now)


def test_email_and_personal_rules_need_their_own_address(session, county, ladders, clock):
    _no_mobiles(session)
    vice = {"kind": "person", "ref": str(county["vice"].id)}
    err = _refusal(session, clock, vice, ["mail"])
    assert "经电子邮件联系不到任何人" in err.reason and "没有电子邮箱" in err.reason
    err = _refusal(session, clock, vice, [])  # no ladder: the person's own rules, else the console inbox
    assert "经个人通知规则（或控制台收件箱）联系不到任何人" in err.reason
    assert "没有已验证的联系方式和个人通知规则，也没有控制台账号" in err.reason


def test_the_api_refuses_with_the_field(client, session, county, ladders, tokens):
    _no_mobiles(session)
    session.commit()
    body = {"name": "可达性", "position": 1, "steps": [
        {"targets": [{"kind": "person", "ref": str(county["vice"].id)}], "channels": ["sms"], "wait_minutes": 5}]}
    answer = client.post("/api/escalation-policies", headers=tokens["duty_officer"], json=body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"][0]
    assert detail["loc"][-1] == "steps.0.targets"
    assert "第1步的通知对象“副县长钱立新”经短信联系不到任何人" in detail["msg"]
