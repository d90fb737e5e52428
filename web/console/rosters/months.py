"""Console: roster calendar per unit/month (fairness, "why this person"), gaps, holiday table, print page."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import ServiceError
from core.spreadsheets import Limits
from models.rosters.roster import HolidayDayBase, HolidayKind
from rules.rosters.holiday_notice import NO_YEAR
from services.directory import org
from services.rosters import excel, gaps, holidays, ical, imports, publish
from services.rosters.policy import posts_of
from services.rosters.calendar import uncovered_years
from services.rosters.deadlines import holiday_deadlines
from services.rosters.generate import generate_month, month_key
from services.rosters import now_list
from services.rosters.views import month_view
from web.console.forms import back, raise_refusal
from web.console.render import language, page, render, words
from web.console.rosters import explain as _explain  # noqa: F401 - the templates' roster_why, roster_gap
from web.console.rosters import problems as _problems_words  # noqa: F401 - the templates' import_problem
from web import parsing
from web.console.rosters import imports as upload
from web.deps import Caller, get_session, now_utc

router = APIRouter()


def on_duty_panel(session: Session, now: datetime, c: Caller, settings) -> list[dict]:
    """The dashboard's main table: who is on duty now, at most `rosters.dashboard_on_duty_rows` units (problems
    first); past that a last row {"more": True, "total": units in all} for the link to /rosters/now."""
    found = now_list.first_rows(session=session, now=now, by=c.by, tz=settings.timezone,
                                limit=settings.rosters.dashboard_on_duty_rows)
    return found.rows + ([{"more": True, "total": found.total}] if found.more else [])


@router.get("/rosters")
def rosters(request: Request, unit_id: uuid.UUID | None = None, month: str | None = None,
            c: Caller = Depends(page("rosters:read")), session: Session = Depends(get_session)):
    return render(request, "rosters.html", c, **_context(request, c, session, unit_id, month))


def _context(request: Request, c: Caller, session: Session, unit_id: uuid.UUID | None, month: str | None) -> dict:
    settings = request.app.state.settings
    units = org.units_for(session=session, by=c.by)
    unit_id = unit_id or (units[0].id if units else None)
    month = month or month_key(now_utc(request).astimezone(settings.tz).date())
    view, found = None, []
    if unit_id is not None:
        view = month_view(session=session, unit_id=unit_id, month=month, tz=settings.timezone, by=c.by)
        first = date.fromisoformat(month + "-01")
        found = gaps.gaps_for(session=session, first=first, last=view["days"][-1].day if view["days"] else first,
                              by=c.by, unit_id=unit_id)
    # The page itself says when the month's year has no complete holiday calendar, so the warning
    # stays in view for as long as it is true, not only right after "generate".
    missing = uncovered_years(session=session, months=[month]) if _is_month(month) else []
    feeds = ical.list_feeds(session=session, by=c.by, kind="unit", ref_id=unit_id) if unit_id is not None else []
    has_posts = bool(posts_of(session, unit_id)) if unit_id is not None else True
    return dict(units=units, unit_id=unit_id, month=month, view=view, gaps=found, calendar_missing=missing,
                feeds=feeds, has_posts=has_posts, error=request.query_params.get("error", ""), notice=request.query_params.get("notice", ""))


def _problems(request: Request, c: Caller, problems: list[dict]) -> str:
    """A refused file's problems on one line, each with its row and column ("第3行 日期：…"); one about the whole
    file (row 0) as it is."""
    lang = language(request, c)
    return words("roster.error.sep", lang, None, {}).join(
        words("roster.error.row", lang, None, {"row": p["row"], "column": p["column"], "msg": p["msg"]})
        if p["row"] else p["msg"] for p in problems)


def _is_month(text: str) -> bool:
    try:
        date.fromisoformat(text + "-01")
    except ValueError:
        return False
    return True


@router.post("/rosters/feeds/{feed_id}/revoke")
def feed_revoke(request: Request, feed_id: uuid.UUID, c: Caller = Depends(page("rosters:read")),
                session: Session = Depends(get_session)):
    """End an iCal subscription URL (audited); the services decide who may."""
    row = session.get(ical.FeedToken, feed_id)
    url = f"/rosters?unit_id={row.ref_id}" if row is not None and row.kind == "unit" else "/rosters"
    try:
        ical.revoke(session=session, feed_id=feed_id, by=c.by, now=now_utc(request))
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/rosters", error=exc.reason)
    session.commit()
    return back(url, notice="feed_revoked")


# Declared before the generic action route, which would otherwise catch "upload" as an action.
@router.post("/rosters/{unit_id}/{month}/upload")
async def roster_import(request: Request, unit_id: uuid.UUID, month: str, c: Caller = Depends(page("rosters:write")),
                        session: Session = Depends(get_session)):
    """The office's own file: first a preview (what was understood, problems, people to create); "确认导入"
    writes it, all or nothing."""
    url = f"/rosters?unit_id={unit_id}&month={month}"
    settings = request.app.state.settings
    limits = Limits()
    form = await request.form()
    file, token = form.get("file"), str(form.get("token", ""))
    if getattr(file, "filename", ""):
        raw, name = await file.read(limits.max_bytes + 1), file.filename
        token = upload.stash(settings.data_dir, c.user.id, raw, name)
    else:
        raw, name = upload.unstash(settings.data_dir, c.user.id, token), upload.stashed_name(
            settings.data_dir, c.user.id, token)
        if raw is None:
            return back(url, error=words("roster.error.no_file", language(request, c), None, {}))
    create = bool(form.get("create_missing"))
    kw = dict(session=session, unit_id=unit_id, by=c.by, month=month, columns=upload.columns_from(form),
              create_missing=create, add_to_pool=bool(form.get("add_to_pool")), now=now_utc(request),
              tz=settings.timezone, **upload.choices_from(form))
    past_ok = bool(form.get("past_ok"))
    refused, past_refused, switched, multi = False, False, "", None
    try:
        kw["sheets"] = sheets = await upload.read(request, session, c.actor, raw, limits, name)
        if form.get("confirm") and not form.get("multi"):
            done, _ = imports.import_roster(allow_past=bool(form.get("allow_past")), past_ok=past_ok, **kw)
            session.commit()
            upload.drop(settings.data_dir, c.user.id, token)
            if month in done.unchanged:
                return back(url, notice="import_unchanged")
            return back(url, notice=_imported(request, c, session, unit_id, month, done))
        preview = imports.preview_import(**kw)
        of_sheet, found = upload.file_months(preview, month)
        if len(found) > 1:  # one sheet per month: the months found, ticked; the ticked ones previewed and imported
            ticked = upload.ticked_months(form, found)
            multi = {"found": found, "ticked": ticked, "none": not ticked, "refused": False}
            kw["sheets"] = upload.sheets_for(sheets, of_sheet, ticked or found)
            kw.update(month=ticked[0] if len(ticked) == 1 else None, year=int(month[:4]),  # for "1月" sheets
                      columns=upload.columns_of(kw["columns"], kw["sheets"]))
            if form.get("confirm") and ticked:
                multi["refused"] = True  # until the import below returns
                done, _ = imports.import_roster(allow_past=bool(form.get("allow_past")), past_ok=past_ok, **kw)
                session.commit()
                upload.drop(settings.data_dir, c.user.id, token)
                return back(url, notice=_imported_months(request, c, session, unit_id, ticked, done))
            preview = imports.preview_import(**kw)
        elif not preview.months and len(preview.other_months) == 1:
            # Viewing one month, uploading another's file: the preview (and the page) show the file's month.
            switched, month = month, preview.other_months[0]
            kw["month"] = month
            preview = imports.preview_import(**kw)
    except excel.ImportRejected as exc:
        session.rollback()
        preview = exc.preview
        if preview is None:
            return back(url, error=_problems(request, c, exc.problems[:20]))
        past_refused = preview.ok and bool(preview.past) and not (past_ok or form.get("allow_past"))
        refused = preview.ok and not past_refused and bool(preview.served)  # nor the served days
        if multi is not None:  # a refused month refuses all: said at the top (role=alert) unless said there below
            multi["refused"] = not (past_refused or refused)
    except parsing.Busy as exc:  # every parse place taken: the page again, the file kept (token), ticks as sent
        session.rollback()
        ctx = {**_context(request, c, session, unit_id, month), "error": exc.reason}
        response = render(request, "rosters.html", c, **ctx, preview=None, token=token, status_code=exc.status,
                          busy_ticks={k for k in ("create_missing", "add_to_pool") if form.get(k)})
        response.headers.update(exc.headers)
        return response
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back(url, error=exc.reason)
    ctx = _context(request, c, session, unit_id, month)
    return render(request, "rosters.html", c, **ctx, preview=preview, token=token, role_choices=upload.ROLE_CHOICES,
                  served_refused=refused, past_refused=past_refused, past_ok=past_ok, switched_from=switched,
                  post_labels={p["name"]: p["label"] for p in preview.posts}, multi=multi)


def _imported(request: Request, c: Caller, session: Session, unit_id: uuid.UUID, month: str, done) -> str:
    """The success message, counted: 已导入 2026年12月 高观镇 值班表：31 天，62 人次，新建人员 3 人."""
    days, slots = done.counts(month)
    y, m = month.split("-")
    unit = org.unit_for(session=session, unit_id=unit_id, by=c.by).name
    return words("roster.notice.imported", language(request, c), None,
                 {"year": int(y), "month": int(m), "ym": month, "unit": unit, "days": days, "slots": slots,
                  "created": len(done.created)})


def _imported_months(request: Request, c: Caller, session: Session, unit_id: uuid.UUID, months: list[str],
                     done) -> str:
    """The success message of a several-month import: one counted sentence a month, in the order ticked."""
    lang = language(request, c)
    return words("roster.error.sep", lang, None, {}).join(
        words("roster.notice.month_unchanged", lang, None, {"ym": m}) if m in done.unchanged
        else _imported(request, c, session, unit_id, m, done) for m in months)


@router.post("/rosters/gaps/{gap_id}/fill")
async def gap_fill(request: Request, gap_id: uuid.UUID, c: Caller = Depends(page("rosters:write")),
                   session: Session = Depends(get_session)):
    """(Declared before the generic /rosters/{unit_id}/{month}/{action}, which would catch it.) The gap list's 安排: the chosen substitute takes the slot of the unavailable holder."""
    form = await request.form()
    try:
        slot = publish.fill_gap(session=session, gap_id=gap_id, person_id=uuid.UUID(str(form.get("person_id", ""))),
                                by=c.by, tz=request.app.state.settings.timezone)
        session.commit()
    except ValueError:
        return back("/rosters/gaps", error=words("roster.error.no_person", language(request, c), None, {}))
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/rosters/gaps", error=exc.reason)
    return back("/rosters/gaps", notice=words("roster.gap_filled", language(request, c), None,
                                              {"day": slot.day.isoformat()}))


