"""What the console says once every required person acknowledged: the acknowledgement timeout only waits for a
续报 or feedback (nobody is being called), and the 确认 summary names everyone who acknowledged. Both databases."""

from __future__ import annotations

import re
from datetime import timedelta

from services.incidents import policies
from services.incidents.reports import add_report
from services.incidents.schemas import ReportIn
from tests.incidents.conftest import DUTY
from tests.incidents.test_acknowledgements import _ack, _as, _login, _open
from tests.incidents.test_escalation_scenario import run


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _all_must_ack_with_timeout(session) -> None:
    """Step 1: the duty leader and the vice head must both acknowledge; then a 续报 is awaited for 30 minutes."""
    policies.add_policy(session=session, actor="test", data=policies.PolicyIn(
        name="all-ack-timeout", position=1, ack_timeout_minutes=30, steps=[
            policies.StepIn(targets=[{"kind": "duty_leader_now"}, {"kind": "category_leader"}], channels=["wecom"],
                            wait_minutes=10, ack="all"),
            policies.StepIn(targets=[{"kind": "unit_head"}], channels=["wecom"], wait_minutes=10)]))
    session.commit()


def _both_acknowledge(session, county, clock, settings, recorder):
    _all_must_ack_with_timeout(session)
    inc = _open(session, county, clock, settings)  # 02:10 local
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone", content="电话首报"))
    run(session, clock, settings)
    recorder.expect("escalation", "带班领导周文静", "副县长钱立新")
    clock.advance(minutes=2)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    clock.advance(minutes=3)  # 02:15: the last one; a 续报 is now awaited until 02:45
    _ack(session, inc, _as(county["vice"]), clock, settings)
    session.commit()
    return inc


def test_while_the_ack_timeout_runs_the_page_says_acknowledged_and_awaiting_a_followup(
        client, app, users, county, clock, session, settings, recorder):
    app.state.clock = clock
    inc = _both_acknowledge(session, county, clock, settings, recorder)
    _login(client, "u_duty_officer")
    page = _text(client.get(f"/incidents/{inc.id}").text)
    assert "已确认，等待续报或反馈至02:45" in page
    assert "通知中" not in page and "下一步" not in page
    en = _text(client.get(f"/incidents/{inc.id}?lang=en").text)
    assert "Acknowledged; awaiting a follow-up report or feedback until 02:45" in en and "Notifying" not in en
    board = _text(client.get("/incidents?lang=zh-CN").text)
    assert "已确认，等待续报或反馈至02:45" in board
    assert "通知中" not in board and "第1步已通知" not in board
    # nobody is called meanwhile; the 续报 ends the wait and the page no longer says it waits
    clock.advance(minutes=10)
    run(session, clock, settings)
    recorder.expect_none()
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="phone", content="电话续报"))
    session.commit()
    page = _text(client.get(f"/incidents/{inc.id}").text)
    assert "等待续报" not in page and "通知中" not in page


def test_after_the_timeout_re_alerts_the_page_says_notifying_again(
        client, app, users, county, clock, session, settings, recorder):
    app.state.clock = clock
    inc = _both_acknowledge(session, county, clock, settings, recorder)
    clock.advance(minutes=30)
    run(session, clock, settings)
    assert [n.purpose for n in recorder.new()] == ["ack_timeout"]
    session.commit()
    _login(client, "u_duty_officer")
    page = _text(client.get(f"/incidents/{inc.id}").text)
    assert "等待续报" not in page and "通知中" in page  # re-alerted: the steps go on, it is calling again
    assert clock.now == inc.acknowledged_at + timedelta(minutes=30)


def test_the_board_and_the_wall_name_everyone_who_acknowledged(client, app, users, county, clock, session, settings,
                                                               recorder):
    """A step that needed both leaders: the 确认 column says both, not only the last one (副县长钱立新)."""
    app.state.clock = clock
    inc = _both_acknowledge(session, county, clock, settings, recorder)
    _login(client, "u_duty_officer")
    board = _text(client.get("/incidents?lang=zh-CN").text)
    assert "带班领导周文静、副县长钱立新" in board
    page = client.get(f"/incidents/{inc.id}").text
    assert "带班领导周文静、副县长钱立新" in _text(page.split('id="ackers"', 1)[1].split("</span></span>", 1)[0])
    wall = client.get("/wall")
    assert wall.status_code == 200
    shown = _text(wall.text)
    assert "✔ 带班领导周文静等2人" in shown  # tight: the first and how many
    assert 'title="带班领导周文静、副县长钱立新"' in wall.text  # everyone, on hover
    en = _text(client.get("/wall?lang=en").text)
    assert "✔ 带班领导周文静 and 1 more" in en
    en_board = _text(client.get("/incidents?lang=en").text)
    assert "带班领导周文静, 副县长钱立新" in en_board


def test_one_acknowledgement_shows_one_name(client, app, users, county, clock, session, settings, recorder):
    app.state.clock = clock
    inc = _open(session, county, clock, settings)
    run(session, clock, settings)
    clock.advance(minutes=2)
    _ack(session, inc, _as(county["leader"]), clock, settings)
    session.commit()
    _login(client, "u_duty_officer")
    assert "✔ 带班领导周文静" in _text(client.get("/wall?lang=zh-CN").text)
    assert "等1人" not in _text(client.get("/wall").text)
