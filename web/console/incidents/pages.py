"""Incident console: the board (by urgency, live countdowns), intake form, incident page and its actions.

A thin shell like the API: each handler passes the caller (`c.by`) to the same service call, which decides what
it may see and change. A record the caller may not see or change answers with an error page (404/403), never a
redirect back to it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, in_language
from rules.incidents import Category
from services.directory import org
from services.incidents import acks, board, intake, merge, reports, upward
from web.access import allowed
from services.incidents import instructions as ins
from services.incidents.schemas import (
    GradeIn,
    IncidentIn,
    InstructionIn,
    ReportIn,
    TYPED,
)
from web.console.forms import back, field_errors, from_form, raise_refusal
from web.console.incidents import grading  # noqa: F401  (the templates' grade_reason)
from web.console import notes  # noqa: F401  (the timeline's service_note, whom, builtin_title)
from services.times import FORM
from web.console.i18n import translate
from web.console.render import language, page, render
from web.problems import bilingual
from web.deps import Caller, Refused, get_session, now_utc
from web.fragments import live_page

router = APIRouter()
FIGURES = ("deaths", "seriously_injured", "injured", "missing")
# a refusal names the field as the form labels it (the words' keys), in the error summary
INTAKE_LABELS = {"title": "inc.title", "category": "inc.category", "type": "inc.type", "unit_id": "inc.unit",
                 "unit_code": "inc.unit", "received_at": "inc.received_at", "occurred_at": "inc.occurred_at",
                 "place": "inc.place", "source": "inc.source", "reporter": "inc.reporter",
                 "reporter_contact": "inc.contact", "scope": "inc.scope", "measures": "inc.measures",
                 "leader_on_site": "inc.leader_on_site", "grade": "inc.grade",
                 "grade_override_reason": "inc.override_reason", **{f: f"inc.{f}" for f in FIGURES}}
# the incident page's small forms (handled by _act): field -> the label the form shows it by
ACTION_LABELS = {"at": "inc.phoned_at", "caller": "inc.phoned_by", "reached": "inc.phoned_to",
                 "by_name": "inc.page.by_name", "text": "inc.page.ins_text", "unit_id": "inc.page.units",
                 "urgency": "inc.page.urgency", "grade": "inc.grade", "reason": "inc.override_reason"}
REPORT_LABELS = {"kind": "inc.page.report_kind", "channel": "inc.page.channel", "content": "inc.page.content",
                 "reported_at": "inc.page.reported_at", **{f: f"inc.{f}" for f in FIGURES},
                 **{n: f"enum.element.{n}" for n in ("situation", "handling", "cause", "aftermath")}}


def local_dt(request: Request, value: str | None, field: str) -> datetime | None:
    """A datetime-local form value in the office's time zone. A bad one (2026-02-30T08:00, abc) is refused at its own
    field with the reason the API gives (web/problems: 该月没有这一天, …), never Python's English."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(_why_not_a_time(value), field=field) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=request.app.state.settings.tz)


def _why_not_a_time(value: str) -> str:
    """pydantic's reading of a time Python refused, "中文 (English)" for the page to show in its language."""
    try:
        TypeAdapter(datetime).validate_python(value)
    except ValidationError as exc:
        return bilingual(exc.errors()[0])
    return f"{FORM} (time must read year-month-day hour:minute, e.g. 2026-12-01 08:00)"


@contextmanager
def refusals() -> Iterator[None]:
    """NotFound / Forbidden from a service as the console's error page with that status."""
    try:
        yield
    except (NotFound, Forbidden) as exc:
        if exc.refused_by:  # an access check's refusal: still audited (web/app.py)
            raise Refused(exc.refused_by, exc.status, exc.reason) from None
        raise HTTPException(exc.status, exc.reason) from None


def _form_ctx(session: Session, c: Caller) -> dict:
    return {"units": org.list_units(session=session, only=c.by.scope), "categories": list(Category)}


@router.get("/incidents")
def incidents(request: Request, closed: bool = False, c: Caller = Depends(page("incidents:read")),
              session: Session = Depends(get_session)):
    def whole():
        now = now_utc(request)
        rows = board.board(session, now, by=c.by, settings=request.app.state.settings, include_closed=closed)
        return render(request, "incidents.html", c, rows=rows, now=now, closed=closed,
                      brief=c.by.scope is None)  # the brief tells every unit: not for a unit reporter

    return live_page(request, c, (c.by.role, c.by.scope), whole)  # board() decides by the unit scope


