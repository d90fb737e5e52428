"""Generate and store rosters: month keys, one unit (API, console) or many units streamed in chunks (flows, CLI)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy import text
from sqlmodel import Session, select

from core.errors import Forbidden, Invalid
from models.rosters.roster import RosterMonth
from rules.rosters.calendar import HolidayCalendar
from services.access import Actor
from services.rosters import planner as planners
from services.rosters.batch import generate_batch, write_batch
from services.rosters.calendar import load_calendar, uncovered_years
from services.rosters.store import BulkCache


def parse_month(value: str) -> tuple[date, date]:
    """'2026-12' -> (first day, last day); Invalid naming `month` otherwise."""
    try:
        y, m = (int(x) for x in value.split("-"))
        first = date(y, m, 1)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"month {value!r} is not YYYY-MM", field="month") from exc
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def shift_month(key: str, n: int) -> str:
    y, m = (int(x) for x in key.split("-"))
    idx = y * 12 + m - 1 + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_row(session: Session, unit_id: uuid.UUID, month: str) -> RosterMonth | None:
    return session.exec(select(RosterMonth).where(RosterMonth.unit_id == unit_id, RosterMonth.month == month)).first()


def generate_month(*, session: Session, unit_id: uuid.UUID, month: str, by: Actor, force: bool = False,
                   calendar: HolidayCalendar | None = None, tz: str) -> RosterMonth:
    """Generate one unit-month (a published month only with `force`, which bumps its version; only the office
    regenerates a published roster)."""
    by.check_own_unit(unit_id)
    if force and not by.office:
        raise Forbidden("只有值班室可以重新生成已发布的值班表 (only the duty office regenerates a published roster)",
                        field="force")
    generate_unit(session=session, unit_id=unit_id, months=[month], actor=by.name, force=force, calendar=calendar,
                  tz=tz)
    return month_row(session, unit_id, month)


def generate_unit(*, session: Session, unit_id: uuid.UUID, months: list[str], actor: str, force: bool = False,
                  calendar: HolidayCalendar | None = None, tz: str) -> list[dict]:
    """Generate consecutive months of one unit (one rules call); Conflict / Invalid name the field."""
    for m in months:
        parse_month(m)
    results, errors = generate_batch(session=session, unit_ids=[unit_id], months=months, actor=actor, force=force,
                                     calendar=calendar or load_calendar(session=session), tz=tz)
    if errors:
        raise errors[str(unit_id)]
    return results[unit_id]


def generate_units(*, session_factory: Callable[[], object], unit_ids: Iterable[uuid.UUID], months: list[str],
                   actor: str, force: bool = False, tz: str,
                   progress: Callable[[uuid.UUID, int], None] | None = None, chunk: int = 100,
                   cache_mb: int = 64, planner: bool | None = None) -> dict:
    """Stream many units: one transaction and one bulk write per `chunk` units (memory flat in units).

    With `planner` (default: from 4 chunks on, when another process can open the database) the chunks are
    planned in a planner process ahead of the writes here (services/rosters/planner.py)."""
    for m in months:
        parse_month(m)
    totals = {"units": 0, "slots": 0, "gaps": 0, "errors": {}, "calendar_missing": []}
    # In key order: a chunk's rows then fill one contiguous run of each day's entries in the time-ordered
    # "on duty" index instead of a few rows on every one of its pages (which made each commit rewrite it).
    ids = sorted(set(unit_ids))
    chunks = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    with session_factory() as session:
        url = session.get_bind().engine.url  # an Engine, or a Connection (tests)
        totals["calendar_missing"] = uncovered_years(session=session, months=months)
    if planner is None:
        planner = len(chunks) >= 4
    cache = BulkCache(cache_mb)
    try:
        if planner and planners.usable(url):
            # PostgreSQL parses and indexes a COPY on one core per connection: two writers keep both busy.
            # SQLite has one writer at a time.
            writers = 2 if url.drivername.startswith("postgresql") else 1

            def write(plan):
                with session_factory() as session:
                    out = write_batch(session=session, plan=plan, actor=actor, cache=cache)
                    session.expunge_all()
                return out

            with planners.Planner(url, ahead=writers + 1) as ahead, ThreadPoolExecutor(writers) as pool:
                pending: list[tuple[list, Future]] = []
                for part, plan in zip(chunks, ahead.plans(chunks, months, force, tz)):
                    pending.append((part, pool.submit(write, plan)))
                    while len(pending) >= writers:
                        done, fut = pending.pop(0)
                        _count(totals, done, *fut.result(), progress)
                for done, fut in pending:
                    _count(totals, done, *fut.result(), progress)
        else:
            calendar = None
            for part in chunks:
                with session_factory() as session:
                    calendar = calendar or load_calendar(session=session)
                    results, errors = generate_batch(session=session, unit_ids=part, months=months, actor=actor,
                                                     force=force, calendar=calendar, tz=tz, cache=cache)
                    session.expunge_all()
                _count(totals, part, results, errors, progress)
    finally:
        cache.release()  # all committed: the connections keep their usual cache
    if totals["slots"] > 100_000:
        with session_factory() as session:  # fresh planner statistics after a bulk load ("on duty now" stays fast)
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ANALYZE roster_slot"))
    return totals


def _count(totals: dict, part: list[uuid.UUID], results: dict, errors: dict, progress) -> None:
    """Add one committed chunk to the run's totals and report each unit's progress."""
    totals["errors"].update({k: e.reason for k, e in errors.items()})
    for uid in part:
        done = results.get(uid, [])
        slots = sum(d["slots"] for d in done)
        totals["units"] += 1
        totals["slots"] += slots
        totals["gaps"] += sum(d["gaps"] for d in done)
        if progress:
            progress(uid, slots)