@router.post("/rosters/{unit_id}/{month}/{action}")
async def roster_action(request: Request, unit_id: uuid.UUID, month: str, action: str,
                        c: Caller = Depends(page("rosters:write")), session: Session = Depends(get_session)):
    url = f"/rosters?unit_id={unit_id}&month={month}"
    try:
        if action == "generate":
            generate_month(session=session, unit_id=unit_id, month=month, by=c.by,
                           tz=request.app.state.settings.timezone)
        elif action == "publish":
            publish.publish(session=session, unit_id=unit_id, month=month, now=now_utc(request), by=c.by)
        elif action == "ical":
            token = ical.create_token(session=session, kind="unit", ref_id=unit_id, by=c.by)
            session.commit()
            # "feed:…": the page labels it (shown once, what it holds, how to add it to a phone's calendar)
            return back(url, notice=f"feed:{request.app.state.settings.public_url}/api/ical/{token}.ics")
        else:
            return back(url, error=words("roster.error.action", language(request, c), None, {"action": action}))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back(url, error=exc.reason)
    return back(url, notice=action)


@router.get("/rosters/{unit_id}/{month}/print")
def roster_print(request: Request, unit_id: uuid.UUID, month: str, c: Caller = Depends(page("rosters:read")),
                 session: Session = Depends(get_session)):
    view = month_view(session=session, unit_id=unit_id, month=month, tz=request.app.state.settings.timezone, by=c.by)
    return render(request, "roster_print.html", c, view=view)


