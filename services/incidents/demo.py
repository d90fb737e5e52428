"""Demo incidents for the board: one acknowledged with an instruction awaiting feedback, three still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.settings import Settings
from models.directory import Person, Unit, UnitType
from rules.incidents import escalation as esc
from services.access import Actor
from services.incidents import acks, escalation, instructions, intake, policies, reports
from services.incidents.schemas import IncidentIn, InstructionIn, ItemIn, ReportIn

ACTOR = "demo-seed"
SEED = Actor.system(ACTOR)


def _unit(session: Session, kind: UnitType, code: str) -> Unit | None:
    return (session.exec(select(Unit).where(Unit.code == code)).first()
            or session.exec(select(Unit).where(Unit.type == kind)).first())


def seed_incidents(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    """A grade II landslide (acknowledged, instructed); open: a road accident, a sensitive online post, and a river
    over its warning level that waits for the demo leader (the vice head for natural disasters) to acknowledge."""
    town, dept = _unit(session, UnitType.town, "town01"), _unit(session, UnitType.department, "dept01")
    hub = _unit(session, UnitType.county_office, "county")
    if town is None or dept is None or hub is None:
        return {"incidents": 0}
    # the default policies (duty leader and 分管领导 at once for grade III+, next step after 10 minutes),
    # on the one channel the demo has: the console inbox
    for row in policies.rows_from_rules(esc.default_rules(esc.EscalationDefaults(ladder=("inbox",))), "演示"):
        policies.add_policy(session=session, data=row, actor=ACTOR)
    t0 = now - timedelta(minutes=50)
    slide = intake.open_incident(session=session, by=SEED, now=t0, settings=settings, data=IncidentIn(
        title=f"{town.name}青龙村山体滑坡", category="natural_disaster", type="山体滑坡", unit_id=town.id,
        occurred_at=t0 - timedelta(minutes=20), received_at=t0, place=f"{town.name}青龙村3组",
        source=f"{town.name}值班室电话报告", reporter="李明", reporter_contact="13800001111", deaths=2,
        injured="待核实", missing=3, grade=2, grade_override_reason="3人失联，按重大级别响应", scope="约20户受影响",
        measures="已疏散周边群众，组织搜救", leader_on_site="镇长"))
    escalation.tick(session=session, now=t0, instance="demo", settings=settings)
    head = session.exec(select(Person).where(Person.unit_id == hub.id, Person.is_unit_head)).first()
    if head is not None:  # the county head: a step-2 target of the severe policy
        acks.acknowledge(session=session, incident_id=slide.id, by=SEED, person_id=head.id, via="link",
                         now=t0 + timedelta(minutes=6), tz=settings.timezone)
    reports.add_report(session=session, incident_id=slide.id, by=SEED, now=t0 + timedelta(minutes=25),
                       settings=settings,
                       data=ReportIn(kind="first", channel="phone", content="已电话报告市政府总值班室"))
    instructions.record(session=session, incident_id=slide.id, by=SEED, now=t0 + timedelta(minutes=30),
                        settings=settings,
                        data=InstructionIn(text="全力搜救失联人员，做好群众转移安置，防止次生灾害",
                                           by_name=head.name if head else "县长", by_person_id=head.id if head else None,
                                           items=[ItemIn(unit_id=town.id, urgency="urgent"),
                                                  ItemIn(unit_id=dept.id, lead=False, urgency="general")]))
    intake.open_incident(session=session, by=SEED, now=now - timedelta(minutes=12), data=IncidentIn(
        title="县道X032线两车相撞", category="accident", type="道路交通事故", unit_id=dept.id,
        received_at=now - timedelta(minutes=12), place="X032线15公里处", source="110转警", deaths=3,
        injured=5, measures="交警、120已到场"), settings=settings)
    intake.open_incident(session=session, by=SEED, now=now - timedelta(minutes=3), data=IncidentIn(
        title="网传某小区燃气泄漏视频", category="public_opinion", unit_id=town.id, received_at=now - timedelta(minutes=3),
        source="网信办舆情监测", sensitive=True), settings=settings)
    river = _unit(session, UnitType.town, "town02") or town
    intake.open_incident(session=session, by=SEED, now=now - timedelta(minutes=6), data=IncidentIn(
        title=f"{river.name}清水河水位超警戒", category="natural_disaster", type="洪涝", unit_id=river.id,
        received_at=now - timedelta(minutes=6), place=f"{river.name}清水河大桥段", source=f"{river.name}值班室电话报告",
        reporter="张伟", reporter_contact="13800002222", deaths=0, injured=0, missing=0, grade=3,
        grade_override_reason="沿河约300户群众需紧急转移，按较大级别响应", measures="已组织沿河低洼处群众转移，安排专人巡堤"), settings=settings)
    return {"incidents": 4}