@router.get("/incidents/new")
def new_form(request: Request, c: Caller = Depends(page("incidents:write")), session: Session = Depends(get_session)):
    now = now_utc(request).astimezone(request.app.state.settings.tz)
    values = {"received_at": now.strftime("%Y-%m-%dT%H:%M"), "unit_id": str(c.by.scope or "")}
    return render(request, "incident_form.html", c, values=values, errors={}, **_form_ctx(session, c))


@router.post("/incidents/new")
async def create(request: Request, c: Caller = Depends(page("incidents:write")),
                 session: Session = Depends(get_session)):
    form = await request.form()
    data = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    try:
        for key in ("occurred_at", "received_at"):
            data[key] = local_dt(request, data.get(key), key)
        for flag in ("sensitive", "first_report"):
            data[flag] = flag in form
        given = from_form(IncidentIn, data, context=TYPED)  # figures as typed
        inc = intake.open_incident(session=session, data=given, by=c.by, now=now_utc(request),
                                   settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        raise_refusal(exc)  # another unit named (403, only a hand-edited form can): the refusal page, audited
        errors = field_errors(exc)
        status = exc.status if isinstance(exc, ServiceError) else 422
        return render(request, "incident_form.html", c, status_code=status, values=dict(form), errors=errors,
                      error_labels=INTAKE_LABELS, **_form_ctx(session, c))
    return RedirectResponse(f"/incidents/{inc.id}", status_code=303)


@router.get("/incidents/tasks")
def tasks(request: Request, c: Caller = Depends(page("incidents:read")), session: Session = Depends(get_session)):
    def whole():  # live: a unit's 反馈 or the office's 办结 shows on every open tasks page
        names = {u.id: u.name for u in org.list_units(session=session, include_inactive=True)}
        return render(request, "incident_tasks.html", c, items=board.open_items(session, by=c.by), names=names,
                      now=now_utc(request))

    return live_page(request, c, c.by, whole)


@router.get("/incidents/{incident_id}")
def detail(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:read")),
           session: Session = Depends(get_session), error: str = ""):
    def whole():
        with refusals():
            d = board.detail(session, incident_id, now_utc(request), by=c.by, settings=request.app.state.settings)
        return _incident_page(request, c, session, d, error=error)

    return live_page(request, c, c.by, whole)  # the caller's own acknowledgement shows: the whole actor


def _incident_page(request: Request, c: Caller, session: Session, d, status_code: int = 200, **ctx):
    units = org.list_units(session=session, include_inactive=True)
    merge_q = request.query_params.get("merge_q", "")[:100]  # the merge form's title search
    into = merge.targets(session, d["incident"], c.by, q=merge_q) if allowed(c.user.role, "incidents:write") else []
    return render(request, "incident.html", c, status_code=status_code, d=d, now=now_utc(request),
                  units=[u for u in units if u.active], unit_names={u.id: u.name for u in units},
                  error_labels=REPORT_LABELS, merge_targets=into, merge_q=merge_q, **ctx)


def action_error(exc: Exception, labels: dict[str, str]) -> str:
    """A refused small form's reasons as one bilingual line, "标签：原因 (Label: reason)", for the page to show in its
    language: each field by the label the form shows it by, never its internal name ("at: …")."""
    zh, en = [], []
    for name, reason in field_errors(exc).items():
        key = labels.get(re.sub(r"^items\[\d+\]\.", "", name))
        zr, er = in_language(reason, "zh-CN"), in_language(reason, "en")
        zh.append(f"{translate(key, 'zh-CN')}：{zr}" if key else zr)
        en.append(f"{translate(key, 'en')}: {er}" if key else er)
    english = "; ".join(en).replace("(", "[").replace(")", "]")
    return f"{'；'.join(zh)} ({english})" if english != "；".join(zh) else english


async def _act(request: Request, incident_id: uuid.UUID, session: Session, fn, labels: dict[str, str] | None = None):
    """Run one form action: refused ones as an error page, bad input back on the incident page, then commit.
    `labels`: the form's field -> its label key (ACTION_LABELS, or the feedback form's own)."""
    form = await request.form()
    try:
        fn({k: v for k, v in form.items() if k != "csrf_token"}, form)
        session.commit()
    except (ValidationError, ServiceError, ValueError) as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice on the incident
        msg = action_error(exc, labels or ACTION_LABELS) if not type(exc) is ValueError else str(exc)
        return back(f"/incidents/{incident_id}", error=msg)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/reports")
async def add_report(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:write")),
                     session: Session = Depends(get_session)):
    """A refused report comes back on the incident page with what was typed and the reason at its field."""
    form = await request.form()
    typed = {k: v for k, v in form.items() if k != "csrf_token"}
    try:
        with refusals():
            data = {k: v for k, v in typed.items() if v != ""}
            data["reported_at"] = local_dt(request, data.get("reported_at"), "reported_at")
            kind, _, medium = str(data.get("kind", "")).partition(":")
            if kind == "first" and medium:  # the form's 首报（电话）/首报（书面）: the option names the medium
                data["kind"], data["channel"] = kind, medium
            data["send_upward"] = "send_upward" in form
            data["confirm_unverified"] = "confirm_unverified" in form
            reports.add_report(session=session, incident_id=incident_id, by=c.by,
                               data=from_form(ReportIn, data, context=TYPED),
                               now=now_utc(request), settings=request.app.state.settings)
            session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        errors = field_errors(exc)
        with refusals():
            d = board.detail(session, incident_id, now_utc(request), by=c.by, settings=request.app.state.settings)
        return _incident_page(request, c, session, d, status_code=getattr(exc, "status", 422), errors=errors,
                              report_values=typed)
    except HTTPException:
        session.rollback()
        raise
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/reports/{report_id}/resend")
async def resend_upward(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
                        c: Caller = Depends(page("incidents:write")), session: Session = Depends(get_session)):
    return await _act(request, incident_id, session, lambda data, form: upward.resend(
        session=session, incident_id=incident_id, report_id=report_id, by=c.by, now=now_utc(request),
        settings=request.app.state.settings))


@router.post("/incidents/{incident_id}/reports/{report_id}/phoned")
async def phoned_upward(incident_id: uuid.UUID, report_id: uuid.UUID, request: Request,
                        c: Caller = Depends(page("incidents:write")), session: Session = Depends(get_session)):
    """登记已电话报告; a refusal (a bad time, nobody reached) comes back on the incident page with what was typed
    and each reason at its field of that report's form, the summary naming the fields by their labels."""
    form = await request.form()
    data = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    return await _at_field(request, c, session, incident_id, lambda: upward.record_phoned(
        session=session, incident_id=incident_id, report_id=report_id, by=c.by, now=now_utc(request),
        at=local_dt(request, data.get("at"), "at"), caller=data.get("caller", ""), reached=data.get("reached", "")),
        errors_as="phoned_errors", summary=True, anchor="", phoned_report=report_id, phoned_values=data)


def _into(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _merge_confirm(request: Request, c: Caller, session: Session, incident_id: uuid.UUID, into: uuid.UUID | None):
    """The confirmation step: both incidents and what the merge does, checked as the merge checks (a refusal comes
    back on the incident page with its reason, another unit's incident is the refusal page); nothing written."""
    try:
        m = merge.preview(session=session, incident_id=incident_id, into_id=into, by=c.by)
    except ServiceError as exc:
        raise_refusal(exc)
        return back(f"/incidents/{incident_id}", error=exc.reason)
    units = {u.id: u.name for u in org.list_units(session=session, include_inactive=True)}
    return render(request, "incident_merge_confirm.html", c, m=m, unit_names=units)


@router.get("/incidents/{incident_id}/merge")
def merge_confirm(incident_id: uuid.UUID, request: Request, into: str = "",
                  c: Caller = Depends(page("incidents:write")), session: Session = Depends(get_session)):
    """合并前确认: the merge buttons and the chosen incident come here first (a link, a GET form: no script)."""
    return _merge_confirm(request, c, session, incident_id, _into(into))


@router.post("/incidents/{incident_id}/merge")
async def merge_into(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:write")),
                     session: Session = Depends(get_session)):
    """Merge this incident into the one chosen (同一事件) once confirmed on the confirmation page; the page then
    shows the one kept. Without `confirm` (a form from before the confirmation step) it shows that step instead of
    merging. A refusal (a unit reporter, into itself, into a merged incident) comes back on this page with its
    reason."""
    form = await request.form()
    into = _into(form.get("into", ""))
    if form.get("confirm") != "1":
        return _merge_confirm(request, c, session, incident_id, into)
    try:
        m = merge.merge(session=session, incident_id=incident_id, into_id=into, by=c.by, now=now_utc(request))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # another unit's incident, a unit reporter: refused (and audited)
        return back(f"/incidents/{incident_id}", error=exc.reason)  # worded in the page's language there
    return RedirectResponse(f"/incidents/{m.into.id}", status_code=303)


@router.post("/incidents/{incident_id}/grade")
async def set_grade(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:grade")),
                    session: Session = Depends(get_session)):
    return await _act(request, incident_id, session, lambda data, form: intake.set_grade(
        session=session, incident_id=incident_id, data=from_form(GradeIn, data), by=c.by,
        now=now_utc(request), settings=request.app.state.settings))


@router.post("/incidents/{incident_id}/ack")
async def ack(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:ack")),
              session: Session = Depends(get_session)):
    await request.form()
    try:
        acks.acknowledge(session=session, incident_id=incident_id, by=c.by, via="console", now=now_utc(request),
                         tz=request.app.state.settings.timezone)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)
        if isinstance(exc, Conflict):  # a page opened before another's acknowledgement settled it: nothing recorded
            return back(f"/incidents/{incident_id}", notice=exc.reason)
        return back(f"/incidents/{incident_id}", error=action_error(exc, ACTION_LABELS))
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/receipt")
async def receipt(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("incidents:ack")),
                  session: Session = Depends(get_session)):
    return await _act(request, incident_id, session, lambda data, form: acks.receive(
        session=session, incident_id=incident_id, by=c.by, now=now_utc(request)))


