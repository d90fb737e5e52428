"""Auditor exports (CSV / Excel) of spot-check records; phone numbers masked unless asked, and asking is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from core.errors import Invalid
from core.tables import OutSheet, write
from models.directory import Unit
from models.spotchecks.checks import PhoneCheck
from models.spotchecks.inspections import Inspection, VideoRollCall
from rules.spotchecks.outcomes import Outcome
from services import audit
from services.spotchecks import notes

KINDS = ("phone", "video", "on_site")
HEADER = ["类型", "时间", "单位", "值班电话", "结果", "方式", "接听人", "是否在班", "说明", "记录人", "更正自"]
KIND_ZH = {"phone": "电话抽查", "video": "视频点名", "on_site": "实地检查"}


@dataclass(frozen=True)
class ExportFilter:
    since: date | None = None
    until: date | None = None  # inclusive
    unit_id: uuid.UUID | None = None
    kind: str = ""
    outcome: str = ""

    def check(self) -> None:
        if self.kind and self.kind not in KINDS:
            raise Invalid(f"抽查类型须为 {'、'.join(KINDS)} 之一", field="kind")
        if self.outcome and self.outcome not in {o.value for o in Outcome}:
            raise Invalid(f"未知的抽查结果：{self.outcome}", field="outcome")
        if self.since and self.until and self.until < self.since:
            raise Invalid("截止日期早于起始日期", field="until")


def mask(phone: str) -> str:
    """0838-6210110 → 0838-***0110: area code and last four digits stay."""
    if not phone:
        return ""
    head, sep, tail = phone.rpartition("-")
    if sep:
        return f"{head}-{'*' * max(len(tail) - 4, 0)}{tail[-4:]}"
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def rows(session: Session, f: ExportFilter, tz, *, unmask: bool) -> list[list]:
    """Every matching record as a row of HEADER, oldest first."""
    f.check()
    lo = datetime.combine(f.since, time(), tz).astimezone(UTC) if f.since else None
    hi = datetime.combine(f.until + timedelta(days=1), time(), tz).astimezone(UTC) if f.until else None
    units = {u.id: u for u in session.exec(select(Unit))}
    out: list[tuple[datetime, list]] = []

    def phone_of(uid) -> str:
        p = units[uid].duty_phone if uid in units else ""
        return p if unmask else mask(p)

    def name(uid) -> str:
        return units[uid].name if uid in units else str(uid)

    def local(at: datetime) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    if f.kind in ("", "phone"):
        q = select(PhoneCheck)
        q = q.where(PhoneCheck.started_at >= lo) if lo else q
        q = q.where(PhoneCheck.started_at < hi) if hi else q
        q = q.where(PhoneCheck.unit_id == f.unit_id) if f.unit_id else q
        q = q.where(PhoneCheck.outcome == f.outcome) if f.outcome else q
        for c in session.exec(q):
            match = {True: "是", False: "否", None: "未知"}[c.roster_match]
            out.append((c.started_at, ["电话抽查", local(c.started_at), name(c.unit_id), phone_of(c.unit_id),
                                       Outcome(c.outcome).label, "自动" if c.mode == "automated" else "人工",
                                       c.answered_by, match, c.notes, c.recorded_by, str(c.corrects_id or "")]))
    for kind, model in (("video", VideoRollCall), ("on_site", Inspection)):
        if f.kind not in ("", kind):
            continue
        q = select(model)
        q = q.where(model.held_at >= lo) if lo else q
        q = q.where(model.held_at < hi) if hi else q
        for r in session.exec(q):
            for uid, outcome, note in _unit_lines(r):
                if (f.unit_id and uid != f.unit_id) or (f.outcome and outcome != f.outcome):
                    continue
                out.append((r.held_at, [KIND_ZH[kind], local(r.held_at), name(uid) if uid else "", phone_of(uid)
                                        if uid else "", Outcome(outcome).label if outcome else "", "人工", "", "",
                                        note, r.recorded_by, str(r.corrects_id or "")]))
    return [row for _, row in sorted(out, key=lambda x: x[0])]


def _unit_lines(r) -> list[tuple]:
    if isinstance(r, VideoRollCall):
        return [(uuid.UUID(u["unit_id"]), u.get("outcome") or ("normal" if u["present"] else "officer_absent"),
                 "；".join(x for x in ("在岗" if u["present"] else "缺岗", u.get("note", ""), r.findings) if x))
                for u in r.units]
    ids = [uuid.UUID(x) for x in r.unit_ids] or [None]
    return [(uid, r.outcome, f"检查人：{'、'.join(r.inspectors)}；地点：{'、'.join(r.places)}；{r.findings}") for uid in ids]


def export(*, session: Session, f: ExportFilter, fmt: str, unmask: bool, actor: str, now: datetime, tz) -> bytes:
    """The export file; every export is audited (in the same transaction), and an unmasked one says so."""
    body, count = build(session=session, f=f, fmt=fmt, unmask=unmask, tz=tz)
    record_export(session=session, f=f, fmt=fmt, count=count, unmask=unmask, actor=actor, now=now)
    return body


def record_export(*, session: Session, f: ExportFilter, fmt: str, count: int, unmask: bool, actor: str,
                  now: datetime) -> None:
    """The audit entry of one export. The web records it in a write transaction of its own, after the read's has
    ended: writing it from the read transaction failed with "database is locked" whenever anything had written
    since the read began (SQLite cannot upgrade a reader that is behind)."""
    audit.record(session=session, actor=actor, action="export_unmasked" if unmask else "export",
                 entity="spotcheck_export", at=now, unit_id=f.unit_id or "",
                 after={"filter": {k: str(v) for k, v in f.__dict__.items() if v}, "format": fmt, "rows": count,
                        "unmasked": unmask},
                 note=notes.UNMASKED if unmask else "")


def build(*, session: Session, f: ExportFilter, fmt: str, unmask: bool, tz) -> tuple[bytes, int]:
    """The export file and its number of rows; reads only (record it with `record_export`)."""
    if fmt not in ("csv", "xlsx"):
        raise Invalid("导出格式须为 csv 或 xlsx", field="format")
    data = rows(session, f, tz, unmask=unmask)
    return _file(data, fmt), len(data)


def _file(data: list, fmt: str) -> bytes:
    return write(OutSheet("抽查记录", HEADER, data), fmt)
