"""Demo rosters: posts and pools for every unit, published rosters for this month and next, some leaves."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from models.directory import Person, Unit
from models.rosters.leave import LeaveCreate
from models.rosters.roster import RosterSlot
from services.access import Actor
from services.rosters import leaves, publish
from services.rosters import policy as pol
from services.rosters.generate import generate_month, month_key, shift_month

ACTOR = "demo-seed"
BY = Actor.system(ACTOR)


def seed_rosters(session: Session, today: date, tz: str) -> dict[str, int]:
    """Posts, pools, published rosters (this month and next) and two leaves, one leaving a visible gap."""
    units = list(session.exec(select(Unit).where(Unit.active).order_by(Unit.sort_order, Unit.code)))
    months = [month_key(today), shift_month(month_key(today), 1)]
    now = datetime.combine(today, time(1, 0), UTC)
    slots = 0
    for unit in units:
        people = list(session.exec(select(Person).where(Person.unit_id == unit.id, Person.active).order_by(Person.created_at)))
        leaders = [p for p in people if p.title != "工作人员"][:4]
        officers = [p for p in people if p.title == "工作人员"] or people[len(leaders):]
        if not leaders or not officers:
            continue
        pol.ensure_default_posts(session=session, unit_id=unit.id, actor=ACTOR)
        pol.set_pool(session=session, unit_id=unit.id, post="leader", people=[p.id for p in leaders], by=BY)
        pol.set_pool(session=session, unit_id=unit.id, post="officer", people=[p.id for p in officers], by=BY)
        for m in months:
            slots += generate_month(session=session, unit_id=unit.id, month=m, by=BY, tz=tz).slots
            publish.publish(session=session, unit_id=unit.id, month=m, now=now, by=BY)
    filed = _leaves(session, units, today, tz)
    return {"roster_months": len(units) * len(months), "roster_slots": slots, "leaves": filed}


def _leaves(session: Session, units: list[Unit], today: date, tz: str) -> int:
    """A leave on a rostered leader of the first town (a gap with a substitute) and one elsewhere."""
    filed = 0
    for unit, offset, covered in ((units[1], 2, True), (units[-1], 5, False)) if len(units) > 1 else ():
        day = today + timedelta(days=offset)
        holder = session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id, RosterSlot.post == "leader",
                                                       RosterSlot.day == day)).first()
        if holder is None:
            continue
        pool = [x for x in pol.pools_of(session, unit.id)["leader"] if x != str(holder.person_id)]
        person_id = holder.person_id if covered else uuid.UUID(pool[0])
        acting = next(x for x in pol.pools_of(session, unit.id)["leader"] if x != str(person_id))
        leaves.file_leave(session=session, today=today, by=BY, data=LeaveCreate(
            person_id=person_id, start_day=day, end_day=day + timedelta(days=1 if covered else 0),
            destination="市应急管理局", reason="参加全市防汛培训" if covered else "外出调研",
            contact="0838-6200000", arrangements="日常工作由主持工作人员负责", acting_person_id=uuid.UUID(acting)), tz=tz)
        filed += 1
    return filed