@router.get("/rosters/gaps")
def gap_list(request: Request, c: Caller = Depends(page("rosters:read")), session: Session = Depends(get_session)):
    settings = request.app.state.settings
    today = now_utc(request).astimezone(settings.tz).date()
    horizon = settings.rosters.gap_horizon_days
    found = gaps.gaps_for(session=session, first=today, last=today + timedelta(days=horizon), by=c.by)
    names = {u.id: u.name for u in org.list_units(session=session)}
    rows = [{"gap": g, "unit": names.get(g.unit_id, ""),
             "subs": gaps.substitutes(session=session, gap_id=g.id, tz=settings.timezone, by=c.by)[:3]}
            for g in found[:50]]
    return render(request, "roster_gaps.html", c, rows=rows)


@router.get("/rosters/holidays")
def holiday_page(request: Request, c: Caller = Depends(page("rosters:read")), session: Session = Depends(get_session)):
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    return render(request, "roster_holidays.html", c, deadlines=holiday_deadlines(session=session, today=today,
                                                     settings=request.app.state.settings),
                  days=holidays.list_days(session=session), kinds=list(HolidayKind),
                  error=request.query_params.get("error", ""))


BAD_YEAR = "年份：应为2000至2100之间的年份，如2027 (Year: a year from 2000 to 2100, e.g. 2027)"


