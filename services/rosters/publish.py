"""Publish a unit-month and change slots afterwards: versioned and audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from models.directory import Person
from models.rosters.roster import (
    DutyPost,
    PoolMember,
    RosterGap,
    RosterMonth,
    RosterSlot,
    RosterStatus,
)
from services import audit
from services.access import Actor
from services.rosters.gaps import refresh_month
from services.rosters.generate import month_key, month_row


def publish(*, session: Session, unit_id: uuid.UUID, month: str, now: datetime, by: Actor) -> RosterMonth:
    """Draft → published (version 1); publishing again is a no-op conflict."""
    by.check_own_unit(unit_id)
    actor = by.name
    row = month_row(session, unit_id, month)
    if row is None or row.slots == 0:
        raise NotFound(f"{month} 尚未生成排班 (no roster generated for {month})", field="month")
    if row.status is RosterStatus.published:
        raise Conflict(f"{month} 排班已发布（第 {row.version} 版） (roster already published)", field="month")
    before = audit.jsonable(row)
    row.status, row.version, row.published_at, row.published_by = RosterStatus.published, 1, now, actor
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="publish", entity="roster", entity_id=row.id,
                 unit_id=unit_id, before=before, after=row, at=None)
    return row


def eligible(session: Session, unit_id: uuid.UUID, post: str, person_id: uuid.UUID) -> bool:
    """True when the person is in the unit's pool for `post`."""
    q = (select(PoolMember.id).join(DutyPost, DutyPost.id == PoolMember.post_id)
         .where(DutyPost.unit_id == unit_id, DutyPost.name == post, PoolMember.person_id == person_id))
    return session.exec(q).first() is not None


def post_label(session: Session, unit_id: uuid.UUID, post: str) -> str:
    """The post as the unit calls it (带班领导), its key when it has no label."""
    label = session.exec(select(DutyPost.label).where(DutyPost.unit_id == unit_id, DutyPost.name == post)).first()
    return label or post


def reassign(*, session: Session, slot_id: int, person_id: uuid.UUID, by: Actor, tz: str, reason: str = "",
             check_pool: bool = True, code: str = "manual") -> RosterSlot:
    """Put another person on a slot; after publication the month's version goes up and the change is audited."""
    slot = session.get(RosterSlot, slot_id)
    if slot is None:
        raise NotFound(f"班次 {slot_id} 不存在", field="slot_id")
    by.check_unit(slot.unit_id, field="slot_id", reason=f"班次 {slot_id} 不存在")
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise Invalid("该人员不存在或已停用", field="person_id")
    if check_pool and not eligible(session, slot.unit_id, slot.post, person_id):
        post = post_label(session, slot.unit_id, slot.post)
        raise Invalid(f"{by.name_of(person)}不在{post}岗位的可排人员中 (not eligible for post {slot.post}: not in its "
                      "pool)", field="person_id")
    clash = session.exec(select(RosterSlot.id).where(RosterSlot.unit_id == slot.unit_id, RosterSlot.day == slot.day,
                                                     RosterSlot.idx == slot.idx, RosterSlot.person_id == person_id,
                                                     RosterSlot.id != slot.id)).first()
    if clash is not None:
        raise Conflict(f"{person.name}在{slot.day.isoformat()}该班次已有其他岗位", field="person_id")
    before = {"person_id": str(slot.person_id), "why": slot.why}
    slot.person_id = person_id
    slot.why = {"r": code, "d": 0, "note": reason[:200]}
    session.add(slot)
    _changed(session, slot, by.name, "reassign", before, reason, tz)
    return slot


def fill_gap(*, session: Session, gap_id: uuid.UUID, person_id: uuid.UUID, by: Actor, tz: str) -> RosterSlot:
    """Put a substitute on the slot whose holder is unavailable (the gap list's 安排 button); audited as a
    reassignment. A slot nobody holds yet is planned on the month's roster, not here."""
    gap = session.get(RosterGap, gap_id)
    if gap is None:
        raise NotFound("该缺口已不存在（可能已被处理），请刷新页面", field="gap_id")
    by.check_unit(gap.unit_id, field="gap_id", reason="该缺口已不存在（可能已被处理），请刷新页面")
    if gap.reason != "holder_unavailable" or gap.person_id is None:
        raise Invalid("此缺口无人在岗，请在当月值班表中安排", field="gap_id")
    slot = session.exec(select(RosterSlot).where(
        RosterSlot.unit_id == gap.unit_id, RosterSlot.day == gap.day, RosterSlot.idx == gap.idx,
        RosterSlot.post == gap.post, RosterSlot.person_id == gap.person_id)).first()
    if slot is None:
        raise Conflict("该班次已调整，请刷新页面", field="gap_id")
    away = session.get(Person, gap.person_id)
    return reassign(session=session, slot_id=slot.id, person_id=person_id, by=by, tz=tz, code="substitute",
                    reason=f"顶替{away.name if away else ''}（{gap.text[:80]}）")


def _changed(session: Session, slot: RosterSlot, actor: str, action: str, before: dict, note: str, tz: str) -> None:
    """Bump the month's version when published; always audit."""
    row = month_row(session, slot.unit_id, month_key(slot.day))
    if row is not None and row.status is RosterStatus.published:
        row.version += 1
        session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action=action, entity="roster_slot", entity_id=slot.id,
                 unit_id=slot.unit_id, before=before,
                 after={"person_id": str(slot.person_id), "day": slot.day.isoformat(), "post": slot.post,
                        "version": row.version if row else 0}, note=note)
    refresh_month(session=session, unit_id=slot.unit_id, month=month_key(slot.day), tz=tz)
