"""Keep every unit's roster generated N weeks ahead, and its gaps re-checked (the batch side)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from core.settings import Settings
from models.rosters.roster import DutyPost, RosterMonth
from services.rosters.gaps import refresh_month
from services.rosters.generate import generate_units, month_key

log = logging.getLogger("dutydesk.rosters")


def months_ahead(now: datetime, weeks: int, tz: str) -> list[str]:
    """Month keys from this month to the month `weeks` weeks from now."""
    today = now.astimezone(ZoneInfo(tz)).date()
    last = month_key(today + timedelta(weeks=weeks))
    out, m = [], month_key(today)
    while m <= last:
        out.append(m)
        y, mo = (int(x) for x in m.split("-"))
        m = f"{y + (mo == 12):04d}-{mo % 12 + 1:02d}"
    return out


def missing(session: Session, months: list[str]) -> dict[str, list]:
    """month -> unit ids with posts but no roster for that month."""
    units = set(session.exec(select(DutyPost.unit_id).distinct()))
    have = {(u, m) for u, m in session.exec(select(RosterMonth.unit_id, RosterMonth.month)
                                            .where(RosterMonth.month.in_(months)))}
    return {m: sorted((u for u in units if (u, m) not in have), key=str) for m in months}


def extend(*, session_factory: Callable, now: datetime, settings: Settings, weeks: int | None = None) -> dict:
    """Generate draft months missing within `weeks` (default rosters.weeks_ahead); months already there are left
    as they are."""
    cfg, tz = settings.rosters, settings.timezone
    months = months_ahead(now, weeks or cfg.weeks_ahead, tz)
    with session_factory() as session:
        todo = missing(session, months)
    out = {"months": months, "generated": 0, "errors": {}}
    for m in months:  # in order, so each month continues the previous one's rotation state
        if todo[m]:
            r = generate_units(session_factory=session_factory, unit_ids=todo[m], months=[m], actor="flow:rosters",
                               tz=tz, chunk=cfg.generate_chunk)
            out["generated"] += r["units"] - len(r["errors"])
            out["errors"].update(r["errors"])
    for uid, why in out["errors"].items():
        log.warning("roster for unit %s not generated: %s", uid, why)
    return out


def recheck(*, session: Session, now: datetime, tz: str) -> int:
    """Re-check stored gaps of this month and next for every unit (leave or pools may have changed)."""
    months = months_ahead(now, 4, tz)[:2]
    n = 0
    for unit_id, month in session.exec(select(RosterMonth.unit_id, RosterMonth.month)
                                       .where(RosterMonth.month.in_(months))):
        n += refresh_month(session=session, unit_id=unit_id, month=month, tz=tz)
    return n
