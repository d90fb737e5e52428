"""Messages to a unit as a whole (a deadline alarm to the county office) reach the unit's duty officers' console
inbox: the message list said 已进入控制台收件箱 while no inbox showed them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from models.deliveries import Delivery
from models.incidents.records import Deadline
from services.deliveries import SendOutcome
from services.incidents import sweeps, targets
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.conftest import PASSWORD
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_upward import dispatch


def _login(client, user):
    client.cookies.clear()
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def _pre_alarm(session, county, clock, settings):
    """The landslide's phone deadline warns the county office ahead of time; the inbox delivers it."""
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    (phone,) = session.exec(select(Deadline).where(Deadline.incident_id == inc.id, Deadline.kind == "phone"))
    clock.now = phone.due_at - timedelta(minutes=settings.incidents.pre_alarm_minutes)
    assert sweeps.deadline_alarms(session=session, now=clock.now, settings=settings) >= 1
    dispatch(session, clock, lambda d: SendOutcome("delivered"))
    (alarm,) = [d for d in session.exec(select(Delivery).where(Delivery.source_id == str(inc.id)))
                if d.subject.startswith("【报送时限提醒】") and "电话" in d.subject]
    assert alarm.state == "delivered" and alarm.person_id is None
    session.commit()
    return inc, phone, alarm


def test_a_deadline_pre_alarm_names_its_incident_and_reaches_the_office_duty_officers(
        client, app, users, directory, county, clock, session, settings):
    users["duty_officer"].person_id = directory["people"]["hub"].id  # a person of the county office
    session.add(users["duty_officer"])
    session.commit()
    app.state.clock = clock
    inc, phone, alarm = _pre_alarm(session, county, clock, settings)
    due = f"{phone.due_at.astimezone(settings.tz):%H:%M}"
    assert alarm.subject == f"【报送时限提醒】{inc.title}：首报电话报告{due}到期"

    for reader in ("u_duty_officer", "u_admin"):  # the admin's account is linked to no person: still the office's
        _login(client, reader)
        page = client.get("/inbox").text
        assert f'id="m-{alarm.id}"' in page and f"{inc.title}：首报电话报告{due}到期" in page, reader
        assert "账号未关联人员" not in page
        assert client.get(f"/deliveries/{alarm.id}").status_code == 200

    for outsider in ("u_leader", "u_auditor", "u_unit_reporter"):  # not the county office's duty officers
        _login(client, outsider)
        assert f'id="m-{alarm.id}"' not in client.get("/inbox").text, outsider
    assert client.get(f"/deliveries/{alarm.id}").status_code == 404  # the town's reporter: another unit's message


def test_an_instruction_forwarded_to_a_town_reaches_its_reporter(client, app, users, directory, county, clock, session,
                                                                 settings):
    """The town's unit reporter reads a message to their own unit (as instructions.forward sends it), and may
    open it."""
    targets.send(session, key="t:unit", purpose="instruction", channel="inbox", subject="【批示转办】县长批示",
                 body="请牵头办理", at=clock.now, unit=directory["town"], step="t:unit")
    dispatch(session, clock, lambda d: SendOutcome("delivered"))
    (row,) = session.exec(select(Delivery).where(Delivery.step == "t:unit"))
    assert row.unit_id == directory["town"].id and row.recipient["name"] == "高观镇"
    session.commit()
    _login(client, "u_unit_reporter")
    assert re.search(rf'id="m-{row.id}".*?【批示转办】县长批示', client.get("/inbox").text, re.S)
    assert client.get(f"/deliveries/{row.id}").status_code == 200
    _login(client, "u_duty_officer")  # the county office's officers: another unit's inbox
    assert f'id="m-{row.id}"' not in client.get("/inbox").text


def test_a_message_to_a_unit_no_account_reads_fails_with_a_reason_and_is_alerted(users, directory, county, clock,
                                                                                 session, settings):
    """The department has no duty officer, reporter or admin account: its inbox message once read 已送达 while
    nobody could read it. It fails (该单位没有可接收的控制台账号), on the failed-deliveries alert like any other."""
    from services.deliveries.health import delivery_alerts, state_counts
    from tests.incidents.test_inbox_without_account import _send_through_the_inbox

    for unit in (directory["dept"], directory["town"]):  # the town: its unit reporter reads it
        targets.send(session, key=f"t:{unit.code}", purpose="instruction", channel="inbox", subject="【批示转办】县长批示",
                     body="请牵头办理", at=clock.now, unit=unit, step=f"t:{unit.code}")
    _send_through_the_inbox(session, clock)
    (dept,) = session.exec(select(Delivery).where(Delivery.step == f"t:{directory['dept'].code}"))
    (town,) = session.exec(select(Delivery).where(Delivery.step == f"t:{directory['town'].code}"))
    assert town.state == "delivered"
    assert dept.state == "failed" and dept.last_error == "该单位没有可接收的控制台账号"
    assert [a.code for a in delivery_alerts(session, clock.now, settings)] == ["delivery_failed"]
    assert ("inbox", "failed", 1) in state_counts(session)  # what /metrics counts
    from web.console.deliveries.pages import note

    assert "The unit has no console account" in str(note(dept.last_error, "en"))
