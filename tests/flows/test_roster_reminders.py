"""The roster-reminders flow, run by Prefect on the demo county: each person on duty tomorrow, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from core.settings import get_settings
from dutydesk import demo
from models.rosters.duty import RosterReminder
from models.rosters.roster import RosterSlot

TZ = ZoneInfo("Asia/Shanghai")


def test_reminders_flow_reaches_everyone_on_duty_tomorrow_once(prefect_harness, flow_db):
    from flows.rosters import roster_reminders

    today = datetime.now(TZ).date()
    with Session(flow_db) as s:
        demo.seed(s, get_settings())
        s.commit()
        tomorrow_slots = s.exec(select(func.count()).select_from(RosterSlot)
                                .where(RosterSlot.day == today + timedelta(days=1))).one()
    at_1600 = datetime.combine(today, datetime.min.time(), TZ).replace(hour=16).astimezone(UTC)

    first = asyncio.run(roster_reminders(now=at_1600))
    again = asyncio.run(roster_reminders(now=at_1600 + timedelta(hours=1)))  # the 17:00 catch-up run

    assert tomorrow_slots > 0
    assert first["tomorrow"] == tomorrow_slots
    assert again["tomorrow"] == 0
    with Session(flow_db) as s:
        assert s.exec(select(func.count()).select_from(RosterReminder)
                      .where(RosterReminder.kind == "tomorrow")).one() == tomorrow_slots
