"""The scope walk: every API write and console form action a unit reporter or a leader can reach, sent with
another unit's ids, is refused (403/404, or the form's error) and changes nothing; the same request as the duty
office succeeds, so the refusal is about who asks, not about a bad sample.

Routes are enumerated from the app: a new write a unit reporter or a leader may reach fails
`test_every_reachable_write_has_a_case` until it gets a case here (or a reason in NOT_SCOPED).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from models.accounts import Role, User, UserCreate
from models.directory import PersonCreate
from models.rosters.duty import FeedToken, Handover, Swap, SwapStatus
from models.rosters.leave import LeaveCreate, LeaveReport, LeaveStatus
from models.rosters.roster import RosterGap, RosterSlot
from models.spotchecks.inspections import ExplanationRequest
from services import accounts
from services.access import Actor
from services.directory import org
from services.rosters import excel, handovers, ical, leaves, swaps
from services.rosters import policy as pol
from services.rosters.generate import generate_month
from tests.conftest import PASSWORD
from tests.incidents.conftest import landslide
from tests.web.test_access import ENDPOINTS
from web.console.forms import FLASH_COOKIE, read_flash

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # 10:00 local
MONTH, LATER = "2027-01", "2027-02"
OFFICE = Actor.system("test")
TZ = "Asia/Shanghai"
# Writes no unit scope applies to, and why.
NOT_SCOPED = {
    ("POST", "/login"): "anyone logs in",
    ("POST", "/logout"): "one's own session",
    ("POST", "/account/password"): "one's own account (the current password is the credential)",
    ("POST", "/ack/{token}"): "the signed link is the credential (a session of anyone but its person is refused)",
    ("POST", "/callbacks/{channel_name}"): "the provider's signature is the credential (no caller)",
    ("POST", "/api/incidents/{incident_id}/instructions"): "leaders instruct on any incident (领导批示)",
    ("POST", "/incidents/{incident_id}/instructions"): "leaders instruct on any incident (领导批示)",
    ("POST", "/incidents/{incident_id}/ack"): "a leader acknowledges any incident, as themself",
}


@pytest.fixture
def engine(sqlite_engine):
    """Scope is decided in Python, the same on both databases: SQLite keeps this walk quick."""
    return sqlite_engine


@pytest.fixture
def world(client, session, directory, users, tokens):
    """The department (another unit than the reporter's town) with a roster, leave, swaps, a handover, an
    incident with a report and an instruction item, and an explanation request."""
    client.app.state.clock = lambda: NOW
    dept = directory["dept"]
    mk = lambda name, title: org.create_person(session=session, actor="test", data=PersonCreate(  # noqa: E731
        name=name, title=title, unit_id=dept.id, mobile="13900001111", is_leading_cadre=title == "副局长"))
    leaders = [mk("局领导甲", "副局长"), mk("局领导乙", "副局长")]
    officers = [mk(f"值班员{i}", "工作人员") for i in range(4)]
    pol.ensure_default_posts(session=session, unit_id=dept.id, actor="test")
    pol.set_pool(session=session, unit_id=dept.id, post="leader", people=[p.id for p in leaders], by=OFFICE)
    pol.set_pool(session=session, unit_id=dept.id, post="officer", people=[p.id for p in officers], by=OFFICE)
    generate_month(session=session, unit_id=dept.id, month=MONTH, by=OFFICE, tz=TZ)
    slots = session.exec(select(RosterSlot).where(RosterSlot.unit_id == dept.id, RosterSlot.post == "officer")
                         .order_by(RosterSlot.day)).scalars().all()
    by_day = {s.day: s for s in slots}
    mine, other, free = slots[10], slots[14], slots[18]  # four officers in turn: two days apart leaves 24 h rest
    mover = by_day[mine.day + timedelta(days=2)].person_id
    counterpart = session.get(type(leaders[0]), mover)
    cp_user = accounts.create_user(session=session, actor="test", data=UserCreate(
        username="dept_counterpart", password=PASSWORD, role=Role.leader, unit_id=dept.id, person_id=mover))
    cp_token, _ = accounts.create_api_token(session=session, user=cp_user, name="t", actor="t")
    settings = client.app.state.settings
    head = org.create_person(session=session, actor="test", data=PersonCreate(  # a target of every escalation
        name="县长", title="县长", unit_id=directory["hub"].id, mobile="13900003333", is_unit_head=True))
    requested = swaps.request(session=session, data=_swap(mine, mover), now=NOW, by=OFFICE, settings=settings)
    confirmed = swaps.request(session=session, data=_swap(other, by_day[other.day + timedelta(days=2)].person_id),
                              now=NOW, by=OFFICE, settings=settings)
    session.get(Swap, confirmed.id).status = SwapStatus.confirmed
    leave = leaves.file_leave(session=session, today=NOW.date(), by=OFFICE, tz=TZ, data=_leave(leaders[0].id, officers[0].id))
    # (主持工作 by an officer, who cannot hold the leader slot: the slot stays a gap to fill)
    pending = leaves.file_leave(session=session, today=NOW.date(), by=OFFICE, tz=TZ,
                                data=_leave(leaders[1].id, leaders[0].id, date(2027, 1, 20)))
    session.get(LeaveReport, pending.id).status = LeaveStatus.pending_approval  # as a head's leave in flood season
    handover = handovers.open_handover(session=session, unit_id=dept.id, day=slots[3].day, by=OFFICE)
    xlsx = excel.export_month(session=session, unit_id=dept.id, month=MONTH, tz=TZ, by=OFFICE)
    explanation = ExplanationRequest(unit_id=dept.id, year=2026, quarter=4, failures=2, requested_at=NOW)
    session.add(explanation)
    session.commit()
    contacts_of = _contacts(session, leaders[0], settings)
    gap = session.exec(select(RosterGap).where(RosterGap.unit_id == dept.id,
                                               RosterGap.reason == "holder_unavailable")).scalars().first()
    assert gap is not None and gap.person_id == leaders[0].id, "the leave must leave the leader's slot open"
    office = tokens["duty_officer"]
    inc = client.post("/api/incidents", headers=office, json=landslide(dept.id, NOW)).json()
    rep = client.post(f"/api/incidents/{inc['id']}/reports", headers=office, json={"kind": "first"}).json()
    ins = client.post(f"/api/incidents/{inc['id']}/instructions", headers=tokens["leader"], json={
        "text": "全力处置", "by_name": "县长", "items": [{"unit_id": str(dept.id)}]}).json()
    assert "id" in rep and ins["items"], (rep, ins)
    again = client.post("/api/incidents", headers=office, json=landslide(dept.id, NOW, title="同一滑坡再报")).json()
    return {"dept": dept.id, "leader": leaders[0].id, "acting": leaders[1].id, "officers": [p.id for p in officers], "slot": mine.id, "free": free.id,
            "free_to": by_day[free.day + timedelta(days=2)].person_id,
            "mover": mover, "swap": requested.id, "confirmed": confirmed.id, "leave": leave.id, "pending_leave": pending.id,
            "handover": handover.id, "day": slots[3].day.isoformat(), "xlsx": xlsx, "incident": inc["id"],
            "item": ins["items"][0]["id"], "incident2": again["id"], "explanation": explanation.id, "counterpart_token": cp_token,
            "head": head.id, "report": rep["id"],
            "counterpart": counterpart, "feed": _dept_feed(session, dept.id), "gap": gap.id, **contacts_of}


def _contacts(session, person, settings) -> dict:
    """The leader's contact methods in each state a write needs: one to send a code to, one whose code was sent
    (and the code, as the person would read it), one to delete, a verified one with a notification rule."""
    from models.directory import ContactMethod, ContactMethodCreate, NotificationRuleCreate
    from models.deliveries import Delivery
    from services.directory import contacts

    add = lambda value: contacts.add_method(session=session, person_id=person.id, by=OFFICE, now=NOW,  # noqa: E731
                                            data=ContactMethodCreate(kind="mobile", value=value))
    fresh, sent, doomed, verified = (add(v) for v in ("13900005551", "13900005552", "13900005553", "13900005554"))
    contacts.send_code(session=session, person_id=person.id, method_id=sent.id, by=OFFICE, now=NOW, settings=settings)
    code = session.get(Delivery, sent.code_delivery_id).template_params["code"]
    session.get(ContactMethod, verified.id).verified_at = NOW
    session.flush()
    rule = contacts.add_rule(session=session, person_id=person.id, by=OFFICE, now=NOW,
                             data=NotificationRuleCreate(method_id=verified.id, medium="sms", delay_minutes=0))
    session.commit()
    return {"person": person.id, "m_fresh": fresh.id, "m_sent": sent.id, "code": code, "m_doomed": doomed.id,
            "m_verified": verified.id, "rule": rule.id}


def _dept_feed(session, unit_id):
    """The department's iCal feed, as the office made it."""
    ical.create_token(session=session, kind="unit", ref_id=unit_id, by=OFFICE)
    session.commit()
    return session.execute(select(FeedToken.id).where(FeedToken.ref_id == unit_id)).scalar_one()


def _swap(slot, to):
    from models.rosters.duty import SwapCreate

    return SwapCreate(slot_id=slot.id, counterpart_id=to, reason="家中有事")


def _leave(person_id, acting_id, start=date(2027, 1, 5)):
    return LeaveCreate(person_id=person_id, start_day=start, end_day=start + timedelta(days=1), destination="市里",
                       reason="开会", contact="13900002222", arrangements="工作已安排", acting_person_id=acting_id)


@dataclass
class Case:
    method: str
    path: str  # the route's template
    url: str  # with the world's ids
    json: dict | None = None
    form: dict | None = None
    files: dict | None = None
    refused: tuple[str, ...] = ("unit_reporter",)  # roles that must be refused
    ok_as: str = "duty_officer"  # who may do it (a token name, or "counterpart")
    label: str = field(default="")


def cases(w: dict) -> list[Case]:
    d, m, inc, item = w["dept"], MONTH, w["incident"], w["item"]
    leave_body = _leave(w["leader"], w["acting"], date(2027, 1, 12)).model_dump(mode="json")
    person_scoped = ("unit_reporter", "leader")
    xlsx = {"file": ("roster.xlsx", w["xlsx"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    return [
        Case("POST", "/api/spotchecks/explanations/{request_id}/answer",
             f"/api/spotchecks/explanations/{w['explanation']}/answer", json={"answer": "已整改"}),
        Case("POST", "/api/handovers", "/api/handovers", json={"unit_id": str(d), "day": "2027-01-20"}),
        Case("POST", "/api/handovers/{handover_id}/sign", f"/api/handovers/{w['handover']}/sign", json={"done": []}),
        Case("POST", "/api/duty-log", "/api/duty-log", json={"unit_id": str(d), "day": w["day"], "content": "平稳"}),
        Case("POST", "/api/rosters/{unit_id}/{month}/import", f"/api/rosters/{d}/{m}/import", files=xlsx),
        Case("POST", "/api/rosters/{unit_id}/import", f"/api/rosters/{d}/import?dry_run=false", files=xlsx),
        Case("POST", "/api/ical-feeds", "/api/ical-feeds", json={"kind": "unit", "ref_id": str(d)}, label="unit"),
        Case("POST", "/api/ical-feeds", "/api/ical-feeds", json={"kind": "person", "ref_id": str(w["leader"])},
             refused=person_scoped, label="person"),
        Case("DELETE", "/api/ical-feeds/{feed_id}", f"/api/ical-feeds/{w['feed']}", refused=person_scoped),
        Case("POST", "/rosters/feeds/{feed_id}/revoke", f"/rosters/feeds/{w['feed']}/revoke", form={},
             refused=person_scoped),
        Case("PUT", "/api/rosters/{unit_id}/posts/{post}", f"/api/rosters/{d}/posts/leader",
             json={"label": "带班领导", "count": 1}),
        Case("PUT", "/api/rosters/{unit_id}/posts/{post}/pool", f"/api/rosters/{d}/posts/officer/pool",
             json={"people": [str(x) for x in w["officers"]]}),
        Case("POST", "/rosters/{unit_id:uuid}/posts", f"/rosters/{d}/posts",
             form={"name": "leader", "label": "带班领导", "count": "1"}),
        Case("POST", "/rosters/{unit_id:uuid}/posts/defaults", f"/rosters/{d}/posts/defaults", form={}),
        Case("PATCH", "/api/rosters/{unit_id}/policy", f"/api/rosters/{d}/policy", json={"min_rest_hours": 12}),
        Case("POST", "/api/rosters/{unit_id}/{month}/generate", f"/api/rosters/{d}/{LATER}/generate", json={}),
        Case("POST", "/api/rosters/{unit_id}/{month}/publish", f"/api/rosters/{d}/{m}/publish"),
        Case("PATCH", "/api/rosters/slots/{slot_id}", f"/api/rosters/slots/{w['slot']}",
             json={"person_id": str(w["officers"][3]), "reason": "调整"}),
        Case("POST", "/api/leaves", "/api/leaves", json=leave_body, refused=person_scoped),
        Case("POST", "/api/leaves/{leave_id}/return", f"/api/leaves/{w['leave']}/return", refused=person_scoped),
        Case("POST", "/api/leaves/{leave_id}/cancel", f"/api/leaves/{w['leave']}/cancel", refused=person_scoped),
        Case("POST", "/api/swaps", "/api/swaps", json={"slot_id": w["free"], "counterpart_id": str(w["free_to"])},
             refused=person_scoped),
        Case("POST", "/api/swaps/{swap_id}/confirm", f"/api/swaps/{w['swap']}/confirm", refused=person_scoped,
             ok_as="counterpart"),
        Case("POST", "/api/swaps/{swap_id}/decide", f"/api/swaps/{w['confirmed']}/decide", json={"approve": True}),
        Case("POST", "/api/swaps/{swap_id}/cancel", f"/api/swaps/{w['swap']}/cancel", refused=person_scoped),
        Case("POST", "/api/incidents", "/api/incidents", json=landslide(d, NOW, title="另一起事件")),
        Case("PATCH", "/api/incidents/{incident_id}", f"/api/incidents/{inc}", json={"place": "别处"}),
        Case("POST", "/api/incidents/{incident_id}/reports", f"/api/incidents/{inc}/reports",
             json={"kind": "followup", "content": "续报"}),
        Case("POST", "/api/incidents/{incident_id}/ack", f"/api/incidents/{inc}/ack",
             json={"via": "console", "person_id": str(w["head"])}, refused=("leader",)),
        Case("POST", "/api/incidents/{incident_id}/receipt", f"/api/incidents/{inc}/receipt", json={},
             refused=("leader",)),
        Case("POST", "/api/incidents/{incident_id}/reports/{report_id}/resend",
             f"/api/incidents/{inc}/reports/{w['report']}/resend", json={}),
        Case("POST", "/api/incidents/{incident_id}/reports/{report_id}/phoned",
             f"/api/incidents/{inc}/reports/{w['report']}/phoned", json={"caller": "值班员", "reached": "市值班室"}),
        Case("POST", "/incidents/{incident_id}/receipt", f"/incidents/{inc}/receipt", form={}, refused=("leader",)),
        # the same event reported twice by the department: merging another unit's incident is refused (404)
        Case("POST", "/api/incidents/{incident_id}/merge", f"/api/incidents/{w['incident2']}/merge",
             json={"into": str(inc)}),
        Case("POST", "/incidents/{incident_id}/merge", f"/incidents/{w['incident2']}/merge", form={"into": str(inc)}),
        Case("POST", "/incidents/{incident_id}/reports/{report_id}/resend",
             f"/incidents/{inc}/reports/{w['report']}/resend", form={}),
        Case("POST", "/incidents/{incident_id}/reports/{report_id}/phoned",
             f"/incidents/{inc}/reports/{w['report']}/phoned", form={"caller": "值班员", "reached": "市值班室"}),
        Case("POST", "/api/instruction-items/{item_id}/feedback", f"/api/instruction-items/{item}/feedback",
             json={"text": "已办理"}),
        Case("POST", "/api/phone-log", "/api/phone-log",
             json={"at": NOW.isoformat(), "caller": "某人", "content": "来电", "incident_id": inc}),
        Case("POST", "/spotchecks/explanations/{request_id}/answer",
             f"/spotchecks/explanations/{w['explanation']}/answer", form={"answer": "已整改"}),
        Case("POST", "/incidents/new", "/incidents/new", form={**{k: str(v) for k, v in landslide(
            d, NOW, title="另一起事件").items() if k not in ("grade", "grade_override_reason")},
            "received_at": "2026-12-10T09:50", "occurred_at": "2026-12-10T09:30"}),
        Case("POST", "/incidents/{incident_id}/reports", f"/incidents/{inc}/reports",
             form={"kind": "final", "channel": "written", "situation": "已处置", "handling": "完毕", "cause": "降雨",
                   "aftermath": "安置完毕", "injured": "2"}),
        Case("POST", "/incidents/{incident_id}/items/{item_id}/feedback", f"/incidents/{inc}/items/{item}/feedback",
             form={"text": "已办理"}),
        Case("POST", "/rosters/{unit_id}/{month}/upload", f"/rosters/{d}/{m}/upload", files=xlsx),
        *(Case("POST", "/rosters/{unit_id}/{month}/{action}", f"/rosters/{d}/{month}/{action}", form={}, label=action)
          for action, month in (("generate", LATER), ("publish", m), ("ical", m))),
        Case("POST", "/leaves", "/leaves", form={k: v for k, v in leave_body.items() if v is not None},
             refused=person_scoped),
        Case("POST", "/leaves/{leave_id}/{action}", f"/leaves/{w['pending_leave']}/approve", form={}, label="approve",
             refused=person_scoped),
        *(Case("POST", "/leaves/{leave_id}/{action}", f"/leaves/{w['leave']}/{action}", form={}, label=action,
               refused=person_scoped) for action in ("return", "cancel")),
        Case("POST", "/swaps", "/swaps", form={"slot_id": str(w["free"]), "counterpart_id": str(w["free_to"])},
             refused=person_scoped),
        Case("POST", "/swaps/{swap_id}/{action}", f"/swaps/{w['swap']}/confirm", form={}, label="confirm",
             refused=person_scoped, ok_as="counterpart"),
        *(Case("POST", "/swaps/{swap_id}/{action}", f"/swaps/{w['confirmed']}/{action}", form={}, label=action)
          for action in ("approve", "reject")),
        Case("POST", "/swaps/{swap_id}/{action}", f"/swaps/{w['swap']}/cancel", form={}, label="cancel",
             refused=person_scoped),
        *(Case("POST", "/handovers/{unit_id}/{action}", f"/handovers/{d}/{action}", form=form, label=action)
          for action, form in (("open", {"day": "2027-01-21"}), ("sign", {"handover_id": str(w["handover"])}),
                               ("log", {"kind": "note", "content": "平稳"}))),
        Case("POST", "/api/rosters/gaps/{gap_id}/fill", f"/api/rosters/gaps/{w['gap']}/fill",
             json={"person_id": str(w["acting"])}),
        Case("POST", "/rosters/gaps/{gap_id}/fill", f"/rosters/gaps/{w['gap']}/fill", form={"person_id": str(w["acting"])}),
        *contact_cases(w),
    ]


def contact_cases(w: dict) -> list[Case]:
    """A person's contact methods and notification rules: managed by the office, the person, or their own unit."""
    api, page = f"/api/people/{w['person']}", f"/people/{w['person']}/contacts"
    scoped = ("unit_reporter", "leader")  # the demo leader is another person, of the hub
    return [
        Case("POST", "/api/people/{person_id}/contact-methods", f"{api}/contact-methods",
             json={"kind": "mobile", "value": "13900005559"}, refused=scoped),
        Case("DELETE", "/api/people/{person_id}/contact-methods/{method_id}", f"{api}/contact-methods/{w['m_doomed']}",
             refused=scoped),
        Case("POST", "/api/people/{person_id}/contact-methods/{method_id}/send-code",
             f"{api}/contact-methods/{w['m_fresh']}/send-code", refused=scoped),
        Case("POST", "/api/people/{person_id}/contact-methods/{method_id}/verify",
             f"{api}/contact-methods/{w['m_sent']}/verify", json={"code": w["code"]}, refused=scoped),
        Case("POST", "/api/people/{person_id}/notification-rules", f"{api}/notification-rules",
             json={"method_id": str(w["m_verified"]), "medium": "voice", "delay_minutes": 5}, refused=scoped),
        Case("DELETE", "/api/people/{person_id}/notification-rules/{rule_id}", f"{api}/notification-rules/{w['rule']}",
             refused=scoped),
        Case("POST", "/people/{person_id}/contacts/new", f"{page}/new", form={"kind": "mobile", "value": "13900005559"},
             refused=scoped),
        Case("POST", "/people/{person_id}/contacts/{method_id}/send-code", f"{page}/{w['m_fresh']}/send-code", form={},
             refused=scoped),
        Case("POST", "/people/{person_id}/contacts/{method_id}/verify", f"{page}/{w['m_sent']}/verify",
             form={"code": w["code"]}, refused=scoped),
        Case("POST", "/people/{person_id}/contacts/{method_id}/delete", f"{page}/{w['m_doomed']}/delete", form={},
             refused=scoped),
        Case("POST", "/people/{person_id}/contacts/rules/new", f"{page}/rules/new",
             form={"via": f"{w['m_verified']}:voice", "delay_minutes": "5"}, refused=scoped),
        Case("POST", "/people/{person_id}/contacts/rules/{rule_id}/delete", f"{page}/rules/{w['rule']}/delete", form={},
             refused=scoped),
        # duty codes (值班识别码): an admin, or the reporter of the person's own unit
        Case("PUT", "/api/people/{person_id}/duty-code", f"{api}/duty-code", json={"code": "4821"},
             refused=(*scoped, "duty_officer"), ok_as="admin"),
        Case("DELETE", "/api/people/{person_id}/duty-code", f"{api}/duty-code", refused=(*scoped, "duty_officer"),
             ok_as="admin"),
        Case("POST", "/people/{person_id}/duty-code", f"/people/{w['person']}/duty-code", form={"code": "4821"},
             refused=(*scoped, "duty_officer"), ok_as="admin"),
        Case("POST", "/people/{person_id}/duty-code/clear", f"/people/{w['person']}/duty-code/clear", form={},
             refused=(*scoped, "duty_officer"), ok_as="admin"),
    ]


REACHABLE = sorted({(e.method, e.path) for e in ENDPOINTS if e.method in ("POST", "PUT", "PATCH", "DELETE")
                    and (e.allows(Role.unit_reporter) or e.allows(Role.leader))})
PLACEHOLDER = {k: uuid.UUID(int=0) for k in ("dept", "leader", "acting", "mover", "swap", "confirmed", "leave",
                                             "pending_leave", "handover", "head", "report",
                                             "incident", "incident2", "item", "explanation", "counterpart", "feed", "gap",
                                             "person", "m_fresh", "m_sent", "m_doomed", "m_verified", "rule")}
CASES = cases({**PLACEHOLDER, "slot": 0, "free": 0, "free_to": uuid.UUID(int=0), "day": "2027-01-01", "counterpart_token": "", "code": "", "officers": [uuid.UUID(int=0)] * 4,
               "xlsx": b""})  # the cases' shape only, for the ids and the coverage check


def test_every_reachable_write_has_a_case():
    covered = {(c.method, c.path) for c in CASES} | set(NOT_SCOPED)
    missing = [f"{m} {p}" for m, p in REACHABLE if (m, p) not in covered]
    assert not missing, "writes a unit reporter or a leader can reach, with no scope case:\n" + "\n".join(missing)


def _refusals(session) -> int:
    table = SQLModel.metadata.tables["audit_entry"]
    session.expire_all()
    return session.execute(select(func.count()).select_from(table).where(table.c.action == "access_refused")).scalar()


def _fingerprint(session) -> dict[str, int]:
    """Rows per table (every change also writes an audit entry, so an update shows as one more row)."""
    session.expire_all()
    out = {t.name: session.execute(select(func.count()).select_from(t)).scalar()
           for t in SQLModel.metadata.sorted_tables if t.name not in ("login_session", "api_token")}
    refusals = SQLModel.metadata.tables["audit_entry"]  # a refusal is audited ("access_refused"): not a change
    out["audit_entry"] -= session.execute(select(func.count()).select_from(refusals)
                                          .where(refusals.c.action == "access_refused")).scalar()
    return out


def _send(client, case: Case, headers: dict):
    if case.form is not None or (case.files is not None and not case.path.startswith("/api/")):
        return client.request(case.method, case.url, headers=headers, data=case.form or {}, files=case.files,
                              follow_redirects=False)
    return client.request(case.method, case.url, headers=headers, json=case.json, files=case.files,
                          follow_redirects=False)


def _refused(r) -> bool:
    """403 or 404, from the API and the console alike: a console form answers the refusal page with its status, never
    a redirect back with a flash (a script, or a person reading the page, must see that nothing was done)."""
    return r.status_code in (403, 404)


def _console_headers(client, session, users, role: str) -> dict:
    from web.deps import CSRF_HEADER, SESSION_COOKIE

    token, login = accounts.start_session(session=session, user=users[role], now=NOW, hours=1)
    session.commit()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: login.csrf_token}


@pytest.mark.parametrize("index", range(len(CASES)), ids=lambda i: f"{CASES[i].method} {CASES[i].path} "
                         f"{CASES[i].label}".strip())
def test_another_units_ids_are_refused_and_change_nothing(index, client, session, users, tokens, world):
    case = cases(world)[index]
    api = case.path.startswith("/api/")
    refused_before = _refusals(session)
    for role in case.refused:
        headers = tokens[role] if api else _console_headers(client, session, users, role)
        before = _fingerprint(session)
        r = _send(client, case, headers)
        assert _refused(r), f"{case.method} {case.url} as {role}: {r.status_code} {r.headers.get('location', '')} " \
                            f"{r.text[:300]}"
        assert _fingerprint(session) == before, f"{case.method} {case.url} as {role} changed the database"
        if not api:  # the console's refusal page, in its language, and the refusal recorded as every other is
            assert '<html lang="zh-CN"' in r.text, f"{case.method} {case.url} as {role}: not a console page"
            assert _refusals(session) > refused_before, f"{case.method} {case.url} as {role}: not audited"
            session.commit()  # the one shared session: the next request's rollback must not take the entry with it
            refused_before = _refusals(session)
    if case.ok_as == "counterpart":
        headers = {"Authorization": f"Bearer {world['counterpart_token']}"} if api else _counterpart_cookie(
            client, session, world)
    else:
        headers = tokens[case.ok_as] if api else _console_headers(client, session, users, case.ok_as)
    r = _send(client, case, headers)
    assert r.status_code < 400 and not read_flash(r.cookies.get(FLASH_COOKIE)).get("error"), (
        f"the control failed: {case.method} {case.url} as {case.ok_as}: {r.status_code} "
        f"{r.headers.get('location', '')} {r.text[:300]}")


def _counterpart_cookie(client, session, world) -> dict:
    from web.deps import CSRF_HEADER, SESSION_COOKIE

    user = session.exec(select(User).where(User.username == "dept_counterpart")).scalars().one()
    token, login = accounts.start_session(session=session, user=user, now=NOW, hours=1)
    session.commit()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: login.csrf_token}


def test_leaves_and_handovers_fixtures_are_the_departments(session, world):
    """The walk is only meaningful if the world's records belong to the other unit."""
    assert session.get(LeaveReport, world["leave"]).unit_id == world["dept"]
    assert session.get(Handover, world["handover"]).unit_id == world["dept"]
    assert session.get(Swap, world["swap"]).unit_id == world["dept"]
    assert uuid.UUID(str(world["dept"])) != uuid.UUID(int=0)


def test_another_units_people_cannot_be_named_in_ones_own_units_records(client, session, directory, tokens, world):
    """A unit reporter may not tie another unit's people into their own unit's leave (主持工作) or handover (接班人);
    the office may not either: those are the same unit's people by definition."""
    client.app.state.clock = lambda: NOW
    town = directory["town"]
    mine = org.create_person(session=session, actor="test", data=PersonCreate(name="镇领导", title="副镇长",
                                                                               unit_id=town.id, mobile="13900003333"))
    session.commit()
    before = _fingerprint(session)
    for role in ("unit_reporter", "duty_officer"):
        leave = _leave(mine.id, world["leader"], date(2027, 1, 15)).model_dump(mode="json")
        r = client.post("/api/leaves", headers=tokens[role], json=leave)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "acting_person_id"], r.text
        r = client.post("/api/handovers", headers=tokens[role], json={
            "unit_id": str(town.id), "day": "2027-01-22", "incoming_id": str(world["officers"][0])})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "incoming_id"], r.text
    assert _fingerprint(session) == before
