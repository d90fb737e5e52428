"""Handovers, duty log, the holiday table, Excel import/export and iCal feeds."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.errors import Invalid
from core.spreadsheets import Limits, Sheet, SpreadsheetRejected, read_workbook
from models.directory import Unit
from models.rosters.duty import DutyLogEntry, Handover
from models.rosters.roster import HolidayDayBase, HolidayDayIn
from models.types import INPUT, Day
from services.rosters import excel, handovers, holidays, ical, imports
from services.rosters import policy as pol
from services.rosters.generate import parse_month
from web import parsing
from web.deps import Caller, get_session, now_utc, require
from web.downloads import download_headers

router = APIRouter(tags=["rosters"])
ALLOW_PAST = ("rewrite days already served (past days, today after the handover); audited. Without it such days "
              "refuse the import")
PAST_OK = "import a month that is already over (确认导入已过去的月份); without it such a month refuses the import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Imported(BaseModel):
    imported: int = Field(description="rows imported")


class ImportProblem(BaseModel):
    sheet: str
    row: int = Field(description="1-based as Excel shows it; 0 for the whole sheet")
    column: str = Field(description='the column letter, or "" for the whole row')
    header: str
    message: str
    text: str = Field(description="the whole problem in one zh-CN sentence")


class ImportPreview(BaseModel):
    """The roster as understood from the file; nothing written (dry_run)."""

    ok: bool
    months: list[str]
    posts: list[dict[str, str]] = Field(description="name, label")
    layouts: dict[str, str] = Field(description="sheet -> list | week")
    columns: list[dict[str, str | None]] = Field(description="sheet, column, header, role")
    days: list[dict] = Field(description="day, weekday, posts: {post: [{name, phone, person_id, status}]}, note")
    problems: list[ImportProblem]
    warnings: list[ImportProblem]
    missing: list[dict] = Field(description="people the directory lacks: name, post, phone, days")
    create_missing: bool
    served: list[dict] = Field(default_factory=list, description="days already served the file would change: day, "
                               "served (post -> names), after (post -> names); writing them needs allow_past")
    outside: list[dict] = Field(default_factory=list, description="directory people the file puts on a post whose "
                                "pool lacks them: name, post, person_id, days; add_to_pool adds them")
    add_to_pool: bool = False
    past: list[str] = Field(default_factory=list, description="months wholly over: importing them needs past_ok")
    new_people: list[dict] = Field(default_factory=list, description="people create_missing creates: name, post, "
                                   "joins_pool (whether they join the post's rotation pool)")
    phones: list[dict] = Field(default_factory=list, description="phones in the file that differ from the directory: "
                               "person_id, name, phone, directory, update")
    republished: dict[str, int] = Field(default_factory=dict, description="months already published (本月已发布): "
                                        "month -> the version the import would publish, sent to the feeds")


class ImportedMonth(BaseModel):
    month: str
    slots: int
    status: str
    version: int
    unchanged: bool = Field(False, description="the file gave this month exactly as stored: nothing written, "
                            "the version kept")
    message: str = Field("", description="zh-CN: 已导入 2026年12月 高观镇 值班表：31 天，62 人次，新建人员 3 人, or for an "
                         "unchanged month 与现有排班相同，未更改")


class ImportDone(BaseModel):
    """The months written (and, for one month, that month's figures at the top level)."""

    months: list[ImportedMonth]
    created: list[str] = Field(description="people created in the directory")
    warnings: list[str]
    month: str | None = None
    slots: int | None = None
    status: str | None = None
    version: int | None = None


class FeedCreated(BaseModel):
    url: str = Field(description="the secret subscription URL, shown once")


FILE_200 = {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                  "description": "the month's roster as a workbook"}}


class HandoverIn(BaseModel):
    model_config = INPUT

    unit_id: uuid.UUID
    day: Day
    idx: int = 0
    notes: str = Field("", max_length=2000)
    items: list[str] = []
    incoming_id: uuid.UUID | None = None


class SignIn(BaseModel):
    model_config = INPUT

    done: list[int] = []


class LogIn(BaseModel):
    model_config = INPUT

    unit_id: uuid.UUID
    day: Day
    idx: int = 0
    kind: str = "note"
    content: str = Field(..., max_length=2000)


