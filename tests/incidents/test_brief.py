"""The daily duty brief (值班日报): the day's figures, each open incident, and the audit chain's head, so a copy of
the record's head exists outside the system with everyone who keeps the brief; sent once per leader a day."""

from __future__ import annotations

from models.incidents.escalation import Notice
from services.audit import chain
from services.audit.checks import Keeper
from services.incidents import brief
from tests.incidents.conftest import DUTY, T0, landslide


def test_the_brief_carries_the_chain_head_and_goes_once_to_each_leader(client, app, clock, county, tokens, session,
                                                                         settings):
    app.state.clock = clock
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now))
    assert r.status_code == 201, r.text
    Keeper.of(settings).seal(session=session, now=T0)
    pos, head = chain.head(session=session)
    text = brief.compose(session, T0, settings)
    assert "高观镇山体滑坡" in text and f"审计链：第 {pos} 条，校验值 {head[:16]}" in text
    first = brief.send_brief(session=session, now=T0, settings=settings)
    assert first >= 2  # the county head and the vice heads are leading cadres of the hub
    assert brief.send_brief(session=session, now=T0, settings=settings) == 0  # a rerun sends nothing twice
    assert session.query(Notice).filter(Notice.purpose == "brief").count() == first


def test_the_brief_downloads_as_a_word_document_for_those_who_see_every_unit(client, app, clock, county, tokens,
                                                                            users, session):
    """API and console: the .docx opens, with its title, 主送, the open incident and the office; a unit reporter
    (who sees one unit, while the brief tells them all) is refused, never handed the county's incidents."""
    import io

    from docx import Document

    from tests.conftest import PASSWORD

    app.state.clock = clock
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now))
    assert r.status_code == 201, r.text
    for who in ("admin", "leader"):
        r = client.get("/api/duty-brief.docx", headers=tokens[who])
        assert r.status_code == 200, r.text
        assert r.headers["content-disposition"].startswith('attachment; filename="duty-brief-')
        texts = [p.text for p in Document(io.BytesIO(r.content)).paragraphs]
        assert texts[0] == "值班日报" and texts[2] == "县委、县政府："
        assert any("高观镇山体滑坡" in t for t in texts) and "县政府总值班室" in texts
    r = client.get("/api/duty-brief.docx", headers=tokens["unit_reporter"])
    assert r.status_code == 403 and "单位填报员不能下载" in r.text and "高观镇山体滑坡" not in r.text
    # The console: the board links it, and the link gives the same document.
    assert client.post("/login", data={"username": users["duty_officer"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    board = client.get("/incidents")
    assert 'id="duty-brief" href="/duty-brief/docx"' in board.text and "下载今日值班日报" in board.text
    r = client.get("/duty-brief/docx")
    assert r.status_code == 200 and Document(io.BytesIO(r.content)).paragraphs[0].text == "值班日报"
    client.cookies.clear()
    assert client.post("/login", data={"username": users["unit_reporter"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    assert 'id="duty-brief"' not in client.get("/incidents").text
    r = client.get("/duty-brief/docx")
    assert r.status_code == 403 and "单位填报员不能下载" in r.text and "高观镇山体滑坡" not in r.text


def test_the_brief_tells_the_incidents_closed_by_their_final_report_in_the_last_day(session, county, clock, settings):
    """A landslide with 2 deaths got its 终报 and closed: the brief still tells it, with its final figures, beside
    the open ones; one closed two days ago is not in today's brief."""
    import io
    from datetime import timedelta

    from docx import Document

    from services.incidents import intake
    from services.incidents.reports import add_report
    from services.incidents.schemas import IncidentIn, ReportIn

    final = ReportIn(kind="final", situation="已处置", handling="完毕", cause="降雨", aftermath="安置", deaths=2,
                     injured=4, missing=0)
    first = ReportIn(kind="first", channel="phone")
    old = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now,
                               title="旧的已结事件")), by=DUTY, now=clock.now, settings=settings)
    add_report(session=session, incident_id=old.id, by=DUTY, now=clock.now, settings=settings, data=first)
    add_report(session=session, incident_id=old.id, by=DUTY, now=clock.now, settings=settings, data=final)
    clock.advance(hours=48)
    done = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                                now=clock.now, settings=settings)
    add_report(session=session, incident_id=done.id, by=DUTY, now=clock.now, settings=settings, data=first)
    add_report(session=session, incident_id=done.id, by=DUTY, now=clock.now, settings=settings, data=final)
    intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now,
                         title="城关镇内涝")), by=DUTY, now=clock.now, settings=settings)
    clock.advance(hours=2)
    text = brief.compose(session, clock.now, settings)
    assert "过去24小时接报事件2起，终报结案1起，目前未结事件1起" in text
    assert "· 城关镇内涝" in text
    assert "过去24小时终报结案：\n· 高观镇山体滑坡（" in text and "Ⅱ级，已终报，死亡2人" in text
    assert "旧的已结事件" not in text
    texts = [p.text for p in Document(io.BytesIO(brief.brief_docx(session, clock.now, settings))).paragraphs]
    assert "一、未结事件" in texts and "二、过去24小时终报结案事件" in texts
    assert any(t.startswith("1. 高观镇山体滑坡（") and "已终报，死亡2人" in t for t in texts)
