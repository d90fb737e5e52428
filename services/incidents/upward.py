"""Upward reports (向上报送) as they really went: each written report's delivery outcome, re-sends, and the record
of a report phoned upward instead; a failed one is an alarm until re-sent or phoned."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core.errors import Conflict, Invalid
from core.settings import Settings
from models.incidents.escalation import Notice
from models.incidents.records import Incident, Report
from services import audit
from services.access import Actor
from services.incidents import convert, targets
from services.incidents.lookups import CLOCK_SKEW, incident_to_change, report_of, require_aware
from services.incidents.printing import report_text

# "sent": the receiving system took it (the upward webhook answered 2xx); "delivered": a receipt confirmed it
REACHED = ("sent", "delivered")
FAILED = ("failed", "unknown")  # unknown: a send cut off by a crash, never resent blindly: nobody knows it arrived


@dataclass(frozen=True)
class Upward:
    """Where one report's upward delivery stands: `state` is the best of its sends (or 'phoned')."""

    report: Report
    state: str  # queued | sending | sent | delivered | failed | unknown | phoned | none
    channel: str = ""
    error: str = ""
    at: datetime | None = None  # when the deciding send was made (or last heard of)

    @property
    def title(self) -> str:
        return convert.report_title(self.report)

    @property
    def alarm(self) -> bool:
        return self.state in FAILED

    @property
    def reached(self) -> bool:
        return self.state in REACHED or self.state == "phoned"


def _key(report: Report, n: int) -> str:
    base = f"incident:{report.incident_id}:report:{report.id}:upward"
    return base if n <= 1 else f"{base}:resend:{n}"


def _rank(state: str) -> int:
    return {"delivered": 6, "sent": 5, "sending": 4, "queued": 3, "unknown": 2, "failed": 1}.get(state, 0)


def statuses(session: Session, incident: Incident, reports: list[Report], *, notices: list[Notice] | None = None,
             live: dict | None = None) -> dict[uuid.UUID, Upward]:
    """The upward outcome of every report that went (or was phoned) upward. A board passes the incident's upward
    `notices` and their `live` outcomes, read for all its incidents at once (`upward_notices`)."""
    if notices is None:
        notices = list(session.exec(select(Notice).where(Notice.incident_id == incident.id,
                                                         Notice.purpose == "upward")))
    if live is None:
        live = targets.outcomes(session, [n.delivery_id for n in notices])
    out = {}
    for rep in reports:
        if rep.phoned_upward_at is not None:
            out[rep.id] = Upward(rep, "phoned")
            continue
        mine = [live[n.delivery_id] for n in notices if f":report:{rep.id}:upward" in n.key and n.delivery_id in live]
        if not mine:
            if rep.sent_upward_at is not None:
                out[rep.id] = Upward(rep, "none")
            continue
        best = max(mine, key=lambda o: (_rank(o.state), o.at or rep.reported_at))
        out[rep.id] = Upward(rep, best.state, best.channel, best.error, best.at)
    return out


def upward_notices(session: Session, incident_ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, list[Notice]], dict]:
    """The upward notices of many incidents and their live outcomes, in two queries (and a ladder's rungs)."""
    by_incident: dict[uuid.UUID, list[Notice]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return by_incident, {}
    for n in session.exec(select(Notice).where(Notice.incident_id.in_(incident_ids), Notice.purpose == "upward")):
        by_incident[n.incident_id].append(n)
    return by_incident, targets.outcomes(session, [n.delivery_id for ns in by_incident.values() for n in ns])


def alarms(session: Session, incident: Incident, reports: list[Report]) -> list[Upward]:
    """Upward reports that failed (or whose outcome is unknown) and were neither re-sent nor phoned."""
    return [u for u in statuses(session, incident, reports).values() if u.alarm]


def send(session: Session, incident: Incident, report: Report, now: datetime, settings: Settings) -> None:
    """Queue the written report to the upward recipient (市政府总值班室); each re-send is a new message."""
    s = settings.incidents
    report.upward_sends += 1
    n = report.upward_sends
    title = convert.report_title(report)
    targets.send(session, key=_key(report, n), purpose="upward", channel=s.upward_channel,
                 subject=f"【{title}】{incident.title}", body=report_text(incident, report, settings.tz),
                 at=now, incident_id=incident.id, recipient=s.upward_name, address=s.upward_address,
                 step=f"up:{report.id.hex[:20]}" + (f":r{n}" if n > 1 else ""))
    report.sent_upward_at = report.sent_upward_at or now
    session.add(report)


def resend(*, session: Session, incident_id: uuid.UUID, report_id: uuid.UUID, by: Actor, now: datetime,
           settings: Settings) -> Report:
    """Send a report upward again (after a failure, or a channel fixed); the office or the incident's unit."""
    incident = incident_to_change(session, incident_id, by, for_update=True)
    _, report = report_of(session, incident_id=incident.id, report_id=report_id, by=by)
    if report.channel != "written":
        raise Invalid("电话报告无须再次发送 (a phone report is not sent)", field="report_id")
    u = statuses(session, incident, [report]).get(report.id)
    if u is not None and u.state in ("delivered", "phoned"):
        raise Conflict("该报告已送达或已电话报告 (already delivered or phoned)", field="report_id")
    send(session, incident, report, now, settings)
    session.flush()
    audit.record(session=session, actor=by.name, action="upward_resend", entity="incident_report",
                 entity_id=report.id, unit_id=incident.unit_id, at=now,
                 note=f"{convert.report_title(report)}第{report.upward_sends}次报送{settings.incidents.upward_name}")
    return report


def record_phoned(*, session: Session, incident_id: uuid.UUID, report_id: uuid.UUID, by: Actor, now: datetime,
                  at: datetime | None, caller: str, reached: str) -> Report:
    """Record that the report was given upward by phone (time, who phoned, whom they reached)."""
    incident = incident_to_change(session, incident_id, by, for_update=True)
    _, report = report_of(session, incident_id=incident.id, report_id=report_id, by=by)
    at = at or now
    require_aware("at", at)
    if at > now + CLOCK_SKEW:
        raise Invalid("时间晚于当前时间 (in the future)", field="at")
    if report.reported_at.replace(second=0, microsecond=0) <= at < report.reported_at:
        at = report.reported_at  # the form gives minutes: a call in the report's own minute is not before it
    if at < report.reported_at:
        raise Invalid("电话报告时间早于该报告时间 (before the report)", field="at")
    if not caller.strip():
        raise Invalid("请填写报告人 (who phoned)", field="caller")
    if not reached.strip():
        raise Invalid("请填写接听人 (whom they reached)", field="reached")
    report.phoned_upward_at, report.phoned_upward_by = at, caller.strip()[:120]
    report.phoned_upward_to, report.phoned_recorded_by = reached.strip()[:120], by.name[:120]
    session.add(report)
    session.flush()
    audit.record(session=session, actor=by.name, action="upward_phoned", entity="incident_report",
                 entity_id=report.id, unit_id=incident.unit_id, after=report, at=now,
                 note=f"{convert.report_title(report)}由{report.phoned_upward_by}电话报告{report.phoned_upward_to}")
    return report


def reached_incidents(session: Session) -> set[uuid.UUID]:
    """Incidents with a report that reached upward: delivered (or taken by the receiving system), or phoned."""
    ids = {uuid.UUID(i) for i in targets.upward_reached(session, REACHED) if i}
    ids |= set(session.exec(select(Report.incident_id).where(Report.phoned_upward_at.is_not(None))).all())
    return ids