@router.get("/handovers", response_model=list[Handover])
def list_handovers(unit_id: uuid.UUID, c: Caller = Depends(require("rosters:read")), session: Session = Depends(get_session)):
    return handovers.list_handovers(session=session, unit_id=unit_id, by=c.by)


@router.post("/handovers", status_code=201, response_model=Handover)
def open_handover(data: HandoverIn, c: Caller = Depends(require("handovers:write")), session: Session = Depends(get_session)):
    row = handovers.open_handover(session=session, by=c.by, **data.model_dump())
    session.commit()
    return row


@router.post("/handovers/{handover_id}/sign", response_model=Handover)
def sign(handover_id: uuid.UUID, data: SignIn, request: Request, c: Caller = Depends(require("handovers:write")),
         session: Session = Depends(get_session)):
    """The incoming person signs (the duty office may sign on their behalf)."""
    row = handovers.sign(session=session, handover_id=handover_id, now=now_utc(request), by=c.by, done=data.done)
    session.commit()
    return row


@router.get("/duty-log", response_model=list[DutyLogEntry])
def duty_log(unit_id: uuid.UUID, month: str, c: Caller = Depends(require("rosters:read")),
             session: Session = Depends(get_session)):
    first, last = parse_month(month)
    return handovers.log_entries(session=session, unit_id=unit_id, first=first, last=last, by=c.by)


@router.post("/duty-log", status_code=201, response_model=DutyLogEntry)
def add_log(data: LogIn, request: Request, c: Caller = Depends(require("handovers:write")),
            session: Session = Depends(get_session)):
    row = handovers.log(session=session, at=now_utc(request), by=c.by, **data.model_dump())
    session.commit()
    return row


class HolidayOut(HolidayDayBase):
    """One day of the admin holiday table, as the API returns it."""

    created_at: datetime
    created_by: str


@router.get("/holidays", response_model=list[HolidayOut])
def list_holidays(year: int | None = Query(None, ge=2000, le=2100), c: Caller = Depends(require("rosters:read")),
                  session: Session = Depends(get_session)):
    return [h.model_dump(mode="json") for h in holidays.list_days(session=session, year=year)]


@router.put("/holidays/{day}", response_model=HolidayOut)
def put_holiday(day: Day, data: HolidayDayIn, request: Request, c: Caller = Depends(require("holidays:write")),
                session: Session = Depends(get_session)):
    row = holidays.put_day(session=session, data=data.model_copy(update={"day": day}), actor=c.actor,
                           tz=request.app.state.settings.timezone)
    session.commit()
    return row.model_dump(mode="json")


@router.delete("/holidays/{day}", status_code=204)
def delete_holiday(day: Day, request: Request, c: Caller = Depends(require("holidays:write")),
                   session: Session = Depends(get_session)):
    holidays.delete_day(session=session, day=day, actor=c.actor, tz=request.app.state.settings.timezone)
    session.commit()
    return Response(status_code=204)


@router.post("/holidays/import", response_model=Imported)
async def import_holidays(request: Request, file: UploadFile = File(...), c: Caller = Depends(require("holidays:write")),
                          session: Session = Depends(get_session)):
    """CSV `date,kind,name` (UTF-8 or GB18030); every row is checked, nothing is written when one is wrong."""
    raw = await file.read(holidays.MAX_CSV_BYTES + 1)
    n = holidays.import_csv(session=session, data=raw, actor=c.actor, tz=request.app.state.settings.timezone)
    session.commit()
    return {"imported": n}


class NoticeIn(BaseModel):
    model_config = INPUT

    text: str = Field(..., min_length=10, max_length=20000, description="the notice as published (pasted)")
    year: int | None = Field(None, ge=2000, le=2100, description="when the title is missing")


class NoticeOut(BaseModel):
    year: int | None
    days: list[dict]
    festivals: list[str]
    missing: list[str]
    problems: list[str]
    notes: list[str]
    checked: list[dict] = Field(default_factory=list, description="days of a year the built-in calendar covers, "
                                "as the notice gives them: {day, kind (holiday 放假 / makeup_workday 上班), name, "
                                "agrees (with the built-in data)}; compared, never written")
    imported: bool


