"""Same event, several reports, on both databases: intake suggests likely duplicates; a merge keeps one incident
with several sources, stops the other's escalation and deadlines, and the statistics count it once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.audit import AuditEntry
from models.deliveries import Delivery
from models.incidents.escalation import EscalationState
from models.incidents.records import Deadline, Incident
from services.incidents import board, deadlines, merge
from services.incidents.intake import open_incident
from services.incidents.reports import add_report
from services.incidents.schemas import IncidentIn, ReportIn
from services.spotchecks.stats import _incidents, _year_bounds, categories, yearly
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_escalation_scenario import run


def _two_reports(session, county, clock, settings):
    """The town phones the landslide in; 20 minutes later the emergency bureau reports it too."""
    town = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                         now=clock.now, settings=settings)
    clock.advance(minutes=20)
    dept = open_incident(session=session, by=DUTY, now=clock.now, settings=settings, data=IncidentIn(**landslide(
        county["dept"].id, clock.now, title="青龙村发生山体滑坡", place="高观镇 青龙村３组", source="应急管理局",
        reporter="王强", occurred_at=(clock.now - timedelta(minutes=40)).isoformat())))
    return town, dept


@pytest.fixture
def api(client, app, clock, county, tokens):
    app.state.clock = clock
    return client


def test_intake_answers_with_the_likely_duplicate_and_still_creates(api, tokens, county, clock, session):
    first = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(county["town"].id, clock.now))
    assert first.status_code == 201 and first.json()["possible_duplicates"] == []
    clock.advance(minutes=15)
    body = landslide(county["dept"].id, clock.now, title="青龙村山体滑坡", place="高观乡青龙村 3组", source="应急管理局",
                     occurred_at=(clock.now - timedelta(minutes=35)).isoformat())
    r = api.post("/api/incidents", headers=tokens["duty_officer"], json=body)
    assert r.status_code == 201, r.text
    (dup,) = r.json()["possible_duplicates"]
    assert dup["id"] == first.json()["id"] and dup["title"] == "高观镇山体滑坡" and dup["unit"] == "高观镇"
    assert dup["link"] == f"/incidents/{dup['id']}" and dup["received_at"]
    assert len(api.get("/api/incidents", headers=tokens["duty_officer"]).json()) == 2  # created all the same
    other = api.post("/api/incidents", headers=tokens["duty_officer"], json=landslide(
        county["dept"].id, clock.now, category="accident", title="青龙村车祸"))
    assert other.json()["possible_duplicates"] == []  # another category is another event


def test_merge_stops_the_merged_incident_and_keeps_its_source_on_the_kept_one(session, county, clock, recorder,
                                                                               settings):
    town, dept = _two_reports(session, county, clock, settings)
    run(session, clock, settings)
    assert {n.incident_id for n in recorder.new("escalation")} == {town.id, dept.id}
    add_report(session=session, incident_id=dept.id, by=DUTY, now=clock.now, settings=settings,
               data=ReportIn(kind="first", channel="phone", send_upward=False))
    clock.advance(minutes=2)
    m = merge.merge(session=session, incident_id=dept.id, into_id=town.id, by=DUTY, now=clock.now)
    assert m.warnings == [] and m.into.id == town.id
    assert dept.status == "merged" and dept.merged_into_id == town.id and dept.merged_by == "duty"
    assert session.get(EscalationState, dept.id).status == "stopped"
    # its open deadlines closed as merged (not overdue); the kept one's stay
    rows = session.exec(select(Deadline).where(Deadline.incident_id == dept.id)).all()
    assert rows and all(d.met_at or d.cancel_reason == "merged" for d in rows)
    clock.advance(hours=3)  # long past every deadline of both
    assert {d.incident_id for d in deadlines.overdue(session, clock.now)} == {town.id}
    run(session, clock, settings)
    assert all(n.incident_id == town.id for n in recorder.new())  # no further notice about the merged one
    # the board lists only the kept one, also with closed ones
    assert [b.incident.id for b in board.board(session, clock.now, by=DUTY, settings=settings)] == [town.id]
    assert [b.incident.id for b in board.board(session, clock.now, by=DUTY, settings=settings,
                                               include_closed=True)] == [town.id]
    # the kept incident's timeline: the other source (unit, reporter, time), its report, the merge
    tl = board.timeline(session, town)
    source = next(e for e in tl if e["kind"] == "source")
    assert source["values"]["unit"] == "应急管理局" and source["values"]["reporter"] == "王强"
    assert source["at"] == dept.received_at and "另一来源" in source["text"]
    assert [e["values"]["report"] for e in tl if e["kind"] == "source_report"] == ["first"]
    assert any(e["kind"] == "merge" for e in tl)
    assert [e for e in board.timeline(session, dept) if e["kind"] == "merged"][0]["incident_id"] == town.id
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "merge")).one()
    assert entry.entity_id == str(dept.id) and "「青龙村发生山体滑坡」并入「高观镇山体滑坡」" in entry.note
    d = board.detail(session, town.id, clock.now, by=DUTY, settings=settings)
    assert [s.id for s in d["sources"]] == [dept.id] and d["duplicates"] == []


def test_waiting_messages_of_the_merged_incident_are_withdrawn(session, county, clock, settings):
    town, dept = _two_reports(session, county, clock, settings)
    run(session, clock, settings)
    queued = session.exec(select(Delivery).where(Delivery.source_id == str(dept.id),
                                                 Delivery.state == "queued")).all()
    assert queued  # the first step's messages, not yet dispatched
    merge.merge(session=session, incident_id=dept.id, into_id=town.id, by=DUTY, now=clock.now)
    session.flush()
    for d in queued:
        session.refresh(d)
    assert {d.state for d in queued} == {"cancelled"} and queued[0].last_error == merge.WITHDRAWN


@pytest.mark.parametrize("case", ["itself", "into_merged", "again", "reporter"])
def test_refusals_name_the_field_in_chinese(api, tokens, session, county, clock, settings, case):
    town, dept = _two_reports(session, county, clock, settings)
    third = open_incident(session=session, by=DUTY, now=clock.now, settings=settings, data=IncidentIn(**landslide(
        county["hub"].id, clock.now, title="群众反映青龙村滑坡", source="12345热线")))
    session.commit()
    if case in ("into_merged", "again"):
        assert api.post(f"/api/incidents/{dept.id}/merge", headers=tokens["duty_officer"],
                        json={"into": str(town.id)}).status_code == 200
    url, body, who = {
        "itself": (f"/api/incidents/{dept.id}/merge", {"into": str(dept.id)}, "duty_officer"),
        "into_merged": (f"/api/incidents/{third.id}/merge", {"into": str(dept.id)}, "duty_officer"),
        "again": (f"/api/incidents/{dept.id}/merge", {"into": str(third.id)}, "duty_officer"),
        "reporter": (f"/api/incidents/{town.id}/merge", {"into": str(dept.id)}, "unit_reporter"),
    }[case]
    r = api.post(url, headers=tokens[who], json=body)
    want = {"itself": (422, "into", "自身"), "into_merged": (422, "into", "请改为并入「高观镇山体滑坡」"),
            "again": (409, "incident_id", "已并入「高观镇山体滑坡」"), "reporter": (403, "into", "只有值班室可以合并事件")}
    status, field, words = want[case]
    assert r.status_code == status, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"][-1] == field and words in detail["msg"], detail
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "merge")).all().__len__() == (
        1 if case in ("into_merged", "again") else 0)


def test_no_chains_the_merged_incidents_sources_move_to_the_kept_one(session, county, clock, settings):
    town, dept = _two_reports(session, county, clock, settings)
    third = open_incident(session=session, by=DUTY, now=clock.now, settings=settings, data=IncidentIn(**landslide(
        county["hub"].id, clock.now, title="群众反映青龙村滑坡", source="12345热线")))
    merge.merge(session=session, incident_id=third.id, into_id=dept.id, by=DUTY, now=clock.now)
    m = merge.merge(session=session, incident_id=dept.id, into_id=town.id, by=DUTY, now=clock.now)
    assert m.moved == 1 and third.merged_into_id == town.id
    assert {e["values"]["title"] for e in board.timeline(session, town) if e["kind"] == "source"} == {
        "青龙村发生山体滑坡", "群众反映青龙村滑坡"}


def test_across_categories_is_allowed_with_a_warning(api, tokens, session, county, clock, settings):
    town = open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, clock.now)), by=DUTY,
                         now=clock.now, settings=settings)
    road = open_incident(session=session, by=DUTY, now=clock.now, settings=settings, data=IncidentIn(**landslide(
        county["dept"].id, clock.now, category="accident", title="滑坡致车辆被埋", grade=None)))
    session.commit()
    r = api.post(f"/api/incidents/{road.id}/merge", headers=tokens["admin"], json={"into": str(town.id)})
    assert r.status_code == 200, r.text
    assert r.json()["merged_into_id"] == str(town.id) and "类别不同" in r.json()["warnings"][0]
    detail = api.get(f"/api/incidents/{town.id}", headers=tokens["auditor"]).json()
    assert [s["title"] for s in detail["sources"]] == ["滑坡致车辆被埋"]


def test_the_yearly_figures_count_a_merged_incident_once(session, county, clock, settings):
    town, dept = _two_reports(session, county, clock, settings)
    before = yearly(session, 2026, settings.tz)[0]
    merge.merge(session=session, incident_id=dept.id, into_id=town.id, by=DUTY, now=clock.now)
    session.flush()
    after = yearly(session, 2026, settings.tz)[0]
    assert before.incidents_received == 2 and after.incidents_received == 1
    assert {c["category"]: c["count"] for c in categories(session, 2026, settings.tz)}["natural_disaster"] == 1


def test_a_source_reported_upward_counts_the_kept_incident_as_reported(session, county, clock, settings):
    town, dept = _two_reports(session, county, clock, settings)
    rep = add_report(session=session, incident_id=dept.id, by=DUTY, now=clock.now, settings=settings,
                     data=ReportIn(kind="first", channel="written", send_upward=False))
    from services.incidents import upward
    upward.record_phoned(session=session, incident_id=dept.id, report_id=rep.id, by=DUTY, now=clock.now,
                         at=clock.now, caller="值班员", reached="市总值班室")
    merge.merge(session=session, incident_id=dept.id, into_id=town.id, by=DUTY, now=clock.now)
    session.flush()
    lo, hi = _year_bounds(2026, settings.tz)
    (row,) = _incidents(session, lo, hi, settings.tz)
    assert row.reported_upward
    assert session.get(Incident, town.id).status == "open"


def test_the_window_is_a_setting(session, county, clock, settings):
    from services.incidents import duplicates

    town, dept = _two_reports(session, county, clock, settings)  # events 5 minutes apart
    assert [s.incident.id for s in duplicates.of_incident(session, dept, clock.now, by=DUTY, settings=settings)] \
        == [town.id]
    narrow = settings.model_copy(update={"incidents": settings.incidents.model_copy(update={
        "duplicates": settings.incidents.duplicates.model_copy(update={"window_minutes": 4})})})
    assert duplicates.of_incident(session, dept, clock.now, by=DUTY, settings=narrow) == []
