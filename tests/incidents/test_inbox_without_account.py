"""A console-inbox message to a person with no console account reaches nobody (the night tester's H2): it fails
with a worded reason (无控制台账号) so the ladder's next channel is tried, instead of being marked 已送达."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from models.deliveries import Delivery
from notifiers.inbox import InboxConfig, InboxNotifier
from services.deliveries.claims import SendOutcome, claim_due, record_result
from services.deliveries.render import message_for
from services.incidents import board, policies
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY
from tests.incidents.conftest import landslide as landslide_data
from tests.incidents.test_escalation_scenario import run


def _send_through_the_inbox(session, clock) -> list[Delivery]:
    """One dispatcher pass with the real inbox plugin for inbox rows (other channels: delivered)."""
    rows = claim_due(session=session, now=clock.now, worker="test")
    inbox = InboxNotifier(InboxConfig())
    for d in rows:
        if d.channel == "inbox":
            try:
                result = asyncio.run(inbox.send(message_for(d, inbox, "http://dutydesk.test")))
            except Exception as exc:  # the plugin's typed failure, as the dispatcher maps it
                result = exc
            outcome = SendOutcome.of(result)
        else:
            outcome = SendOutcome("delivered")
        record_result(session=session, delivery_id=d.id, token=d.claim_token, outcome=outcome, now=clock.now)
    session.flush()
    return rows


def _inbox_then_sms(session) -> None:
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(name="inbox-first", position=1, steps=[
        policies.StepIn(targets=[{"kind": "duty_leader_now"}], channels=["inbox", "sms"], wait_minutes=10)]))
    session.commit()


def test_an_inbox_message_to_someone_without_an_account_fails_and_the_ladder_moves_on(session, county, clock,
                                                                                       recorder, settings):
    _inbox_then_sms(session)
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静")  # a directory person with no console account
    _send_through_the_inbox(session, clock)
    rows = session.exec(select(Delivery).where(Delivery.source_id == str(inc.id),
                                               Delivery.person_id == county["leader"].id)).all()
    by_channel = {d.channel: d for d in rows}
    assert by_channel["inbox"].state == "failed" and by_channel["inbox"].last_error == "无法送达：该人员没有控制台账号"
    assert by_channel["sms"].state == "queued"  # the next rung of the ladder is tried
    shown = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "escalation"]
    assert shown == ["第1次通知 → 带班领导周文静 · inbox → sms · 待发送"]  # on its way by SMS, not 已送达


def test_an_inbox_message_to_someone_with_an_account_is_delivered(session, county, users, clock, recorder,
                                                                  settings):
    users["leader"].person_id = county["leader"].id
    session.add(users["leader"])
    _inbox_then_sms(session)
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    _send_through_the_inbox(session, clock)
    rows = session.exec(select(Delivery).where(Delivery.source_id == str(inc.id),
                                               Delivery.person_id == county["leader"].id)).all()
    assert [(d.channel, d.state) for d in rows] == [("inbox", "delivered")]


def test_a_step_only_through_the_inbox_to_people_without_accounts_is_refused(session, county, clock, settings):
    import pytest

    from core.errors import Invalid
    from models.deliveries import ChannelConfig
    from services.access import Actor
    from services.incidents import policy_edits
    from typer.testing import CliRunner

    from dutydesk.commands.policy_cmd import app as policy_app

    session.add(ChannelConfig(name="inbox", kind="inbox", title="控制台收件箱", config={}))
    session.add(ChannelConfig(name="sms", kind="webhook", title="短信", config={"url": "http://127.0.0.1:9/"}))
    session.flush()
    data = policies.PolicyIn(name="inbox-vice", position=1, steps=[
        policies.StepIn(targets=[{"kind": "category_leader"}], channels=["inbox"], wait_minutes=10)],
        categories=["natural_disaster"])
    with pytest.raises(Invalid) as refused:
        policy_edits.create(session=session, data=data, by=Actor.system("test"), now=clock.now)
    assert "副县长钱立新没有控制台账号" in refused.value.reason and refused.value.field == "steps.0.channels"
    data.steps[0].channels = ["inbox", "sms"]  # another way to reach him: accepted
    assert policy_edits.create(session=session, data=data, by=Actor.system("test"), now=clock.now).version == 1
    helped = CliRunner().invoke(policy_app, ["add", "--help"], terminal_width=200).output
    assert "reaches nobody" in helped and "without a console account" in " ".join(helped.split())


def test_an_inbox_only_message_to_someone_without_an_account_shows_as_failed(session, county, clock, recorder,
                                                                              settings):
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(name="inbox-only", position=1, steps=[
        policies.StepIn(targets=[{"kind": "duty_leader_now"}], channels=["inbox"], wait_minutes=10)]))
    session.commit()
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    _send_through_the_inbox(session, clock)
    shown = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "escalation"]
    assert shown == ["第1次通知 → 带班领导周文静 · inbox · 发送失败（无法送达：该人员没有控制台账号）"]


def test_an_inbox_only_step_to_the_incident_units_head_needs_someone_who_could_read_it(session, county, users,
                                                                                        clock):
    import pytest

    from core.errors import Invalid
    from models.deliveries import ChannelConfig
    from services.access import Actor
    from services.incidents import policy_edits

    session.add(ChannelConfig(name="inbox", kind="inbox", title="控制台收件箱", config={}))
    session.flush()
    data = policies.PolicyIn(name="inbox-unit-head", position=1, steps=[
        policies.StepIn(targets=[{"kind": "unit_head", "ref": "incident"}], channels=["inbox"], wait_minutes=10)])
    with pytest.raises(Invalid) as refused:  # no unit's head has a console account: the message is never read
        policy_edits.create(session=session, data=data, by=Actor.system("test"), now=clock.now)
    assert "事发单位主要领导" in refused.value.reason and "没有一人有控制台账号" in refused.value.reason
    assert refused.value.field == "steps.0.channels"
    users["leader"].person_id = county["head"].id  # a unit head who signs in: the step can be read
    session.add(users["leader"])
    session.flush()
    assert policy_edits.create(session=session, data=data, by=Actor.system("test"), now=clock.now).version == 1