@router.post("/holidays/notice", response_model=NoticeOut)
def holiday_notice(data: NoticeIn, request: Request, dry_run: bool = Query(True, description="preview only (default): nothing written"),
                   c: Caller = Depends(require("holidays:write")), session: Session = Depends(get_session)):
    """The State Council's holiday notice (国务院办公厅关于20XX年部分节假日安排的通知) as published: what it says, and with
    dry_run=false, the year's days replaced by it (refused, nothing written, while the preview shows problems)."""
    found = (holidays.preview_notice(text=data.text, year=data.year) if dry_run else
             holidays.import_notice(session=session, text=data.text, year=data.year, actor=c.actor,
                                    tz=request.app.state.settings.timezone))
    session.commit()
    return NoticeOut(year=found.year, days=[{"day": d.day.isoformat(), "kind": d.kind, "name": d.name}
                                            for d in found.days],
                     festivals=found.festivals, missing=found.missing, problems=found.problems, notes=found.notes,
                     checked=[{"day": d.day.isoformat(), "kind": d.kind, "name": d.name, "agrees": d.agrees}
                              for d in found.checked], imported=not dry_run)


@router.get("/rosters/{unit_id}/{month}/export.xlsx", response_class=Response, responses=FILE_200)
def export_xlsx(request: Request, unit_id: uuid.UUID, month: str, c: Caller = Depends(require("rosters:read")),
                session: Session = Depends(get_session)):
    name, data = excel.export_month_file(session=session, unit_id=unit_id, month=month,
                                         tz=request.app.state.settings.timezone, by=c.by)
    unit = session.get(Unit, unit_id)  # the ASCII name carries the unit's code, so a saved file is recognisable
    return Response(data, media_type=XLSX, headers=download_headers(name, f"roster-{unit.code}-{month}.xlsx"))


async def read_upload(request: Request, session: Session, c: Caller, file: UploadFile,
                      limits: Limits = Limits()) -> list[Sheet]:
    """The uploaded spreadsheet's sheets, read in a parse worker process (web/parsing: bounded, per caller; 503
    with Retry-After when every place is taken); a refusal names the file."""
    raw = await file.read(limits.max_bytes + 1)
    try:
        return await parsing.parse(request, session, c.actor, read_workbook, raw, limits, file.filename)
    except SpreadsheetRejected as exc:
        raise SpreadsheetRejected(f"{file.filename}：{exc.reason}" if file.filename else exc.reason) from exc


