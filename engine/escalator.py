"""Engine part: fire escalation steps and deadline alarms at their due time.

Wake-ups are APScheduler date jobs rebuilt from the rows at start, a wake-up after every commit that
creates due work (services.incidents.wakeups.WAKE_HOOKS: kept in a heap under one date job at the earliest,
or a kick to the escalator's own thread when the work is due at once), and a 1–5 s sweep as the backup; each wake-up runs the same
service tick, whose fenced claims make duplicate wake-ups harmless.
"""

from __future__ import annotations

import heapq
import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from sqlmodel import Session, select

from core.settings import Settings
from models.incidents.escalation import EscalationState
from models.incidents.records import Deadline
from services.incidents import escalation, sweeps, wakeups

log = logging.getLogger("dutydesk.engine.escalator")
BATCH = 20  # escalation steps per transaction
SWEEP_GAP = timedelta(seconds=0.5)  # deadline/instruction sweeps at most this often (each costs ~1 ms CPU)


class Escalator:
    """Runs `escalation.tick` and the deadline sweep whenever a row falls due."""

    def __init__(self, clock, db_engine, settings: Settings, *, instance: str, now=lambda: datetime.now(UTC)) -> None:
        self.clock, self.db_engine, self.settings, self.now = clock, db_engine, settings, now
        self.instance = instance
        self._lock = threading.Lock()
        self._again = False
        self.runs = 0
        self._swept_at = datetime.min.replace(tzinfo=UTC)
        self._kick = threading.Event()  # work due now: the kicker thread runs a pass at once
        self._kicker: threading.Thread | None = None
        self._stopping = False
        self._named: dict[str, datetime] = {}  # when each named date job is set to run
        self._pending: list[datetime] = []  # the commits' future wake-ups (a heap); one date job, at the first
        self._pending_at: datetime | None = None  # when that job is set to run
        self._pending_lock = threading.Lock()

    def run(self) -> None:
        """One pass; a wake-up arriving mid-pass makes the pass repeat instead of queueing threads."""
        if not self._lock.acquire(blocking=False):
            self._again = True
            return
        try:
            while True:
                self._again = False
                self._pass()
                if not self._again:
                    break
        finally:
            self._lock.release()

    def _pass(self) -> None:
        try:
            fired = []
            with Session(self.db_engine, expire_on_commit=False) as session:
                while True:  # small transactions: a long one would hold SQLite's write lock and grow the session
                    now = self.now()  # per batch: each step's time is when it really fired
                    batch = escalation.tick(session=session, now=now, instance=self.instance, settings=self.settings,
                                            limit=BATCH)
                    session.commit()
                    session.expunge_all()
                    fired += batch
                    if len(batch) < BATCH:
                        break
                # a wake-up per new incident would sweep every deadline each time: at most one sweep per gap,
                # and a skipped one comes back at the gap's end, so an alarm is at most SWEEP_GAP late
                swept = {}
                if now - self._swept_at >= SWEEP_GAP:
                    swept = sweeps.sweep(session=session, now=now, settings=self.settings)
                    session.commit()
                    self._swept_at = now
                else:
                    self.wake_at(self._swept_at + SWEEP_GAP, job_id="incidents:sweep-gap")
                nxt = self.next_due(session)
            self.runs += 1
            if fired or any(swept.values()):
                log.info("escalator: %d step(s) fired, %s", len(fired), swept)
            if nxt is not None:
                self.wake_at(nxt, job_id="incidents:next")
        except Exception:  # the sweep retries; a failing pass must not kill the clock
            log.exception("escalator pass failed")

    @staticmethod
    def next_due(session: Session) -> datetime | None:
        return session.exec(select(EscalationState.next_due_at).where(
            EscalationState.status == "active", EscalationState.next_due_at.is_not(None))
            .order_by(EscalationState.next_due_at).limit(1)).first()

    def wake_at(self, due: datetime, job_id: str | None = None) -> None:
        """A pass at `due`: a date job, or (already due, once started) a kick to the kicker thread, which costs
        the committing request nothing and the scheduler no job per new incident."""
        now = self.now()
        if due <= now and self._kicker is not None:
            self._kick.set()
            return
        run_date = max(due, now)
        if job_id is None:  # the wake-ups of commits: kept here, one date job at the earliest (not one each)
            with self._pending_lock:
                heapq.heappush(self._pending, run_date)
                if self._pending_at is not None and self._pending_at <= run_date:
                    return  # the job waiting runs first, and sets the next from the heap
                self._pending_at = run_date
                self._add_job(self._pending_due, run_date, "incidents:pending")
            return
        if run_date > now and self._named.get(job_id) == run_date:
            return  # that job is still waiting: a date job cannot run before its time
        self._named[job_id] = run_date
        self._add_job(self.run, run_date, job_id)

    def _add_job(self, func, run_date: datetime, job_id: str) -> None:
        # many wake-ups may overlap: run() itself folds them into one pass, so none may be skipped here
        self.clock.scheduler.add_job(func, "date", run_date=run_date, misfire_grace_time=None, max_instances=1000,
                                     id=job_id, replace_existing=True)

    def _pending_due(self) -> None:
        """The earliest kept wake-up is due: the next one gets the date job, then the pass runs (as each
        wake-up's own date job did)."""
        now = self.now()
        with self._pending_lock:
            while self._pending and self._pending[0] <= now:
                heapq.heappop(self._pending)
            self._pending_at = self._pending[0] if self._pending else None
            if self._pending_at is not None:
                self._add_job(self._pending_due, self._pending_at, "incidents:pending")
        self.run()

    def _kicked(self) -> None:
        while True:
            self._kick.wait()
            if self._stopping:
                return
            self._kick.clear()  # before the pass: a commit landing during it kicks again
            self.run()

    def rebuild(self) -> int:
        """Date jobs for every due row (escalation steps, deadlines and their pre-alarms)."""
        pre = timedelta(minutes=self.settings.incidents.pre_alarm_minutes)
        with Session(self.db_engine) as session:
            times = set(escalation.next_due(session))
            for due in session.exec(select(Deadline.due_at).where(Deadline.met_at.is_(None),
                                                                  Deadline.cancelled_at.is_(None))):
                times.update({due, due - pre})
        now = self.now()
        for t in sorted(times):
            if t > now:
                self.wake_at(t)
        return len(times)

    def start(self) -> None:
        self._kicker = threading.Thread(target=self._kicked, name="escalator-kick", daemon=True)
        self._kicker.start()
        wakeups.WAKE_HOOKS.append(self.wake_at)
        n = self.rebuild()
        self.clock.every(self.settings.incidents.sweep_seconds, self.run, "incidents:sweep")
        self.wake_at(self.now())  # catch up at once on whatever fell due while we were down
        log.info("escalator %s started with %d wake-ups rebuilt", self.instance, n)

    def stop(self) -> None:
        if self.wake_at in wakeups.WAKE_HOOKS:
            wakeups.WAKE_HOOKS.remove(self.wake_at)
        self._stopping = True
        self._kick.set()


def start(clock, settings: Settings, db_engine) -> Escalator:
    """Engine part: rebuild wake-ups from the rows and start the backup sweep."""
    esc = Escalator(clock, db_engine, settings, instance=settings.instance_label)
    esc.start()
    clock.scheduler.add_listener(lambda _event: esc.stop(), EVENT_SCHEDULER_SHUTDOWN)
    return esc
