"""A 续报 or 终报 tells the leaders the escalation reached (lead17): the incident, the report and the figures now,
the way their escalation message went, never to the one who wrote it; and figures that no longer support the grade
raise a review flag (复核定级), on the page and the board."""

from __future__ import annotations

from datetime import UTC, datetime

from models.accounts import Role
from models.incidents.records import Incident
from rules import incidents as r
from rules.incidents.flags import FlagCode, grade_review
from services.access import Actor
from services.incidents import board
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run


def _open(session, county, clock, settings, **kw) -> Incident:
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now, **kw)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone"))
    return inc


def test_a_followup_and_the_final_report_tell_the_leaders_reached(session, county, clock, recorder, settings):
    inc = _open(session, county, clock, settings)
    (leader, vice) = sorted(recorder.expect("escalation", "带班领导周文静", "副县长钱立新"), key=lambda n: n.recipient)
    clock.advance(minutes=5)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="搜救中", deaths=3, missing=2,
                             injured="待核实"))
    got = sorted(recorder.new("followup_notice"), key=lambda n: n.recipient)
    assert sorted(n.recipient for n in got) == sorted(["带班领导周文静", "副县长钱立新"])
    assert {n.channel for n in got} == {leader.channel} and got[0].ladder == leader.ladder  # the way the step went
    assert "高观镇山体滑坡" in got[0].body and "续报一" in got[0].body
    assert "死亡3人、受伤待核实、失联2人" in got[0].body
    shown = [e["text"] for e in board.timeline(session, inc) if e["kind"] == "followup_notice"]
    assert len(shown) == 2 and "（目前伤亡：死亡3人、受伤待核实、失联2人）" in shown[0]

    clock.advance(minutes=5)  # the duty leader, in the office, writes the 终报: he is not told of his own report
    writer = Actor("zhou", Role.duty_officer, person_id=county["leader"].id)
    add_report(session=session, incident_id=inc.id, by=writer, now=clock.now, settings=settings,
               data=ReportIn(kind="final", channel="written", situation="已处置", handling="完毕", cause="降雨",
                             aftermath="安置", deaths=3, missing=0, injured=4, seriously_injured=0))
    (final,) = recorder.new("final_notice")
    assert final.recipient == "副县长钱立新"
    assert "终报" in final.body and "死亡3人、受伤4人、失联0人" in final.body


def test_nobody_told_nobody_notified(session, county, clock, recorder, settings):
    county["on_duty"]["hub"] = []  # nobody on duty, no vice head for public health: the first step reached nobody
    inc = _open(session, county, clock, settings, category="public_health")
    recorder.new()
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="续报"))
    assert recorder.new("followup_notice") == []


T = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)


def _report(kind, **figures) -> r.Report:
    return r.Report(kind=r.ReportKind(kind), reported_at=T, casualties=r.Casualties(**figures))


def test_grade_review_is_the_grading_rule_on_the_latest_followup_or_final():
    inc = r.Incident(category=r.Category.accident, received_at=T, grade=r.Grade.IV)
    flag = grade_review(inc, [_report("first", deaths=1), _report("followup", deaths=4)])
    assert flag.code is FlagCode.grade_review
    assert flag.text == "续报数字对应 较大（Ⅲ级），现定 一般（Ⅳ级），请复核定级"
    assert grade_review(inc, [_report("first", deaths=4)]) is None  # the 首报 is what the grade was set from
    ii = r.Incident(category=r.Category.accident, received_at=T, grade=r.Grade.II)
    lower = grade_review(ii, [_report("first", deaths=12), _report("final", deaths=3)])
    assert lower.text == "终报数字对应 较大（Ⅲ级），现定 重大（Ⅱ级），请复核定级"
    assert grade_review(ii, [_report("followup", deaths=r.UNVERIFIED)]) is None  # 待核实 may still reach it
    assert grade_review(ii, [_report("followup", deaths=10)]) is None
    by_loss = r.Incident(category=r.Category.accident, received_at=T, grade=r.Grade.III, economic_loss_yuan=20_000_000)
    assert grade_review(by_loss, [_report("followup", deaths=0)]) is None  # the loss still supports grade III
    by_hand = r.Incident(category=r.Category.social_security, received_at=T, grade=r.Grade.II)
    assert grade_review(by_hand, [_report("followup", deaths=0)]) is None


def test_a_final_report_below_the_grade_is_flagged_on_the_incident_and_board(session, county, clock, settings,
                                                                           client, app, users):
    inc = _open(session, county, clock, settings)  # grade II by the office (2 dead, 3 missing)
    clock.advance(minutes=30)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="final", channel="written", situation="已处置", handling="完毕", cause="降雨",
                             aftermath="安置", deaths=1, missing=0, injured=2, seriously_injured=0))
    codes = [f.code for f in board.flags(session, inc, clock.now, settings)]
    assert FlagCode.grade_review in codes
    session.commit()
    app.state.clock = clock
    from tests.incidents.test_figures import _login
    _login(client)
    page = client.get(f"/incidents/{inc.id}").text
    assert "终报数字对应 一般（Ⅳ级），现定 重大（Ⅱ级），请复核定级" in page
    assert "终报数字对应 一般（Ⅳ级），现定 重大（Ⅱ级），请复核定级" in client.get("/incidents?closed=true").text


