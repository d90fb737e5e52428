"""Spot-check console, continued: roll-calls, inspections, circulars (print page), explanations, notices,
auditor exports and the statistics page with inline-SVG charts."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, select

from core.errors import ServiceError
from models.spotchecks.inspections import (
    Circular,
    Inspection,
    InspectionCreate,
    ReminderNotice,
    ReminderNoticeCreate,
    RollCallUnit,
    VideoRollCall,
    VideoRollCallCreate,
)
from rules.spotchecks.outcomes import Outcome
from services.directory import org
from services.spotchecks import circulars, docs, exports, plans, records, report, stats
from web.api.spotchecks.records import export_file
from web.console import charts
from web.console.forms import field_errors
from web.console.i18n import translate
from web.console.render import language, page, render
from web.deps import Caller, get_session, now_utc

router = APIRouter()


def _records_page(request, c, session, status_code=200, errors=None):
    return render(request, "spotcheck_records.html", c, status_code=status_code, errors=errors or {},
                  units=plans.checkable_units(session), outcomes=list(Outcome), tz=request.app.state.settings.tz,
                  calls=session.exec(select(VideoRollCall).order_by(VideoRollCall.held_at.desc()).limit(30)).all(),
                  inspections=session.exec(select(Inspection).order_by(Inspection.held_at.desc()).limit(30)).all(),
                  notices=session.exec(select(ReminderNotice).order_by(ReminderNotice.issued_at.desc())).all())


@router.get("/spotchecks/records")
def records_page(request: Request, c: Caller = Depends(page("spotchecks:read")), session: Session = Depends(get_session)):
    return _records_page(request, c, session)


def _held_at(form, request) -> datetime:
    raw = form.get("held_at") or ""
    if not raw:
        return now_utc(request)
    return datetime.fromisoformat(raw).replace(tzinfo=request.app.state.settings.tz)


@router.post("/spotchecks/records/video")
async def video_create(request: Request, c: Caller = Depends(page("spotchecks:write")),
                       session: Session = Depends(get_session)):
    form = await request.form()
    present = set(form.getlist("present"))
    try:
        units = [RollCallUnit(unit_id=uuid.UUID(u), present=u in present) for u in form.getlist("called")]
        data = VideoRollCallCreate(held_at=_held_at(form, request), title=form.get("title", ""), units=units,
                                   findings=form.get("findings", ""))
        records.record_roll_call(session=session, data=data, actor=c.actor, now=now_utc(request),
                                 settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        return _records_page(request, c, session, 422, field_errors(exc))
    except ValueError as exc:
        session.rollback()
        return _records_page(request, c, session, 422, {"held_at": str(exc)})
    return RedirectResponse("/spotchecks/records", status_code=303)


@router.post("/spotchecks/records/inspection")
async def inspection_create(request: Request, c: Caller = Depends(page("spotchecks:write")),
                            session: Session = Depends(get_session)):
    form = await request.form()
    now = now_utc(request)
    split = lambda key: [x.strip() for x in (form.get(key) or "").replace("，", ",").split(",") if x.strip()]  # noqa: E731
    try:
        data = InspectionCreate(held_at=_held_at(form, request), inspectors=split("inspectors"), places=split("places"),
                                unit_ids=[uuid.UUID(u) for u in form.getlist("unit_ids")],
                                outcome=form.get("outcome") or "normal", findings=form.get("findings", ""))
        row = records.record_inspection(session=session, data=data, actor=c.actor, now=now,
                                        settings=request.app.state.settings)
        upload = form.get("file")
        if upload is not None and getattr(upload, "filename", ""):
            content = await upload.read(request.app.state.settings.spotchecks.attachment_max_bytes + 1)
            records.add_attachment(session=session, inspection_id=row.id, filename=upload.filename, content=content,
                                   actor=c.actor, now=now, settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        return _records_page(request, c, session, getattr(exc, "status", 422), field_errors(exc))
    except ValueError as exc:
        session.rollback()
        return _records_page(request, c, session, 422, {"held_at": str(exc)})
    return RedirectResponse("/spotchecks/records", status_code=303)


@router.post("/spotchecks/notices")
async def notice_create(request: Request, c: Caller = Depends(page("spotchecks:write")),
                        session: Session = Depends(get_session)):
    form = await request.form()
    try:
        records.issue_notice(session=session, data=ReminderNoticeCreate(title=form.get("title", ""),
                             body=form.get("body", "")), actor=c.actor, now=now_utc(request),
                             settings=request.app.state.settings)
        session.commit()
    except (ValidationError, ServiceError) as exc:
        session.rollback()
        return _records_page(request, c, session, 422, field_errors(exc))
    return RedirectResponse("/spotchecks/records", status_code=303)


@router.get("/spotchecks/circulars")
def circular_list(request: Request, c: Caller = Depends(page("spotchecks:read")), session: Session = Depends(get_session)):
    rows = session.exec(select(Circular).order_by(Circular.year.desc(), Circular.month.desc())).all()
    return render(request, "circulars.html", c, circulars=rows, errors={})


@router.post("/spotchecks/circulars")
async def circular_issue(request: Request, c: Caller = Depends(page("spotchecks:write")),
                         session: Session = Depends(get_session)):
    form = await request.form()
    s = request.app.state.settings
    try:
        row = circulars.issue(session=session, year=int(form.get("year") or 0), month=int(form.get("month") or 0),
                              actor=c.actor, now=now_utc(request), settings=s)
        session.commit()
    except (ServiceError, ValueError) as exc:
        session.rollback()
        rows = session.exec(select(Circular).order_by(Circular.year.desc(), Circular.month.desc())).all()
        errs = field_errors(exc) if isinstance(exc, ServiceError) else {"month": str(exc)}
        return render(request, "circulars.html", c, status_code=422, circulars=rows, errors=errs)
    return RedirectResponse(f"/spotchecks/circulars/{row.id}/print", status_code=303)


@router.get("/spotchecks/circulars/{circular_id}/print")
def circular_print(circular_id: uuid.UUID, request: Request, c: Caller = Depends(page("spotchecks:read")),
                   session: Session = Depends(get_session)):
    row = session.get(Circular, circular_id)
    if row is None:
        raise ServiceError("未找到该通报 (circular not found)", field="circular_id")
    view = circulars.issued_view(session, row, request.app.state.settings)
    return render(request, "circular_print.html", c, circular=row, view=view, layout=docs.circular_layout(view))


@router.get("/spotchecks/explanations")
def explanations(request: Request, c: Caller = Depends(page("explanations:read")),
                 session: Session = Depends(get_session)):
    names = {u.id: u.name for u in org.list_units(session=session, include_inactive=True)}
    s, now = request.app.state.settings, now_utc(request)
    rows = circulars.explanations_for(session=session, by=c.by)
    overdue = {r.id for r in circulars.overdue_explanations(session, now, s, c.by.scope)}
    due = {r.id: circulars.due_of(r, s) for r in rows}
    return render(request, "explanations.html", c, rows=rows, names=names, overdue=overdue, due=due, tz=s.tz)


@router.post("/spotchecks/explanations/{request_id}/answer")
async def explanation_answer(request_id: uuid.UUID, request: Request, c: Caller = Depends(page("explanations:answer")),
                             session: Session = Depends(get_session)):
    form = await request.form()
    circulars.answer_explanation(session=session, request_id=request_id, text=form.get("answer", ""), by=c.by,
                                 now=now_utc(request))
    session.commit()
    return RedirectResponse("/spotchecks/explanations", status_code=303)


@router.get("/spotchecks/export")
def export_form(request: Request, c: Caller = Depends(page("spotchecks:export")), session: Session = Depends(get_session)):
    return _export_page(request, c, session)


def _export_page(request, c, session, values=None, errors=None, status_code=200):
    return render(request, "spotcheck_export.html", c, status_code=status_code, values=values or {},
                  errors=errors or {}, units=plans.checkable_units(session), outcomes=list(Outcome))


def _export_filter(q) -> tuple[exports.ExportFilter, dict[str, str]]:
    """The form's filter; blank fields mean "any", a malformed one is named (the form is not the API)."""
    errors, parsed = {}, {}
    for name in ("since", "until"):
        try:
            parsed[name] = date.fromisoformat(q[name]) if q.get(name) else None
        except ValueError:
            errors[name] = "请输入有效日期"
    try:
        parsed["unit_id"] = uuid.UUID(q["unit_id"]) if q.get("unit_id") else None
    except ValueError:
        errors["unit_id"] = "请选择列表中的单位"
    f = exports.ExportFilter(since=parsed.get("since"), until=parsed.get("until"), unit_id=parsed.get("unit_id"),
                             kind=q.get("kind", ""), outcome=q.get("outcome", ""))
    if not errors:
        try:
            f.check()
        except ServiceError as exc:
            errors = field_errors(exc)
    return f, errors