@router.post("/incidents/{incident_id}/instructions")
async def instruct(incident_id: uuid.UUID, request: Request, c: Caller = Depends(page("instructions:write")),
                   session: Session = Depends(get_session)):
    """牵头单位 (one) and 配合单位 (several) named apart; a refusal comes back at its field with what was chosen."""
    form = await request.form()
    typed = {"text": form.get("text", ""), "by_name": form.get("by_name", ""), "urgency": form.get("urgency", ""),
             "lead_unit_id": form.get("lead_unit_id", ""), "assist_unit_ids": form.getlist("assist_unit_ids")}

    def go():
        leader = c.by.person_id if c.user.role.value == "leader" else None  # the leader gives it: told of 反馈
        ins.record(session=session, incident_id=incident_id, by=c.by, now=now_utc(request),
                   settings=request.app.state.settings, data=InstructionIn(
                       text=typed["text"], by_name=typed["by_name"], by_person_id=leader,
                       urgency=typed["urgency"] or "general", lead_unit_id=typed["lead_unit_id"] or None,
                       assist_unit_ids=[u for u in typed["assist_unit_ids"] if u]))
    return await _at_field(request, c, session, incident_id, go, ins_values=typed)


@router.post("/incidents/{incident_id}/items/{item_id}/feedback")
async def item_feedback(incident_id: uuid.UUID, item_id: uuid.UUID, request: Request,
                        c: Caller = Depends(page("instructions:feedback")), session: Session = Depends(get_session)):
    """An empty 反馈 comes back at its field, the row still waiting (待反馈)."""
    form = await request.form()
    text = str(form.get("text", ""))
    return await _at_field(request, c, session, incident_id, lambda: ins.feedback(
        session=session, item_id=item_id, text=text, by=c.by, now=now_utc(request), incident_id=incident_id,
        settings=request.app.state.settings), fb_item=item_id, fb_text=text)


