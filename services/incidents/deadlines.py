"""Report deadlines as rows (the truth): open, meet, reschedule, and their alarms (报送时限提醒)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from core.settings import Settings
from models.incidents.records import Deadline, Incident, Report
from models.types import new_id
from rules import incidents as r
from services.incidents import convert, targets, upward
from services.incidents.report_policies import report_policies
from services.incidents.wakeups import wake_after_commit

REPORT_KINDS = ("phone", "written")  # the 首报 deadlines
FOLLOWUP_KINDS = r.FOLLOWUP_DEADLINES


def open_rows(session: Session, incident_id, kinds=None) -> list[Deadline]:
    q = select(Deadline).where(Deadline.incident_id == incident_id, Deadline.met_at.is_(None),
                               Deadline.cancelled_at.is_(None))
    if kinds:
        q = q.where(Deadline.kind.in_(kinds))
    return list(session.exec(q.order_by(Deadline.due_at)))


def open_rows_of(session: Session, incident_ids: list) -> dict:
    """`open_rows` of many incidents in one query: {incident id: its open deadlines by due time}."""
    out: dict = {i: [] for i in incident_ids}
    if incident_ids:
        for d in session.exec(select(Deadline).where(Deadline.incident_id.in_(incident_ids), Deadline.met_at.is_(None),
                                                     Deadline.cancelled_at.is_(None)).order_by(Deadline.due_at)):
            out[d.incident_id].append(d)
    return out


def _new(incident: Incident, kind: str, due: datetime, text: str, now: datetime, element: str = "") -> Deadline:
    return Deadline(incident_id=incident.id, kind=kind, due_at=due, text=text, element=element, created_at=now)


def _add(session: Session, incident: Incident, kind: str, due: datetime, text: str, now: datetime,
         element: str = "") -> Deadline:
    row = _new(incident, kind, due, text, now, element)
    session.add(row)
    wake_after_commit(session, due)
    return row


def _report_deadlines(incident: Incident, settings: Settings) -> list[r.Deadline]:
    return r.report_deadlines(convert.grade_of(incident.grade), incident.sensitive, r.Category(incident.category),
                              incident.received_at, report_policies(settings).deadline)


_DEADLINE_INSERT = Deadline.__table__.insert()
_NO_ALARMS = dict(met_at=None, met_by=None, late_minutes=None, warned_at=None, alarmed_at=None, cancelled_at=None)


def insert_initial(session: Session, incident: Incident, now: datetime, *, settings: Settings) -> int:
    """A new incident's 首报 deadlines and 待核实 reminders as one Core INSERT (nothing to read back, no ORM
    objects: intake is the hot path); the incident must be flushed. Returns how many rows."""
    cas = convert.casualties_of(incident)
    rows = [(d.kind.value, d.due, f"首报{d.kind.label}时限{d.minutes}分钟", "")
            for d in _report_deadlines(incident, settings)]
    rows += [("unverified", d.due, d.text, d.element)
             for d in r.unverified_reminders(cas, now, report_policies(settings).followup)]
    if rows:
        session.connection().execute(_DEADLINE_INSERT, [
            dict(_NO_ALARMS, id=new_id(), incident_id=incident.id, kind=kind, due_at=due, text=text, element=element,
                 created_at=now) for kind, due, text, element in rows])
    for _kind, due, _text, _element in rows:
        wake_after_commit(session, due)
    return len(rows)


def unverified_reminders(session: Session, incident: Incident, at: datetime, *, settings: Settings) -> None:
    """A reminder per 待核实 figure that has none open yet."""
    have = {d.element for d in open_rows(session, incident.id, ["unverified"])}
    for due in r.unverified_reminders(convert.casualties_of(incident), at, report_policies(settings).followup):
        if due.element not in have:
            _add(session, incident, "unverified", due.due, due.text, at, due.element)


def regrade(session: Session, incident: Incident, now: datetime, *, settings: Settings) -> None:
    """After a grade change: unmet 首报 deadlines move to the new grade's (their alarms are said again at the new
    time), a kind the new grade drops is cancelled, one it adds (or brings back) is opened, and a report already
    in that meets it (a 首报 for the phone deadline) meets it at once, late or not."""
    wanted = {d.kind.value: d for d in _report_deadlines(incident, settings)}
    rows = list(session.exec(select(Deadline).where(Deadline.incident_id == incident.id,
                                                     Deadline.kind.in_(REPORT_KINDS))))
    chain = list(session.exec(select(Report).where(Report.incident_id == incident.id).order_by(Report.reported_at)))
    # a deadline "met" by a written report whose upward send failed is open again (standing: 报送失败): the report
    # is not yet given, so its deadline follows the new grade too (its lateness judged by the new time)
    failed = {rid for rid, u in upward.statuses(session, incident, chain).items() if u.alarm}
    for row in rows:
        if row.met_at is not None and row.met_by in failed and row.kind in wanted and row.cancelled_at is None:
            d = wanted[row.kind]
            if row.due_at != d.due:
                row.warned_at = row.alarmed_at = None
            row.due_at, row.text = d.due, f"首报{d.kind.label}时限{d.minutes}分钟"
            row.late_minutes = r.lateness(d.due, row.met_at).minutes_late or None
            session.add(row)
            continue
        unmet = row.met_at is None and (row.cancelled_at is None or incident.status == "open")
        if not unmet:
            continue
        if row.kind in wanted:
            d = wanted[row.kind]
            if row.due_at != d.due or row.cancelled_at is not None:  # a new deadline: alarms not yet given
                row.warned_at = row.alarmed_at = None
            row.due_at, row.text, row.cancelled_at = d.due, f"首报{d.kind.label}时限{d.minutes}分钟", None
        elif row.cancelled_at is None:
            row.cancelled_at = now
        session.add(row)
    for kind, d in wanted.items():
        if not any(row.kind == kind for row in rows):
            rows.append(_add(session, incident, kind, d.due, f"首报{d.kind.label}时限{d.minutes}分钟", now))
    for row in rows:
        if row.met_at is None and row.cancelled_at is None:
            done = next((rep for rep in chain if r.meets(rep.kind, rep.channel, row.kind)), None)
            if done is not None and _mark(session, row, done).late and row.kind == done.channel:
                done.late_minutes = max(done.late_minutes or 0, row.late_minutes)  # late by its own deadline
                session.add(done)
    if any(rep.kind == "first" for rep in chain):
        schedule_daily(session, incident, now, settings=settings)
    session.flush()


def _mark(session: Session, row: Deadline, report: Report) -> r.Lateness:
    lt = r.lateness(row.due_at, report.reported_at)
    row.met_at, row.met_by, row.late_minutes = report.reported_at, report.id, lt.minutes_late or None
    session.add(row)
    return lt


def on_casualties(session: Session, incident: Incident, before: r.Casualties | None, now: datetime, *,
                  settings: Settings) -> None:
    """A casualty change needs a follow-up at once; new 待核实 figures get reminders."""
    after = convert.casualties_of(incident)
    change = r.casualty_change_followup(before, after, now) if after is not None else None
    if change is not None and not open_rows(session, incident.id, ["casualty_change"]):
        _add(session, incident, "casualty_change", change.due, change.text, now)
    unverified_reminders(session, incident, now, settings=settings)
    for row in open_rows(session, incident.id, ["unverified"]):
        if r.is_known(convert.figure_of(incident, row.element)):
            row.met_at = now  # verified (the office learned the figure): the reminder is met, not cancelled
            session.add(row)
    session.flush()


def schedule_daily(session: Session, incident: Incident, after: datetime, *, settings: Settings) -> None:
    """Grade III+: the next daily 续报 slot (08:00/17:00 by default) after `after`, if none is open."""
    if incident.status != "open" or any(d.due_at > after for d in open_rows(session, incident.id, ["followup"])):
        return
    zone = settings.tz
    slots = r.next_followups(convert.grade_of(incident.grade), after, zone, report_policies(settings).followup,
                             limit=3)
    # one row per slot: a slot already met (a 续报 sent ahead of it) is not opened again
    taken = set(session.exec(select(Deadline.due_at).where(Deadline.incident_id == incident.id,
                                                           Deadline.kind == "followup")).all())
    taken = {t if t.tzinfo else t.replace(tzinfo=after.tzinfo) for t in taken}
    free = [s for s in slots if s not in taken]
    if free:
        _add(session, incident, "followup", free[0], f"每日定时续报（{free[0].astimezone(zone):%H:%M}）", after)


def meet(session: Session, incident: Incident, report: Report, now: datetime, *, settings: Settings) -> int | None:
    """Mark the deadlines this report meets; returns its minutes late (迟报) by its own deadline (a 首报's by its
    channel's; a 续报's by the 续报 deadlines and, written, the written one), None when on time."""
    late: list[int] = []
    rows = open_rows(session, incident.id, (*REPORT_KINDS, *FOLLOWUP_KINDS))
    # a 续报 answers the daily slots already due (late) or the one whose own window it falls in (the rule's): a
    # 续报 at 22:13 is not the next morning's 08:00 report, and one late 续报 never meets tomorrow's slot too
    zone, policy = settings.tz, report_policies(settings).followup
    answered = [d for d in rows if d.kind == "followup" and d.created_at <= report.reported_at
                and r.meets_followup_slot(d.due_at, report.reported_at, zone, policy)]
    for row in rows:
        if not r.meets(report.kind, report.channel, row.kind):  # which report meets which deadline: the rule's
            continue
        if row.kind == "followup" and row not in answered and report.kind != "final":
            continue
        lt = _mark(session, row, report)
        own = row.kind == report.channel if row.kind in REPORT_KINDS else True
        if lt.late and own:
            late.append(lt.minutes_late)
    cas = convert.casualties_from_json(report.elements.get("casualties"))
    for row in open_rows(session, incident.id, ["unverified"]):
        if cas is not None and r.is_known(getattr(cas, row.element)):
            row.met_at, row.met_by = report.reported_at, report.id
            session.add(row)
    if report.kind == "final":  # the 终报: nothing more is due (shown 已终报，无需续报)
        for row in open_rows(session, incident.id):
            row.cancelled_at, row.cancel_reason = now, "final"
            session.add(row)
    session.flush()
    return max(late) if late else None


def standing(rows: list[Deadline], ups: dict, *, closed: bool = False) -> dict:
    """What each deadline shows, given the upward outcome of the reports (`upward.statuses`): a deadline met by a
    written report is met only once that report reached the city (sent/delivered) or was phoned; while its send
    is failed/unknown the deadline is open again ("upward_failed", 报送失败), while queued it is "upward_pending".
    Once the incident is `closed` by its 终报, a 续报 deadline not met (or met by a send that failed) is no longer
    required ("final_done", 已终报，无需续报), not a live failed deadline.
    Returns {deadline id: met | late | cancelled | merged | final_done | open | upward_failed | upward_pending}."""
    out = {}
    for row in rows:
        u = ups.get(row.met_by) if row.met_by is not None else None
        if closed and row.kind in FOLLOWUP_KINDS and row.cancel_reason != "merged" and (
                row.met_at is None or (u is not None and (u.alarm or u.state in ("queued", "sending")))):
            out[row.id] = "final_done"
        elif row.cancelled_at is not None and row.met_at is None:
            out[row.id] = "merged" if row.cancel_reason == "merged" else "cancelled"
        elif row.met_at is None:
            out[row.id] = "open"
        elif u is not None and u.alarm:
            out[row.id] = "upward_failed"
        elif u is not None and u.state in ("queued", "sending"):
            out[row.id] = "upward_pending"
        else:
            out[row.id] = "late" if row.late_minutes else "met"
    return out


def still_open(session: Session, incident_id, ups: dict, *, rows: list[Deadline] | None = None,
               closed: bool = False) -> list[Deadline]:
    """Open deadlines plus those "met" by a report whose upward send failed (报送失败: not met), by due time.
    A board passes each incident's open `rows`, read for all its incidents at once (`open_rows_of`). Once the
    incident is `closed` by its 终报 its 续报 deadlines are not required any more (`standing`'s final_done)."""
    failed = [u.report.id for u in ups.values() if u.alarm]
    rows = open_rows(session, incident_id) if rows is None else list(rows)
    if failed:
        rows += list(session.exec(select(Deadline).where(Deadline.incident_id == incident_id,
                                                         Deadline.met_by.in_(failed),
                                                         Deadline.cancelled_at.is_(None))))
    if closed:
        rows = [d for d in rows if d.kind not in FOLLOWUP_KINDS]
    return sorted(rows, key=lambda d: d.due_at)


def reopened(session: Session, incident_ids) -> list[tuple[Deadline, datetime]]:
    """Deadlines "met" by a report whose upward send failed (报送失败: open again), with when each reopened (the
    failed send's time), of the given incidents that are still open (a closed one's failure stays an alert)."""
    out = []
    for incident in session.exec(select(Incident).where(Incident.id.in_(list(incident_ids)),
                                                        Incident.status == "open")).all():
        reports = list(session.exec(select(Report).where(Report.incident_id == incident.id)))
        failed = {u.report.id: u.at for u in upward.statuses(session, incident, reports).values() if u.alarm}
        if failed:
            out += [(row, failed[row.met_by]) for row in session.exec(select(Deadline).where(
                Deadline.met_by.in_(list(failed)), Deadline.cancelled_at.is_(None)))]
    return out


def due_alarms(session: Session, now: datetime, pre_minutes: int) -> list[tuple[Deadline, str, datetime | None]]:
    """Open or reopened deadlines whose pre-alarm or at-deadline alarm is due and not yet sent (since reopening):
    (row, "before" | "at", when it reopened or None)."""
    soon = now + timedelta(minutes=pre_minutes)
    q = select(Deadline).where(Deadline.met_at.is_(None), Deadline.cancelled_at.is_(None),
                               Deadline.alarmed_at.is_(None), Deadline.due_at <= soon)
    rows = [(row, None) for row in session.exec(q.order_by(Deadline.due_at))]
    failing = {uuid.UUID(i) for i in targets.upward_reached(session, upward.FAILED) if i}
    if failing:
        rows += [(row, at) for row, at in reopened(session, failing) if row.due_at <= soon]
    out = []
    for row, opened in sorted(rows, key=lambda x: x[0].due_at):
        when = r.alarm_due(row.due_at, now, pre_minutes, opened_at=opened, warned_at=row.warned_at,
                           alarmed_at=row.alarmed_at)
        if when is not None:
            out.append((row, when, opened))
    return out


def _overdue_where(q, now: datetime, unit_id: uuid.UUID | None):
    q = q.join(Incident, Incident.id == Deadline.incident_id).where(
        Deadline.met_at.is_(None), Deadline.cancelled_at.is_(None), Deadline.due_at <= now, Incident.status == "open")
    return q if unit_id is None else q.where(Incident.unit_id == unit_id)


def overdue(session: Session, now: datetime, *, unit_id: uuid.UUID | None = None,
            limit: int | None = None) -> list[Deadline]:
    """Deadlines passed with nothing reported (for alerts and the board), of one unit's incidents or all, the
    longest overdue first; the first `limit` of them when a panel shows only those."""
    q = _overdue_where(select(Deadline), now, unit_id).order_by(Deadline.due_at)
    return list(session.exec(q if limit is None else q.limit(limit)))


def overdue_count(session: Session, now: datetime, *, unit_id: uuid.UUID | None = None) -> int:
    """How many deadlines `overdue` would list, counted in the database."""
    return session.exec(_overdue_where(select(func.count(Deadline.id)), now, unit_id)).one()
