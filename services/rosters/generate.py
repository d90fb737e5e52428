"""Generate and store rosters: month keys, one unit (API, console) or many units streamed in chunks (flows, CLI)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from core.errors import Forbidden, Invalid
from models.rosters.roster import RosterMonth, RosterStatus
from rules.rosters.calendar import HolidayCalendar
from services.access import Actor
from services.rosters import planner as planners
from services.rosters.batch import generate_batch, write_batch
from services.rosters.calendar import load_calendar, missing_festivals, uncovered_years
from services.rosters.store import BulkCache


def parse_month(value: str) -> tuple[date, date]:
    """'2026-12' -> (first day, last day); Invalid naming `month` otherwise."""
    try:
        y, m = (int(x) for x in value.split("-"))
        first = date(y, m, 1)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"月份“{value}”格式应为 YYYY-MM（如 2026-12）", field="month") from exc
    if not 2000 <= y <= 2100:
        raise Invalid(f"月份“{value}”超出合理范围（2000—2100年）", field="month")
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

    A published month is left alone (listed in `published`) and the months around it are planned, each run of
    unpublished months continuing from the state stored after the month before it; `force` regenerates all.
    `calendar_missing` / `missing_festivals`: the planned years the holiday calendar does not fully know.

    With `planner` (default: from 4 chunks on, when another process can open the database) the chunks are
    planned in a planner process ahead of the writes here (services/rosters/planner.py)."""
    for m in months:
        parse_month(m)
    totals = {"units": 0, "slots": 0, "gaps": 0, "errors": {}, "calendar_missing": [], "published": {},
              "missing_festivals": {}}
    ids = sorted(set(unit_ids))
    with session_factory() as session:
        url = session.get_bind().engine.url  # an Engine, or a Connection (tests)
        if force:
            runs = [(months, ids)]
        else:
            runs, totals["published"] = unpublished_runs(session=session, unit_ids=ids, months=months)
        planned = sorted({m for run, _ in runs for m in run})
        totals["calendar_missing"] = uncovered_years(session=session, months=planned)
        totals["missing_festivals"] = missing_festivals(session=session, months=planned)
    counted: set[uuid.UUID] = set()
    for run, run_ids in runs:  # in month order: a later run continues from the published month before it
        _generate_run(session_factory, url, run_ids, run, actor, force, tz, progress, chunk, cache_mb, planner,
                      totals, counted)
    if totals["slots"] > 100_000:
        with session_factory() as session:  # fresh planner statistics after a bulk load ("on duty now" stays fast)
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ANALYZE roster_slot"))
    return totals


def unpublished_runs(*, session: Session, unit_ids: list[uuid.UUID], months: list[str]
                     ) -> tuple[list[tuple[list[str], list[uuid.UUID]]], dict[uuid.UUID, list[tuple[str, int]]]]:
    """Plan around published months: the runs of consecutive `months` not yet published, each with the units that
    share it (first months first), and per unit the published months left alone as (month, version)."""
    wanted = set(unit_ids)
    published: dict[uuid.UUID, list[tuple[str, int]]] = defaultdict(list)
    q = select(RosterMonth.unit_id, RosterMonth.month, RosterMonth.version).where(
        RosterMonth.status == RosterStatus.published, col(RosterMonth.month).in_(months))
    for uid, m, version in session.exec(q):
        if uid in wanted:
            published[uid].append((m, version))
    groups: dict[tuple[str, ...], list[uuid.UUID]] = defaultdict(list)
    for uid in unit_ids:
        done, run = {m for m, _ in published.get(uid, ())}, []
        for m in [*months, None]:
            if m is not None and m not in done:
                run.append(m)
            elif run:
                groups[tuple(run)].append(uid)
                run = []
    return ([(list(run), members) for run, members in sorted(groups.items())],
            {u: sorted(ms) for u, ms in published.items()})


def _generate_run(session_factory, url, ids: list[uuid.UUID], months: list[str], actor: str, force: bool, tz: str,
                  progress, chunk: int, cache_mb: int, planner: bool | None, totals: dict, counted: set) -> None:
    """One run of consecutive months for its units, in chunks (see generate_units)."""
    # In key order: a chunk's rows then fill one contiguous run of each day's entries in the time-ordered
    # "on duty" index instead of a few rows on every one of its pages (which made each commit rewrite it).
    chunks = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
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
                        _count(totals, done, *fut.result(), progress, counted)
                for done, fut in pending:
                    _count(totals, done, *fut.result(), progress, counted)
        else:
            calendar = None
            for part in chunks:
                with session_factory() as session:
                    calendar = calendar or load_calendar(session=session)
                    results, errors = generate_batch(session=session, unit_ids=part, months=months, actor=actor,
                                                     force=force, calendar=calendar, tz=tz, cache=cache)
                    session.expunge_all()
                _count(totals, part, results, errors, progress, counted)
    finally:
        cache.release()  # all committed: the connections keep their usual cache


def _count(totals: dict, part: list[uuid.UUID], results: dict, errors: dict, progress, counted: set) -> None:
    """Add one committed chunk to the run's totals and report each unit's progress (once per unit and run)."""
    totals["errors"].update({k: e.reason for k, e in errors.items()})
    for uid in part:
        done = results.get(uid, [])
        slots = sum(d["slots"] for d in done)
        totals["units"] += uid not in counted
        counted.add(uid)
        totals["slots"] += slots
        totals["gaps"] += sum(d["gaps"] for d in done)
        if progress:
            progress(uid, slots)