async def _at_field(request: Request, c: Caller, session: Session, incident_id: uuid.UUID, fn, *,
                    errors_as: str = "ins_errors", summary: bool = False, anchor: str = "#instructions", **typed):
    """Run a form's action on the incident page; bad input back on that page, each reason at the field that caused
    it in the page's language (`errors_as`: the template's name for them; `summary`: the labelled line at the top
    too; `typed`: what the form held, shown again)."""
    try:
        fn()
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        raise_refusal(exc)
        lang = language(request, c)
        errors = {k: in_language(v, lang) for k, v in field_errors(exc).items()}
        if summary:
            typed["error"] = action_error(exc, ACTION_LABELS)
        with refusals():
            d = board.detail(session, incident_id, now_utc(request), by=c.by, settings=request.app.state.settings)
        return _incident_page(request, c, session, d, status_code=getattr(exc, "status", 422),
                              **{errors_as: errors}, **typed)
    except HTTPException:
        session.rollback()
        raise
    return RedirectResponse(f"/incidents/{incident_id}{anchor}", status_code=303)


@router.post("/incidents/{incident_id}/items/{item_id}/accept")
async def item_accept(incident_id: uuid.UUID, item_id: uuid.UUID, request: Request,
                      c: Caller = Depends(page("instructions:accept")), session: Session = Depends(get_session)):
    return await _act(request, incident_id, session, lambda data, form: ins.decide(
        session=session, item_id=item_id, accept=True, by=c.by, now=now_utc(request), incident_id=incident_id))
