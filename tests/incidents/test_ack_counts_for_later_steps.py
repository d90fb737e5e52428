"""An acknowledgement is a person's and counts for every step they are a target in, including steps that start
after it (the night tester's H1): the 分管领导 pressed 确认收到 while step 1 still paged the duty leader; step 2,
which targets only him, must not page him again, nor must the repeat round page the others."""

from __future__ import annotations

import re

from sqlmodel import select

from models.accounts import Role
from models.incidents.escalation import EscalationState
from services.access import Actor
from services.incidents import acks, board, policies
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY
from tests.incidents.conftest import landslide as landslide_data
from tests.incidents.test_acknowledgements import _login
from tests.incidents.test_escalation_scenario import run


def _policy(session, *, ack2: str = "all") -> None:
    """Step 1: the duty leader (all must acknowledge, 5 min); step 2: the 分管领导; one repeat round."""
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(
        name="night", position=1, repeat=1, steps=[
            policies.StepIn(targets=[{"kind": "duty_leader_now"}], channels=["wecom"], wait_minutes=5, ack="all"),
            policies.StepIn(targets=[{"kind": "category_leader"}], channels=["wecom"], wait_minutes=5, ack=ack2)]))
    session.commit()


def _as(person) -> Actor:
    return Actor(f"user-{person.name}", Role.leader, person.unit_id, person.id)


def _night(session, county, clock, recorder, settings, **kw):
    _policy(session, **kw)
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静")
    clock.advance(minutes=3, seconds=52)  # during step 1: the vice head, not yet notified, acknowledges
    early = acks.acknowledge(session=session, incident_id=inc.id, by=_as(county["vice"]), via="console",
                             now=clock.now, tz=settings.timezone)
    assert not early.stopped and inc.acknowledged_at is None  # step 1 waits for the duty leader
    return inc, early


def test_an_earlier_acknowledgement_meets_the_step_that_starts_after_it(session, county, clock, recorder,
                                                                        settings):
    inc, early = _night(session, county, clock, recorder, settings)
    clock.advance(minutes=1, seconds=8)  # step 2 is due: its only target acknowledged already
    run(session, clock, settings)
    recorder.expect("acked_before", "副县长钱立新")  # a timeline note, no page to him
    assert inc.acknowledged_at is not None and inc.acknowledged_by == "副县长钱立新"
    assert session.get(EscalationState, inc.id).status == "stopped"
    clock.advance(minutes=20)  # the repeat round never comes (the report deadline's reminders are another matter)
    run(session, clock, settings)
    assert not [n.recipient for n in recorder.new() if n.purpose == "escalation"]
    said = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "acked_before"]
    assert said == ["第2步（第1轮）的通知对象已确认收到：副县长钱立新（02:13:52）；本步不再通知，升级通知停止"]


def test_an_any_step_is_met_by_an_earlier_acknowledgement_too(session, county, clock, recorder, settings):
    inc, _ = _night(session, county, clock, recorder, settings, ack2="any")
    clock.advance(minutes=2)
    run(session, clock, settings)
    recorder.expect("acked_before", "副县长钱立新")
    assert session.get(EscalationState, inc.id).status == "stopped"


def test_acknowledging_again_after_the_awaited_step_changed_stops_it(session, county, clock, recorder, settings):
    """An acknowledgement given already and pressed again (the ack link of someone who acknowledged) re-checks the
    step awaited now instead of returning quietly while the escalation runs on."""
    _policy(session)
    inc = open_incident(session=session, data=IncidentIn(**landslide_data(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静")
    # the duty office records the vice head's phoned-in acknowledgement; step 2 then fires as today's data
    # stood before the fix (simulated: the state moved on as if he had been paged)
    first = acks.acknowledge(session=session, incident_id=inc.id, by=DUTY, via="console", now=clock.now,
                             tz=settings.timezone, person_id=county["vice"].id)
    state = session.get(EscalationState, inc.id)
    state.seq += 1  # step 2 (the vice head's) is now the awaited one
    session.add(state)
    session.flush()
    again = acks.acknowledge(session=session, incident_id=inc.id, by=_as(county["vice"]), via="console",
                             now=clock.now, tz=settings.timezone)
    assert again.id == first.id
    assert inc.acknowledged_at is not None
    assert session.exec(select(EscalationState.status).where(EscalationState.incident_id == inc.id)).one() \
        == "stopped"


def test_the_page_says_why_step_two_was_not_paged(client, app, users, county, clock, session, settings, recorder):
    app.state.clock = clock
    inc, _ = _night(session, county, clock, recorder, settings)
    clock.advance(minutes=2)
    run(session, clock, settings)
    session.commit()
    _login(client, "u_duty_officer")
    page = client.get(f"/incidents/{inc.id}").text
    text = re.sub(r"<[^>]+>", "", page)
    assert "第2步（第1轮）的通知对象已确认收到：副县长钱立新（02:13:52）；本步不再通知，升级通知停止" in text
    en = re.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}?lang=en").text)
    assert "Step 2 (round 1): its people had already acknowledged (副县长钱立新 at 02:13:52)" in en
