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
from services.spotchecks import records, report, stats
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
    checks = [PhoneCheck(unit_id=(town if i % 2 else dept).id, mode="manual", started_at=day(i, 152),
                         outcome="no_answer" if i % 25 == 0 else "normal", recorded_by="duty") for i in range(152)]
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
    person.is_leading_cadre = True  # 县管正职: their leave is a formal report
    session.add(person)
    for i in range(183):
        d = day(i, 183).date()
        session.add(LeaveReport(person_id=person.id, unit_id=town.id, start_day=d, end_day=d, filed_at=day(i, 183)))
    officer = directory["people"]["d1"]  # not a leading cadre: an absence, not 请假报备
    for i in range(40):
        d = day(i, 40).date()
        session.add(LeaveReport(person_id=officer.id, unit_id=officer.unit_id, start_day=d, end_day=d,
                                filed_at=day(i, 40)))
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
    for i in range(224):
        ins = Instruction(incident_id=incidents[i % 34].id, text="请核实处置", by_name="县长", at=day(i, 224))
        session.add(ins)
        session.flush()
        for k in range(1 + (i % 3 == 0)):  # forwarded to two units sometimes: still one instruction forwarded
            session.add(InstructionItem(instruction_id=ins.id, unit_id=town.id, forwarded_at=day(i, 224, 4 + k),
                                        due_at=day(i, 224) + timedelta(days=5)))
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
            f.on_site_checks, f.video_dispatches, f.phone_checks, f.reminder_notices) == (183, 31, 34, 4, 224, 2, 18,
                                                                                         152, 3)
    assert r.paragraph == SEED  # 183 → "180余", 224 → "220余", 152 → "150余", 31 → "30余"
    doc = Document(io.BytesIO(out.read_bytes()))
    assert SEED in [p.text for p in doc.paragraphs]
    months = stats.months(session, 2025, SETTINGS.tz)  # the month table counts 网络舆情 apart from incidents
    assert sum(m["incidents"] for m in months) == 34 and sum(m["public_opinion"] for m in months) == 31
    month_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "月份")
    column = [c.text for c in month_table.rows[0].cells].index("突发事件（件次）")
    assert sum(int(row.cells[column].text) for row in month_table.rows[1:] if row.cells[0].text != "合计") == 34


def test_a_round_figure_is_written_exactly(session, directory):
    """'N余' means more than N: exactly 180 leave reports and 150 checks are written '180' and '150'."""
    from models.rosters.leave import LeaveReport

    person, town = directory["people"]["t1"], directory["town"]
    person.is_leading_cadre = True
    session.add(person)
    for i in range(180):
        d = day(i, 180).date()
        session.add(LeaveReport(person_id=person.id, unit_id=town.id, start_day=d, end_day=d, filed_at=day(i, 180)))
    session.add_all(PhoneCheck(unit_id=town.id, mode="manual", started_at=day(i, 150), outcome="normal",
                               recorded_by="duty") for i in range(150))
    session.commit()
    r = report.yearly_report(session=session, year=2025, settings=SETTINGS)
    assert "请假报备180人次" in r.paragraph and "电话抽查150次" in r.paragraph and "余人次" not in r.paragraph


def test_the_report_series_add_up_to_the_yearly_figures(session, directory):
    """Each chart's figures (per month, per category, per quarter, per unit) tally with the paragraph's."""
    from services.spotchecks import stats

    _spot_checks(session, directory)
    _other_features(session, directory)
    session.commit()
    tz = SETTINGS.tz
    months = stats.months(session, 2025, tz)
    assert (sum(m["incidents"] for m in months), sum(m["public_opinion"] for m in months)) == (34, 31)
    assert {c["label"]: c["count"] for c in stats.categories(session, 2025, tz)} == {
        "自然灾害": 34, "事故灾难": 0, "公共卫生事件": 0, "社会安全事件": 0, "网络舆情": 31}
    quarters = stats.quarters(session, 2025, tz)
    assert [q["quarter"] for q in quarters] == [1, 2, 3, 4] and sum(q["checks"] for q in quarters) == 152
    assert all(q["checks"] == q["passed"] + q["failed"] for q in quarters)
    units = stats.units(session, 2025, tz)
    assert [u["unit"] for u in units] == sorted([directory["town"].name, directory["dept"].name])
    assert sum(u["checks"] for u in units) == 152 and sum(u["passed"] for u in units) == sum(q["passed"] for q in quarters)


def test_the_report_names_its_addressee_under_the_title(session, directory, tmp_path):
    """主送机关 (GB/T 9704): flush left under the title's blank line, ending in ：; the duty brief's addressee unless
    the yearly report has its own."""
    def addressee(settings) -> tuple[str, object]:
        out = tmp_path / "yearly.docx"
        report.yearly_report(session=session, year=2025, settings=settings, out=out)
        paragraphs = Document(io.BytesIO(out.read_bytes())).paragraphs
        assert paragraphs[0].style.name == "公文标题" and paragraphs[1].text == ""
        return paragraphs[2].text, paragraphs[2].paragraph_format.first_line_indent

    assert addressee(SETTINGS) == (f"{SETTINGS.incidents.brief_addressee}：", 0)
    own = SETTINGS.model_copy(update={"spotchecks": SETTINGS.spotchecks.model_copy(
        update={"report_addressee": "市人民政府办公室"})})
    assert addressee(own) == ("市人民政府办公室：", 0)


def test_another_countys_office_is_named_throughout_its_yearly_report(session, directory, tmp_path):
    """A clerk-tester's report was headed and signed 城口县人民政府办公室, the sample county's: the office comes
    from the settings, and the regulation it keeps is its own."""
    settings = SETTINGS.model_copy(update={"spotchecks": SETTINGS.spotchecks.model_copy(
        update={"report_office": "青川县人民政府办公室"})})
    out = tmp_path / "yearly.docx"
    r = report.yearly_report(session=session, year=2025, settings=settings, out=out)
    assert "《青川县人民政府办公室政府系统值班工作规范》" in r.paragraph
    text = "\n".join(p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "城口" not in text and "青川县人民政府办公室" in text
