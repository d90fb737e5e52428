"""Messages to the leaders an incident's escalation already told: the grade correction (更正) and the 续报/终报
notice. Each goes the way the escalation went to that person: by their own notification rules when it followed
them, else by the step's channel ladder."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Person
from models.incidents.escalation import Acknowledgement, Notice
from models.incidents.records import Incident, Report
from services.incidents import convert, targets

TOLD = ("escalation", "ack_timeout", "correction")
RULE_KEY = re.compile(r":r\d+:[^:]+$")  # the key of a personal rule's message (services/incidents/escalation.py: fire)
# a 续报 / 终报 recorded: what the leaders told of the incident are sent (purpose of the timeline row)
REPORT_PURPOSE = {"followup": "followup_notice", "final": "final_notice"}
SHOWN = (("deaths", "死亡"), ("injured", "受伤"), ("missing", "失联"))
# told only when given: 重伤 (a count or 待核实) and 直接经济损失 (yuan)
WHEN_GIVEN = (("seriously_injured", "重伤"), ("economic_loss_yuan", "直接经济损失"))
LABELS = dict(SHOWN + WHEN_GIVEN)


def told(session: Session, incident: Incident) -> tuple[dict[uuid.UUID, Notice], set[uuid.UUID]]:
    """Who the escalation told (person id → their first such message, oldest first), and those of them it reached
    by their own notification rules."""
    notices = list(session.exec(select(Notice).where(Notice.incident_id == incident.id,
                                                     Notice.purpose.in_(TOLD), Notice.person_id.is_not(None))))
    first: dict[uuid.UUID, Notice] = {}
    by_rules: set[uuid.UUID] = set()
    for n in sorted(notices, key=lambda n: n.at):
        first.setdefault(n.person_id, n)
        if RULE_KEY.search(n.key):
            by_rules.add(n.person_id)
    return first, by_rules


def tell(session: Session, *, incident: Incident, person: Person, notice: Notice | None, by_rules: bool, key: str,
         step: str, purpose: str, subject: str, body: str, now: datetime, settings: Settings,
         acting_for: Person | None = None, figures: list[dict] | None = None) -> None:
    """One message to `person` on the incident, by their rules (`by_rules`) or the way `notice` went (the inbox
    when there is none, or it went nowhere). `acting_for`: the person on leave they stand in for now (else the one
    `notice` was for). `figures`: the figures the message tells, stored with it (a 续报/终报 notice)."""
    common = dict(purpose=purpose, subject=subject, body=body, at=now, incident_id=incident.id, person=person,
                  figures=figures,
                  acting_for=acting_for.name if acting_for else (notice.acting_for if notice else ""),
                  for_person_id=acting_for.id if acting_for else (notice.for_person_id if notice else None))
    plan = targets.personal_plan(session, person, settings) if by_rules else []
    for i, reach in enumerate(plan):
        targets.send(session, key=f"{key}:r{i}:{reach.channel}", channel=reach.channel, address=reach.address,
                     ladder=(reach.channel,), step=f"{step}:r{i}",
                     due_at=now + timedelta(minutes=reach.delay_minutes) if reach.delay_minutes else None, **common)
    if not plan:
        went = notice is not None and notice.channel != "none"
        targets.send(session, key=key, channel=notice.channel if went else "inbox",
                     ladder=tuple(notice.ladder or ()) if went else (), step=step, **common)


def figures_now(incident: Incident) -> list[dict]:
    """The incident's current figures as a notice tells them: [{"name", "value": count | 待核实 | None (不详)}]; 重伤
    and 直接经济损失 (yuan) only when given."""
    figures = {**convert.figures_json(incident), "economic_loss_yuan": incident.economic_loss_yuan}
    return [{"name": name, "value": figures.get(name)} for name, _ in SHOWN] + [
        {"name": name, "value": figures[name]} for name, _ in WHEN_GIVEN if figures.get(name) is not None]


def figures_text_of(figures: list[dict]) -> str:
    """[{"name", "value"}] as 死亡3人、受伤待核实、失联不详、重伤1人、直接经济损失120000元."""
    def unit(name, v):
        return ("元" if name == "economic_loss_yuan" else "人") if isinstance(v, int) else ""
    return "、".join(f"{LABELS[f['name']]}{'不详' if v is None else v}{unit(f['name'], v)}"
                    for f in figures for v in [f["value"]])


_FIGURE = re.compile(r"(死亡|受伤|失联|重伤)(\d+人|待核实|不详)")


def figures_told(notice: Notice) -> list[dict]:
    """The figures a 续报/终报 notice told: [{"name", "value": count | 待核实 | None}], as stored with it
    (`Notice.figures`). A notice written before they were stored (figures NULL) has them only in its text: read
    back from there, for those old rows alone."""
    if notice.figures is not None:
        return [dict(f) for f in notice.figures]
    if notice.purpose not in REPORT_PURPOSE.values():
        return []
    names = {label: name for name, label in SHOWN + WHEN_GIVEN}
    body = notice.body or ""
    text = body.split("目前伤亡：", 1)[1] if "目前伤亡：" in body else ""
    return [{"name": names[m[1]], "value": int(m[2][:-1]) if m[2].endswith("人") else (None if m[2] == "不详" else m[2])}
            for m in _FIGURE.finditer(text.split("。")[0])]


def on_report(session: Session, incident: Incident, report: Report, *, writer: uuid.UUID | None, now: datetime,
              settings: Settings) -> list[str]:
    """A 续报 or 终报 recorded: a short message to each leader the escalation told of the incident or who
    acknowledged it (a person on leave now: their acting person), not to the one who wrote it. Names sent to."""
    purpose = REPORT_PURPOSE.get(report.kind)
    if purpose is None:
        return []
    first, by_rules = told(session, incident)
    acked = session.exec(select(Acknowledgement.person_id).where(
        Acknowledgement.incident_id == incident.id, Acknowledgement.kind == "ack",
        Acknowledgement.person_id.is_not(None))).all()
    title = convert.report_title(report)
    subject = f"【{report.kind == 'final' and '终报' or '续报'}】{incident.title}"
    figures = figures_now(incident)
    body = f"{incident.title}：已报送{title}。目前伤亡：{figures_text_of(figures)}。"
    sent: list[str] = []
    seen: set[uuid.UUID] = set()
    for pid in [*first, *(p for p in acked if p not in first)]:
        person = session.get(Person, pid)
        if person is None or not person.active:
            continue
        stand_in = targets.acting_person(session, person, now, settings.timezone)
        who, acting_for = (stand_in, person) if stand_in is not None else (person, None)
        if who.id in seen or who.id == writer:
            continue
        seen.add(who.id)
        # an acting person standing in now gets it the way the leader's own message went (the step's ladder)
        tell(session, incident=incident, person=who, notice=first.get(pid), acting_for=acting_for,
             by_rules=who.id in by_rules and acting_for is None,
             key=f"incident:{incident.id}:{purpose}:{report.id}:{who.id}", step=f"report:{report.id.hex[:12]}",
             purpose=purpose, subject=subject, body=body + (f"（代{acting_for.name}）" if acting_for else ""),
             now=now, settings=settings, figures=figures)
        sent.append(who.name)
    return sent