def parse_columns(text: str) -> dict[str, str]:
    """Column corrections as JSON: {"C": "officer", "12月!F": "note", "E": "ignore"}."""
    if not text.strip():
        return {}
    try:
        found = json.loads(text)
    except ValueError as exc:
        raise Invalid("列对应关系应为 JSON 对象，例如 {\"C\": \"officer\"}", field="columns") from exc
    if not isinstance(found, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
        raise Invalid("列对应关系应为 JSON 对象，例如 {\"C\": \"officer\"}", field="columns")
    return found


@router.post("/rosters/{unit_id}/{month}/import", response_model=ImportPreview | ImportDone)
async def import_xlsx(unit_id: uuid.UUID, month: str, request: Request, file: UploadFile = File(...),
                      dry_run: bool = Query(False, description="preview only: the roster as understood, nothing written"),
                      create_missing: bool = Query(False, description="create people the directory lacks"),
                      allow_past: bool = Query(False, description=ALLOW_PAST),
                      past_ok: bool = Query(False, description=PAST_OK),
                      add_to_pool: bool = Query(False, description="add directory people the file puts on a post "
                                                "to that post's pool"),
                      columns: str = Form("", description='corrections of the column mapping, JSON {"C": "officer"}'),
                      c: Caller = Depends(require("rosters:write")), session: Session = Depends(get_session)):
    """Replace the month from the office's spreadsheet (.xlsx, .xls, WPS or CSV, in its own layout); every
    problem named by sheet, row and column, and nothing written while there is one."""
    parse_month(month)
    return await _import(request, unit_id, month, file, dry_run, create_missing, allow_past, columns, c, session,
                         add_to_pool, past_ok)


@router.post("/rosters/{unit_id}/import", response_model=ImportPreview | ImportDone)
async def import_file(unit_id: uuid.UUID, request: Request, file: UploadFile = File(...),
                      dry_run: bool = Query(True, description="preview only (default): nothing written"),
                      create_missing: bool = Query(False, description="create people the directory lacks"),
                      allow_past: bool = Query(False, description=ALLOW_PAST),
                      past_ok: bool = Query(False, description=PAST_OK),
                      add_to_pool: bool = Query(False, description="add directory people the file puts on a post "
                                                "to that post's pool"),
                      columns: str = Form("", description='corrections of the column mapping, JSON {"C": "officer"}'),
                      c: Caller = Depends(require("rosters:write")), session: Session = Depends(get_session)):
    """Every month the file holds (e.g. a workbook with a sheet per month): a preview, or with
    dry_run=false all of them replaced at once."""
    return await _import(request, unit_id, None, file, dry_run, create_missing, allow_past, columns, c, session,
                         add_to_pool, past_ok)


async def _import(request, unit_id, month, file, dry_run, create_missing, allow_past, columns, c, session,
                  add_to_pool=False, past_ok=False):
    sheets = await read_upload(request, session, c, file)
    kw = dict(session=session, unit_id=unit_id, sheets=sheets, by=c.by, month=month, columns=parse_columns(columns),
              create_missing=create_missing, add_to_pool=add_to_pool, now=now_utc(request),
              tz=request.app.state.settings.timezone)
    if dry_run:
        return imports.preview_import(**kw).as_dict()
    preview, rows = imports.import_roster(allow_past=allow_past, past_ok=past_ok, **kw)
    session.commit()
    out = {"months": [{"month": r.month, "slots": r.slots, "status": r.status.value, "version": r.version,
                       "unchanged": r.month in preview.unchanged,
                       "message": imports.UNCHANGED if r.month in preview.unchanged else
                      imports.summary(preview, r.month, pol.get_unit(session, unit_id).name)}
                      for r in rows], "created": [m.name for m in preview.missing],
           "warnings": [w.text for w in preview.warnings]}
    if month:
        out.update(out["months"][0])
    return out


class FeedIn(BaseModel):
    model_config = INPUT

    kind: str = Field(..., pattern="^(person|unit)$")
    ref_id: uuid.UUID


@router.post("/ical-feeds", status_code=201, response_model=FeedCreated)
def create_feed(data: FeedIn, request: Request, c: Caller = Depends(require("rosters:read")),
                session: Session = Depends(get_session)):
    """A secret subscription URL; shown once (only its hash is kept)."""
    token = ical.create_token(session=session, kind=data.kind, ref_id=data.ref_id, by=c.by)
    session.commit()
    return {"url": f"{request.app.state.settings.public_url}/api/ical/{token}.ics"}


class FeedPublic(BaseModel):
    id: uuid.UUID
    kind: str
    ref_id: uuid.UUID
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


@router.get("/ical-feeds", response_model=list[FeedPublic])
def list_feeds(kind: str | None = Query(None, pattern="^(person|unit)$"), ref_id: uuid.UUID | None = None,
               c: Caller = Depends(require("rosters:read")), session: Session = Depends(get_session)):
    """The feeds the caller may see (the office and auditors: all; a unit reporter: their unit's; others: their
    own), revoked ones included; the secret URLs are never shown again."""
    return [FeedPublic.model_validate(r, from_attributes=True)
            for r in ical.list_feeds(session=session, by=c.by, kind=kind, ref_id=ref_id)]


@router.delete("/ical-feeds/{feed_id}", response_model=FeedPublic)
def revoke_feed(feed_id: uuid.UUID, request: Request, c: Caller = Depends(require("rosters:read")),
                session: Session = Depends(get_session)):
    """Revoke a feed: its URL answers 404 from now on. Audited; the office, or whoever may create it."""
    row = ical.revoke(session=session, feed_id=feed_id, by=c.by, now=now_utc(request))
    session.commit()
    return FeedPublic.model_validate(row, from_attributes=True)


ICS_200 = {200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
                 "description": "the roster as an iCalendar feed (RFC 5545)"},
           404: {"description": "an unknown or revoked token"}}
# what secrets.token_urlsafe makes (services/rosters/ical.create_token), with room to spare; anything else is 422
FEED_TOKEN = Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
                  description="the feed's secret token, as the feed's URL carries it")


@router.get("/ical/{token}.ics", response_class=Response, responses=ICS_200)
def ical_feed(request: Request, token: str = FEED_TOKEN, session: Session = Depends(get_session)):
    """The feed itself: no login, the token is the secret; unknown or revoked tokens are 404, a malformed one 422."""
    name, body = ical.feed(session=session, token=token, now=now_utc(request), settings=request.app.state.settings)
    return Response(body.encode(), media_type="text/calendar; charset=utf-8",
                    headers=download_headers(name, inline=True))
