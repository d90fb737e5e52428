"""A year of demo data produces the seed report's duty paragraph (/work/shared/seed-report-2025.txt)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from docx import Document

from models.spotchecks.checks import PhoneCheck
from models.spotchecks.inspections import (
    InspectionCreate,
    ReminderNoticeCreate,
    RollCallUnit,
    VideoRollCallCreate,
)
from services.spotchecks import records, report
from tests.spotchecks.conftest import SETTINGS

SEED = (
    "深化应急处突能力建设。严格执行《城口县人民政府办公室政府系统值班工作规范》，全年承办县管正职请假报备180余人次，"
    "联合县委网信办处置网络舆情30余起，接报各类突发事件34件次，通过“突发事件直报快响”系统上报突发事件4件，"
    "转办市领导、县领导批示意见220余次。压实镇街及部门值班责任，开展汛期值班值守实地检查2次、视频调度18次、"
    "电话抽查150余次，印发值班工作提醒3期。"
)
NOW = datetime(2026, 1, 10, 2, tzinfo=UTC)


def day(i: int, n: int, hour: int = 3) -> datetime:
    """The i-th of n moments spread over 2025 (UTC)."""
    return datetime(2025, 1, 1, hour, tzinfo=UTC) + timedelta(days=i * 364 // n)


def _spot_checks(session, directory):
    town, dept = directory["town"], directory["dept"]
    checks = [PhoneCheck(unit_id=(town if i % 2 else dept).id, mode="manual", started_at=day(i, 150),
                         outcome="no_answer" if i % 25 == 0 else "normal", recorded_by="duty") for i in range(150)]
    session.add_all(checks)
    session.flush()
    # a correction is a new entry but not a new check
    session.add(PhoneCheck(unit_id=town.id, mode="manual", started_at=checks[0].started_at, outcome="busy",
                           recorded_by="duty", corrects_id=checks[0].id))
    # a check of the previous year is not counted
    session.add(PhoneCheck(unit_id=town.id, mode="manual", started_at=datetime(2024, 12, 31, 15, tzinfo=UTC),
                           outcome="normal", recorded_by="duty"))
    for i in range(18):
        records.record_roll_call(session=session, actor="duty", now=NOW, settings=SETTINGS, data=VideoRollCallCreate(
            held_at=day(i, 18), units=[RollCallUnit(unit_id=town.id, present=True)]))
    for i in range(2):
        records.record_inspection(session=session, actor="duty", now=NOW, settings=SETTINGS, data=InspectionCreate(
            held_at=datetime(2025, 6 + i, 10, 2, tzinfo=UTC), inspectors=["王海燕"], places=[f"{town.name}值班室"]))
    for i in range(3):
        records.issue_notice(session=session, actor="duty", now=NOW, settings=SETTINGS, data=ReminderNoticeCreate(
            title=f"值班工作提醒{i + 1}", issued_at=datetime(2025, 1 + 4 * i, 20, 2, tzinfo=UTC)))


def _other_features(session, directory):
    """Leave reports, incidents and instructions written straight into the other features' tables."""
    from models.incidents.instructions import Instruction, InstructionItem
    from models.incidents.records import Incident, Report
    from models.rosters.leave import LeaveReport

    person, town = directory["people"]["t1"], directory["town"]
    for i in range(180):
        d = day(i, 180).date()
        session.add(LeaveReport(person_id=person.id, unit_id=town.id, start_day=d, end_day=d, filed_at=day(i, 180)))
    session.add(LeaveReport(person_id=person.id, unit_id=town.id, start_day=date(2025, 3, 1), end_day=date(2025, 3, 1),
                            filed_at=day(5, 10), status="cancelled"))  # withdrawn: not handled
    incidents = [Incident(title=f"事件{i}", category="natural_disaster", unit_id=town.id, received_at=day(i, 34))
                 for i in range(34)]
    incidents += [Incident(title=f"舆情{i}", category="public_opinion", unit_id=town.id, received_at=day(i, 31, 5))
                  for i in range(31)]
    session.add_all(incidents)
    session.flush()
    from models.deliveries import Delivery

    # reported upward: two whose delivery arrived, one the city's system took, one phoned; a fifth whose upward
    # delivery failed (and was never phoned) is not counted
    for n, inc in enumerate(incidents[:5]):
        rep = Report(incident_id=inc.id, kind="first", reported_at=inc.received_at,
                     sent_upward_at=inc.received_at + timedelta(minutes=20))
        if n == 3:
            rep.phoned_upward_at, rep.phoned_upward_by, rep.phoned_upward_to = inc.received_at, "值班员", "市值班室"
        session.add(rep)
        state = {0: "delivered", 1: "delivered", 2: "sent", 3: "failed", 4: "failed"}[n]
        session.add(Delivery(idempotency_key=f"up-{n}", group_key=f"up-{n}", source="incident", source_id=str(inc.id),
                             step=f"up:{n}", channel="webhook", text="报告", state=state))
    for i in range(220):
        ins = Instruction(incident_id=incidents[i % 34].id, text="请核实处置", by_name="县长", at=day(i, 220))
        session.add(ins)
        session.flush()
        for k in range(1 + (i % 3 == 0)):  # forwarded to two units sometimes: still one instruction forwarded
            session.add(InstructionItem(instruction_id=ins.id, unit_id=town.id, forwarded_at=day(i, 220, 4 + k),
                                        due_at=day(i, 220) + timedelta(days=5)))
    session.flush()


def test_a_year_of_records_reproduces_the_seed_paragraph(session, directory, tmp_path):
    _spot_checks(session, directory)
    _other_features(session, directory)
    session.commit()
    out = tmp_path / "yearly-2025.docx"
    r = report.yearly_report(session=session, year=2025, settings=SETTINGS, out=out)
    assert r.missing_sources == []
    f = r.figures
    assert (f.leave_reports, f.public_opinion, f.incidents_received, f.reported_upward, f.instructions_forwarded,
            f.on_site_checks, f.video_dispatches, f.phone_checks, f.reminder_notices) == (180, 31, 34, 4, 220, 2, 18,
                                                                                         150, 3)
    assert r.paragraph == SEED
    doc = Document(io.BytesIO(out.read_bytes()))
    assert SEED in [p.text for p in doc.paragraphs]