def test_the_notice_on_the_timeline_words_its_figures_in_the_pages_language(session, county, clock, settings,
                                                                             client, app, users):
    inc = _open(session, county, clock, settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="搜救中", deaths=3, missing=2,
                             injured="待核实"))
    session.commit()
    app.state.clock = clock
    from tests.incidents.test_figures import _login
    _login(client)
    import re as re_
    text = lambda html: re_.sub(r"<[^>]+>", "", html)  # noqa: E731
    assert "续报通知 → " in text(client.get(f"/incidents/{inc.id}").text)
    assert "目前伤亡：死亡3人、受伤待核实、失联2人" in text(client.get(f"/incidents/{inc.id}").text)
    en = text(client.get(f"/incidents/{inc.id}?lang=en").text)
    assert "Follow-up report notice → " in en and "casualties now: Deaths 3、" not in en
    assert "casualties now: Deaths 3, Injured to be verified, Missing 2" in en


def test_the_review_hint_ends_when_the_office_confirms_the_grade_and_returns_with_new_figures(
        session, county, clock, settings):
    """The office has looked at the 续报's figures and kept the grade (确认定级 with its reason): the hint is done;
    a later 续报 whose figures still differ raises it again."""
    from services.incidents.intake import set_grade
    from services.incidents.schemas import GradeIn

    inc = _open(session, county, clock, settings)  # grade II by the office
    clock.advance(minutes=20)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="核减", deaths=1, missing=0, injured=2, seriously_injured=0))
    assert FlagCode.grade_review in [f.code for f in board.flags(session, inc, clock.now, settings)]
    clock.advance(minutes=5)
    set_grade(session=session, incident_id=inc.id, data=GradeIn(grade=inc.grade, reason="失联人员仍在搜寻，维持Ⅱ级"),
              by=DUTY, now=clock.now, settings=settings)
    assert FlagCode.grade_review not in [f.code for f in board.flags(session, inc, clock.now, settings)]
    clock.advance(minutes=30)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="再核", deaths=0, missing=0, injured=2, seriously_injured=0))
    assert FlagCode.grade_review in [f.code for f in board.flags(session, inc, clock.now, settings)]


def test_the_figures_told_are_stored_with_the_notice_and_the_timeline_reads_them(session, county, clock, recorder,
                                                                                 settings):
    """The notice keeps the figures it told (incident_notice.figures); the timeline shows those, not a reading of
    the message's text: a body edited by hand (or worded otherwise) changes nothing shown."""
    from sqlalchemy import update
    from sqlmodel import select

    from models.incidents.escalation import Notice
    inc = _open(session, county, clock, settings)
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="搜救中", deaths=3, missing=2,
                             injured="待核实"))
    session.flush()
    rows = session.exec(select(Notice).where(Notice.purpose == "followup_notice")).all()
    assert rows and all(n.figures == [{"name": "deaths", "value": 3}, {"name": "injured", "value": "待核实"},
                                      {"name": "missing", "value": 2}] for n in rows)
    session.exec(update(Notice).where(Notice.purpose == "followup_notice").values(body="高观镇山体滑坡：已报送续报一。目前伤亡：死亡9人。"))
    session.expire_all()
    shown = [e for e in board.timeline(session, inc) if e["kind"] == "followup_notice"]
    assert shown and all("（目前伤亡：死亡3人、受伤待核实、失联2人）" in e["text"] for e in shown)
    assert shown[0]["values"]["figures"][0] == {"name": "deaths", "value": 3}
    session.exec(update(Notice).where(Notice.purpose == "followup_notice").values(figures=None))
    session.expire_all()  # a notice from before the figures were stored: read from its text, as then
    assert all("死亡9人" in e["text"] for e in board.timeline(session, inc) if e["kind"] == "followup_notice")


def test_the_notice_tells_seriously_injured_and_economic_loss_when_given(session, county, clock, recorder, settings,
                                                                         client, app, users):
    """重伤 and 直接经济损失 are told when given (a count or 待核实; yuan), on the notice and its timeline line in both
    languages; a notice without them reads as before."""
    inc = _open(session, county, clock, settings, economic_loss_yuan=1_200_000)
    recorder.new()
    add_report(session=session, incident_id=inc.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="followup", channel="written", content="搜救中", deaths=3, missing=2,
                             injured=5, seriously_injured="待核实"))
    got = recorder.new("followup_notice")
    assert got and all("目前伤亡：死亡3人、受伤5人、失联2人、重伤待核实、直接经济损失1200000元。" in n.body for n in got)
    session.commit()
    app.state.clock = clock
    from tests.incidents.test_figures import _login
    _login(client)
    import re as re_
    zh = re_.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}").text)
    assert "目前伤亡：死亡3人、受伤5人、失联2人、重伤待核实、直接经济损失1200000元" in zh
    en = re_.sub(r"<[^>]+>", "", client.get(f"/incidents/{inc.id}?lang=en").text)
    assert ("casualties now: Deaths 3, Injured 5, Missing 2, Seriously injured to be verified, "
            "Direct economic loss 1200000 yuan") in en
