"""Tomorrow's reminders from 16:00, once per person per slot even when the flow runs twice; notices."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from core.settings import Settings
from models.deliveries import Delivery
from models.rosters.duty import RosterReminder
from models.rosters.roster import RosterSlot
from services.rosters import reminders


def test_reminders_at_1600_once_per_person_per_slot(session, generated, settings):
    unit = generated["unit"]
    before = datetime(2026, 12, 4, 7, 59, tzinfo=UTC)  # 15:59 local
    assert reminders.send_tomorrow(session=session, now=before, settings=settings) == 0
    at = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # 16:00 local on Dec 4
    on_duty = {s.person_id for s in session.exec(select(RosterSlot).where(
        RosterSlot.unit_id == unit.id, RosterSlot.day == date(2026, 12, 5)))}
    assert reminders.send_tomorrow(session=session, now=at, settings=settings) == len(on_duty) == 2
    assert reminders.send_tomorrow(session=session, now=at.replace(hour=9), settings=settings) == 0  # second run: nothing new
    rows = session.exec(select(RosterReminder).where(RosterReminder.unit_id == unit.id)).all()
    assert {r.person_id for r in rows} == on_duty and all("12-05" in r.body for r in rows)
    inbox = session.exec(select(Delivery).where(Delivery.source == "roster")).all()
    assert len(inbox) == 2 and {d.channel for d in inbox} == {"inbox"}
    assert {d.person_id for d in inbox} == on_duty


def test_holiday_notice_reaches_every_unit_once(session, generated, directory, settings):
    at = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)  # 3 days before National Day 2026
    n = reminders.send_notices(session=session, now=at, settings=settings)
    units_with_recipient = 1  # only the town has a leader pool (no unit heads in the fixture)
    assert n == units_with_recipient
    assert reminders.send_notices(session=session, now=at, settings=settings) == 0
    row = session.exec(select(RosterReminder).where(RosterReminder.kind == "holiday_notice")).one()
    assert "国庆节" in row.subject and "2026-10-01" in row.body


def test_reminder_time_is_a_setting(session, generated, monkeypatch):
    """DUTYDESK_ROSTERS__REMINDER_AT moves the reminders: nothing at 16:00, sent at 18:00."""
    monkeypatch.setenv("DUTYDESK_ROSTERS__REMINDER_AT", "18:00")
    settings = Settings()
    assert settings.rosters.reminder_at == "18:00"
    assert reminders.send_tomorrow(session=session, now=datetime(2026, 12, 4, 8, 0, tzinfo=UTC), settings=settings) == 0
    assert reminders.send_tomorrow(session=session, now=datetime(2026, 12, 4, 10, 0, tzinfo=UTC), settings=settings) == 2