@router.post("/rosters/holidays/notice")
async def holiday_notice(request: Request, c: Caller = Depends(page("holidays:write")),
                         session: Session = Depends(get_session)):
    """Paste the State Council notice: a preview first; "导入" replaces the year's days when nothing is unclear."""
    form = await request.form()
    text, typed = str(form.get("notice", "")), str(form.get("year", "")).strip()
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    year = int(typed) if typed.isdigit() and 2000 <= int(typed) <= 2100 else None
    found = holidays.preview_notice(text=text)
    if NO_YEAR in found.problems and year:  # the form's 年份: only for a text whose title lost its year
        found = holidays.preview_notice(text=text, year=year)
    else:
        year = None
    imported = False
    if form.get("confirm") and found.ok:
        holidays.import_notice(session=session, text=text, year=year, actor=c.actor,
                               tz=request.app.state.settings.timezone)
        session.commit()
        imported = True
    error = "" if not typed or typed.isdigit() and 2000 <= int(typed) <= 2100 else BAD_YEAR
    return render(request, "roster_holidays.html", c, deadlines=holiday_deadlines(
        session=session, today=today, settings=request.app.state.settings), days=holidays.list_days(session=session),
        kinds=list(HolidayKind), error=error, notice_text="" if imported else text, preview=found, imported=imported,
        year_text="" if imported else typed, no_year=NO_YEAR)


@router.post("/rosters/holidays")
async def holiday_save(request: Request, c: Caller = Depends(page("holidays:write")), session: Session = Depends(get_session)):
    form = await request.form()
    try:
        upload_file = form.get("csv_file")
        if getattr(upload_file, "filename", ""):
            data = await upload_file.read(holidays.MAX_CSV_BYTES + 1)
            holidays.import_csv(session=session, data=data, actor=c.actor, tz=request.app.state.settings.timezone)
        elif form.get("csv"):
            holidays.import_text(session=session, text=str(form["csv"]), actor=c.actor,
                                  tz=request.app.state.settings.timezone)
        else:
            holidays.put_day(session=session, actor=c.actor, tz=request.app.state.settings.timezone, data=HolidayDayBase(
                day=date.fromisoformat(str(form.get("day"))), kind=HolidayKind(str(form.get("kind"))),
                name=str(form.get("name", ""))))
        session.commit()
    except excel.ImportRejected as exc:
        session.rollback()
        return back("/rosters/holidays", error=_problems(request, c, exc.problems))
    except (ServiceError, ValueError) as exc:
        session.rollback()
        raise_refusal(exc)
        return back("/rosters/holidays", error=getattr(exc, "reason", str(exc)))
    return back("/rosters/holidays")
