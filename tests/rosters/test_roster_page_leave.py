"""The roster month page marks a rostered leader's leave and acting person (lead17), as the dashboard and the wall
do: 请假 and 代：名字 on that day, from the same rule (rules.rosters.away.acting_for)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from models.rosters.leave import LeaveCreate
from models.rosters.roster import RosterSlot
from services.access import Actor
from services.rosters import leaves
from services.rosters.generate import generate_month
from services.rosters.views import month_view
from tests.conftest import PASSWORD
from tests.rosters.conftest import MONTH

TZ = "Asia/Shanghai"
DAY = date(2026, 12, 3)


def _leave(session, roster_unit):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz=TZ)
    slots = sorted(session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id, RosterSlot.post == "leader")),
                   key=lambda s: s.day)
    slot = next(s for s in slots if s.day == DAY)
    stand_in = next(s for s in slots if s.day == DAY - timedelta(days=1)).person_id
    leaves.file_leave(session=session, today=DAY, by=Actor.system("test"), tz=TZ, data=LeaveCreate(
        person_id=slot.person_id, start_day=DAY, end_day=DAY, destination="市人民医院", reason="家属急病",
        contact="13900000000", arrangements="由昨日带班领导代", urgent=True, urgent_reason="家属送医",
        acting_person_id=stand_in))
    session.commit()
    names = {p.id: p.name for p in roster_unit["leaders"]}
    return slot, names[slot.person_id], names[stand_in]


def test_the_month_view_says_who_is_on_leave_and_who_acts(session, roster_unit):
    slot, away, acting = _leave(session, roster_unit)
    view = month_view(session=session, unit_id=roster_unit["unit"].id, month=MONTH, tz=TZ, by=Actor.system("test"))
    day = next(d for d in view["days"] if d.day == DAY)
    (leader,) = day.posts["leader"]
    assert (leader["name"], leader["on_leave"], leader["acting"]) == (away, True, acting)
    other = next(d for d in view["days"] if d.day == DAY + timedelta(days=1))
    assert not any(x["on_leave"] for xs in other.posts.values() for x in xs)


def test_the_roster_page_shows_leave_and_acting_person(client, users, session, roster_unit):
    slot, away, acting = _leave(session, roster_unit)
    client.app.state.clock = lambda: datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    r = client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303)
    page = client.get(f"/rosters?unit_id={roster_unit['unit'].id}&month={MONTH}", headers={"accept": "text/html"}).text
    row = re.search(r'<tr class="dc-\w+"><td>2026-12-03 .*?</tr>', page, re.S).group(0)
    assert "请假" in row and f"代：{acting}" in re.sub(r"<[^>]+>", "", row) and away in row
    row4 = re.search(r'<tr class="dc-\w+"><td>2026-12-04 .*?</tr>', page, re.S).group(0)
    assert "请假" not in row4
