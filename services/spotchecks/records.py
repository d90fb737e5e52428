"""Video roll-calls, on-site inspections with attachments, and duty reminder notices (值班工作提醒)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import Invalid, NotFound
from core.settings import Settings
from core.text import forbidden_char
from models.directory import Unit
from models.spotchecks.inspections import (
    Inspection,
    InspectionAttachment,
    InspectionCreate,
    ReminderNotice,
    ReminderNoticeCreate,
    VideoRollCall,
    VideoRollCallCreate,
)
from rules.spotchecks.outcomes import Outcome
from services import audit
from services.spotchecks import notes

# magic bytes → (content type, extension): images and PDF only
SIGNATURES = [(b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
              (b"GIF87a", "image/gif", "gif"), (b"GIF89a", "image/gif", "gif"), (b"%PDF-", "application/pdf", "pdf")]


class TooLarge(Invalid):
    status = 413


def _when(at: datetime, now: datetime, settings: Settings) -> None:
    if at.tzinfo is None:
        raise Invalid("时间须带时区（如 +08:00） (time must carry a time zone)", field="held_at")
    if at > now + timedelta(seconds=settings.spotchecks.future_grace_seconds):
        raise Invalid("时间不能晚于现在 (time is in the future)", field="held_at")


def _units_exist(session: Session, ids) -> None:
    for uid in ids:
        if session.get(Unit, uid) is None:
            raise Invalid(f"未找到该单位 (unit {uid} not found)", field="unit_id")


def _outcome_ok(value: str, field: str) -> None:
    if value and value not in {o.value for o in Outcome}:
        raise Invalid(f"检查结果 {value!r} 无效 (unknown outcome)", field=field)


def record_roll_call(*, session: Session, data: VideoRollCallCreate, actor: str, now: datetime,
                     settings: Settings) -> VideoRollCall:
    """A video roll-call (视频点名): each unit called, present or absent, with findings."""
    _when(data.held_at, now, settings)
    _units_exist(session, [u.unit_id for u in data.units])
    for u in data.units:
        _outcome_ok(u.outcome, "units")
    row = VideoRollCall(held_at=data.held_at, title=data.title, findings=data.findings, recorded_by=actor,
                        recorded_at=now, units=[u.model_dump(mode="json") for u in data.units])
    session.add(row)
    session.flush()
    absent = sum(1 for u in data.units if not u.present)
    audit.record(session=session, actor=actor, action="create", entity="video_roll_call", entity_id=row.id,
                 after=row, at=now, note=notes.roll_call(len(data.units), absent))
    return row


def record_inspection(*, session: Session, data: InspectionCreate, actor: str, now: datetime,
                      settings: Settings) -> Inspection:
    """An on-site inspection (实地检查): inspectors, places, findings."""
    _when(data.held_at, now, settings)
    _units_exist(session, data.unit_ids)
    _outcome_ok(data.outcome, "outcome")
    row = Inspection(held_at=data.held_at, inspectors=[i.strip() for i in data.inspectors if i.strip()],
                     places=[p.strip() for p in data.places if p.strip()], unit_ids=[str(u) for u in data.unit_ids],
                     outcome=data.outcome or "normal", findings=data.findings, recorded_by=actor, recorded_at=now)
    if not row.inspectors:
        raise Invalid("请至少填写一名检查人 (name at least one inspector)", field="inspectors")
    if not row.places:
        raise Invalid("请至少填写一个检查地点 (name at least one place)", field="places")
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="inspection", entity_id=row.id, after=row,
                 at=now)
    return row


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) when the bytes are a JPEG/PNG/GIF/WebP image or a PDF."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", "webp"
    return next(((t, e) for sig, t, e in SIGNATURES if content.startswith(sig)), None)


def add_attachment(*, session: Session, inspection_id: uuid.UUID, filename: str, content: bytes, actor: str,
                   now: datetime, settings: Settings) -> InspectionAttachment:
    """Store a photo or PDF of an inspection by its SHA-256; refuses other types and oversize files."""
    if session.get(Inspection, inspection_id) is None:
        raise NotFound(f"未找到该检查记录 (inspection {inspection_id} not found)", field="inspection_id")
    if bad := forbidden_char(filename or ""):  # multipart bodies pass web/boundary.py unread: the same rule here
        raise Invalid(f"文件名含有不允许的控制字符 {bad} (the file name contains a control character: {bad})",
                      field="file")
    limit = settings.spotchecks.attachment_max_bytes
    if len(content) > limit:
        raise TooLarge(f"附件过大：{len(content)} 字节，上限 {limit} 字节 (file is {len(content)} bytes; the limit is "
                       f"{limit})", field="file")
    if not content:
        raise Invalid("文件为空 (file is empty)", field="file")
    kind = sniff(content)
    if kind is None:
        raise Invalid("只接受图片（JPEG、PNG、GIF、WebP）和 PDF 文件 (only images and PDF files are accepted)", field="file")
    digest = hashlib.sha256(content).hexdigest()
    rel = Path("attachments") / digest[:2] / f"{digest}.{kind[1]}"
    path = Path(settings.data_dir) / rel
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    row = InspectionAttachment(inspection_id=inspection_id, filename=(Path(filename or "file").name)[:200],
                               content_type=kind[0], size=len(content), sha256=digest, path=rel.as_posix(),
                               uploaded_by=actor, uploaded_at=now)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="attach", entity="inspection_attachment", entity_id=row.id,
                 after=row, at=now, note=notes.attachment(digest))
    return row


def issue_notice(*, session: Session, data: ReminderNoticeCreate, actor: str, now: datetime,
                 settings: Settings) -> ReminderNotice:
    """Issue a duty reminder notice (值班工作提醒) to all units; numbered within its year."""
    tz = settings.tz
    at = data.issued_at or now
    _when(at, now, settings)
    year = at.astimezone(tz).year
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    n = session.exec(select(func.count()).select_from(ReminderNotice)
                     .where(ReminderNotice.issued_at >= start, ReminderNotice.issued_at < end)).one()
    row = ReminderNotice(issue_no=n + 1, title=data.title, body=data.body, issued_at=at, issued_by=actor)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="issue", entity="reminder_notice", entity_id=row.id,
                 after=row, at=now, note=f"{year}年第{n + 1}期")
    return row