@router.get("/spotchecks/export/file")
def export_download(request: Request, c: Caller = Depends(page("spotchecks:export")),
                    session: Session = Depends(get_session)):
    """The export form's answer: the file, or the form again with each problem at its field."""
    q = dict(request.query_params)
    f, errors = _export_filter(q)
    fmt = q.get("format") or "xlsx"
    if fmt not in ("csv", "xlsx"):
        errors["format"] = "导出格式须为 Excel 或 CSV"
    if errors:
        return _export_page(request, c, session, values=q, errors=errors, status_code=422)
    return export_file(request, session, f, fmt, q.get("unmask") == "true", c.actor)


@router.get("/statistics")
def statistics(request: Request, year: int | None = Query(None, ge=2000, le=2100), c: Caller = Depends(page("statistics:read")),
               session: Session = Depends(get_session)):
    tz = request.app.state.settings.tz
    year = year or now_utc(request).astimezone(tz).year
    r = report.yearly_report(session=session, year=year, settings=request.app.state.settings)
    months = stats.months(session, year, tz)
    lang = language(request, c)
    labels = [translate(f"month.short.{m['month']}", lang) for m in months]
    return render(request, "statistics.html", c, year=year, r=r, months=months,
                  outcomes=stats.outcome_counts(session, year, tz),
                  heat=charts.heatmap(stats.unit_compliance(session, year, tz),
                                      title=translate("stats.heat_title", lang),
                                      month_names=[translate(f"month.short.{n}", lang) for n in range(1, 13)],
                                      unchecked=translate("stats.unchecked", lang)),
                  rings=charts.bars([m["mean_rings"] for m in months], labels, unit=translate("stats.rings_unit", lang),
                                    title=translate("stats.rings_title", lang)),
                  phone=charts.bars([m["phone"] for m in months], labels, unit=translate("stats.checks_unit", lang),
                                    title=translate("stats.phone_title", lang)))
