"""Benchmark: how long a failed login takes for a known user, an unknown one, an inactive one and a locked pair.

Issue 13 measured ~211 ms for a known user and ~40 ms for an unknown one (enumeration by timing); now a known user
verifies one argon2 hash and the others (decided: no hash) wait as long, so the medians should agree within a few
ms. Timing is reported here, never asserted in
tests (tests/web/test_login_throttle.py asserts the behaviour: no hash for a decided outcome).
Run: python -m bench.bench_login
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core import db
from models import schema
from models.accounts import Role, UserCreate, UserUpdate
from services import accounts

PASSWORD = "correct-horse-battery"


def _try(session: Session, username: str, password: str, source: str, now: datetime) -> float:
    started = time.perf_counter()
    accounts.authenticate(session=session, username=username, password=password, source=source, now=now,
                          max_failures=5, lockout=timedelta(minutes=15))
    return (time.perf_counter() - started) * 1000


def run(quick: bool = False) -> dict:
    """Median ms per path; the paths are interleaved try by try, so a busy machine slows them all alike."""
    tries = 5 if quick else 31
    engine = db.make_engine("sqlite://")
    schema.upgrade(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        accounts.create_user(session=session, actor="bench", data=UserCreate(
            username="duty", password=PASSWORD, role=Role.duty_officer))
        gone = accounts.create_user(session=session, actor="bench", data=UserCreate(
            username="gone", password=PASSWORD, role=Role.leader))
        accounts.update_user(session=session, user_id=gone.id, data=UserUpdate(active=False), actor="bench")
        for _ in range(5):  # lock the pair (duty, 10.9.9.9)
            _try(session, "duty", "wrong", "10.9.9.9", now)
        session.commit()
        paths = {"known_user_ms": ("duty", "wrong"), "unknown_user_ms": ("nobody", "wrong"),
                 "inactive_user_ms": ("gone", PASSWORD), "locked_pair_ms": ("duty", PASSWORD)}
        times: dict[str, list[float]] = {name: [] for name in paths}
        for i in range(tries):
            for name, (username, password) in paths.items():
                source = "10.9.9.9" if name == "locked_pair_ms" else f"10.0.{i}.1"
                times[name].append(_try(session, username, password, source, now))
                session.rollback()  # each try starts from the same throttles
    engine.dispose()
    figures = {name: statistics.median(values) for name, values in times.items()}
    spread = max(figures.values()) - min(figures.values())
    return {**{k: round(v, 1) for k, v in figures.items()}, "spread_ms": round(spread, 1),
            "goal_met": spread < 0.25 * figures["known_user_ms"]}


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<18} {value}")
