"""Urgent same-day leave (急事) on both databases: a leading cadre called away tonight reports it with a reason,
the report is flagged for review, and tonight's escalation goes to the acting person at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.errors import Invalid
from models.rosters.leave import LeaveCreate
from services.access import Actor
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from services.rosters.leaves import file_leave
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run

TZ = "Asia/Shanghai"


def _leave(county, day, **kw) -> LeaveCreate:
    return LeaveCreate(person_id=county["vice"].id, start_day=day, end_day=day, destination="市人民医院",
                       reason="家属急病", contact="13900000009", arrangements="工作由常务副县长主持",
                       acting_person_id=county["deputy"].id, **kw)


def test_same_day_leave_reroutes_tonights_escalation(session, county, clock, recorder, settings):
    today = (clock.now + timedelta(hours=8)).date()  # 15 July, local
    with pytest.raises(Invalid) as refused:  # a formal report the same day, not marked 急事: one day's notice
        file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ, data=_leave(county, today))
    assert refused.value.field == "start_day"
    with pytest.raises(Invalid) as no_reason:
        file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                   data=_leave(county, today, urgent=True))
    assert no_reason.value.field == "urgent_reason"
    row = file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                     data=_leave(county, today, urgent=True, urgent_reason="凌晨家属送医"))
    assert row.needs_review and row.status.value == "filed"

    open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                  now=clock.now, settings=settings)
    run(session, clock, settings)
    sent = recorder.expect("escalation", "带班领导周文静", "常务副县长吴振华")
    (acting,) = [n for n in sent if n.recipient == "常务副县长吴振华"]
    assert acting.acting_for == "副县长钱立新" and acting.for_person_id == county["vice"].id


def test_after_the_fact_urgent_leave_is_accepted_and_flagged(session, county, clock, settings):
    today = (clock.now + timedelta(hours=8)).date()
    row = file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                     data=_leave(county, today - timedelta(days=1), urgent=True, urgent_reason="昨夜紧急公务，事后补报"))
    assert row.needs_review


def test_a_redirect_to_someone_already_notified_still_shows(session, county, clock, recorder, settings):
    from services.incidents import board

    today = (clock.now + timedelta(hours=8)).date()
    file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ, data=LeaveCreate(
        person_id=county["vice"].id, start_day=today, end_day=today, destination="市人民医院", reason="家属急病",
        contact="13900000009", arrangements="工作由带班领导代管", acting_person_id=county["leader"].id, urgent=True,
        urgent_reason="凌晨家属送医"))
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    got = sorted((n.purpose, n.recipient, n.acting_for) for n in recorder.new())
    assert got == [("escalation", "带班领导周文静", ""), ("redirect", "带班领导周文静", "副县长钱立新")]
    line = [e for e in board.timeline(session, inc) if e["kind"] == "redirect"][0]
    assert "请假替代" in line["text"] and "代副县长钱立新" in line["text"]


def _leader_away(session, county, clock):
    today = (clock.now + timedelta(hours=8)).date()
    file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ, data=LeaveCreate(
        person_id=county["leader"].id, start_day=today, end_day=today, destination="市人民医院", reason="家属急病",
        contact="13900000009", arrangements="工作由常务副县长主持", acting_person_id=county["deputy"].id, urgent=True,
        urgent_reason="凌晨家属送医"))


def test_on_duty_now_shows_the_acting_person_for_a_leader_on_urgent_leave(client, app, users, session, county,
                                                                          clock, settings):
    from services.rosters.views import on_duty
    from tests.conftest import PASSWORD

    from models.rosters.roster import RosterSlot

    session.add(RosterSlot(unit_id=county["hub"].id, day=(clock.now - timedelta(hours=10)).date(), post="leader",
                           person_id=county["leader"].id, starts_at=clock.now - timedelta(hours=18),
                           ends_at=clock.now + timedelta(hours=6)))
    session.flush()
    from services.rosters import views

    views._KEPT.clear()  # each test's transaction is rolled back: a later test can meet an earlier one's stamp
    before = [r["leader"] for r in on_duty(session=session, now=clock.now, by=DUTY, tz=settings.timezone)]
    assert "带班领导周文静" in before
    _leader_away(session, county, clock)
    after = [r["leader"] for r in on_duty(session=session, now=clock.now, by=DUTY, tz=settings.timezone)]
    assert "常务副县长吴振华（代带班领导周文静）" in after and "带班领导周文静" not in after
    session.commit()
    app.state.clock = clock
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/").text
    rows = page.split('id="on-duty-rows"')[1].split("</table>")[0]
    assert "常务副县长吴振华（代带班领导周文静）" in re.sub(r"<[^>]+>", "", rows)  # each name marked as data


def test_a_leader_on_leave_cannot_acknowledge_for_the_office(session, county, clock, recorder, settings):
    from core.errors import Forbidden
    from models.accounts import Role
    from services.incidents import acks

    _leader_away(session, county, clock)
    inc = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                        now=clock.now, settings=settings)
    run(session, clock, settings)
    recorder.expect("escalation", "常务副县长吴振华", "副县长钱立新")
    away = Actor("zhou", Role.leader, county["leader"].unit_id, county["leader"].id)
    assert not acks.ack_state(session, inc, away, clock.now, tz=settings.timezone).can_ack  # no button
    with pytest.raises(Forbidden) as refused:
        acks.acknowledge(session=session, incident_id=inc.id, by=away, via="console", now=clock.now,
                         tz=settings.timezone)
    assert "正在请假" in refused.value.reason and "常务副县长吴振华" in refused.value.reason
    assert inc.acknowledged_at is None
    acting = Actor("wu", Role.leader, county["deputy"].unit_id, county["deputy"].id)
    assert acks.acknowledge(session=session, incident_id=inc.id, by=acting, via="console", now=clock.now,
                            tz=settings.timezone).stopped


def test_the_same_day_refusal_says_what_to_do_instead_in_the_page_language(client, app, users, session, county,
                                                                           clock):
    import re

    from tests.conftest import PASSWORD

    session.commit()
    app.state.clock = clock
    today = (clock.now + timedelta(hours=8)).date()
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/leaves").text).group(1)
    form = {"csrf_token": csrf, "person_id": str(county["vice"].id), "start_day": today.isoformat(),
            "end_day": today.isoformat(), "start_half": "am", "end_half": "pm", "destination": "市人民医院",
            "reason": "家属急病", "contact": "13900000009", "arrangements": "工作由常务副县长主持",
            "acting_person_id": str(county["deputy"].id)}
    # the summary at the top names the field as the form labels it (开始 / From), the form keeps what was typed
    zh = re.search(r'href="#f-start_day">([^<]*)<', client.post("/leaves?lang=zh-CN", data=form).text).group(1)
    assert zh.startswith("开始：须至少提前1天报备") and "勾选“急事”并填写急事理由" in zh
    assert "start_day" not in zh and not re.search(r"[A-Za-z]{3,}", zh)
    en = re.search(r'href="#f-start_day">([^<]*)<', client.post("/leaves?lang=en", data=form).text).group(1)
    assert en.startswith("From: leave must be reported 1 day ahead") and "tick Urgent" in en
    assert not re.search(r"[\u4e00-\u9fff：]", en)
    # ...and doing what it says files the leave, flagged for review
    form |= {"urgent": "on", "urgent_reason": "凌晨家属送医"}
    page = client.post("/leaves?lang=zh-CN", data=form).text
    assert 'id="error"' not in page and 'data-flag="urgent"' in page


def test_the_office_reviews_an_urgent_leave_and_each_viewer_sees_only_the_buttons_they_may_use(
        client, app, users, session, county, clock, settings):
    """Nobody had a review action for 急事·待审核, and 撤销 showed to people who then got a 403."""
    from sqlmodel import select

    from models.audit import AuditEntry
    from models.rosters.leave import LeaveReport
    from tests.conftest import PASSWORD

    today = (clock.now + timedelta(hours=8)).date()
    row = file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                     data=_leave(county, today, urgent=True, urgent_reason="凌晨家属送医"))
    session.commit()
    app.state.clock = clock

    def login(user):
        client.cookies.clear()
        assert client.post("/login", data={"username": user, "password": PASSWORD},
                           follow_redirects=False).status_code == 303
        page = client.get("/leaves").text
        return page, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    page, _ = login("u_leader")  # a leader who is not 钱立新: neither review nor 销假/撤销 on his leave
    assert f'action="/leaves/{row.id}/' not in page and "急事·待审核" in page
    page, csrf = login("u_duty_officer")
    acts = re.findall(rf'action="/leaves/{row.id}/(\w+)"', page)
    assert acts == ["review", "return", "cancel"] and "审核通过" in page
    r = client.post(f"/leaves/{row.id}/review", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(LeaveReport, row.id).needs_review is False
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "leave", AuditEntry.action == "review")).one()
    assert entry.actor.endswith("u_duty_officer") or "duty" in entry.actor
    page = client.get("/leaves").text
    assert "急事·待审核" not in page and re.findall(rf'action="/leaves/{row.id}/(\w+)"', page) == ["return", "cancel"]


def test_the_api_reviews_an_urgent_leave_for_the_office_only(client, tokens, session, county, clock):
    today = (clock.now + timedelta(hours=8)).date()
    row = file_leave(session=session, by=Actor.system("test"), today=today, tz=TZ,
                     data=_leave(county, today, urgent=True, urgent_reason="凌晨家属送医"))
    session.commit()
    assert client.post(f"/api/leaves/{row.id}/review", headers=tokens["leader"]).status_code == 403
    r = client.post(f"/api/leaves/{row.id}/review", headers=tokens["duty_officer"])
    assert r.status_code == 200 and r.json()["needs_review"] is False
    again = client.post(f"/api/leaves/{row.id}/review", headers=tokens["duty_officer"])
    assert again.status_code == 409 and "无需审核" in again.text
