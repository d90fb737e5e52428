"""Yearly figures from records and the duty paragraph of the seed report."""

from datetime import date, datetime, timedelta

from rules.incidents import Category
from rules.spotchecks.statistics import (
    CheckKind,
    CheckRecord,
    IncidentRecord,
    LeaveRecord,
    ParagraphStyle,
    Record,
    YearFigures,
    duty_paragraph,
    figure_text,
    yearly_figures,
)

# the duty paragraph of /work/shared/seed-report-2025.txt, verbatim
SEED = (
    "深化应急处突能力建设。严格执行《城口县人民政府办公室政府系统值班工作规范》，全年承办县管正职请假报备180余人次，"
    "联合县委网信办处置网络舆情30余起，接报各类突发事件34件次，通过“突发事件直报快响”系统上报突发事件4件，"
    "转办市领导、县领导批示意见220余次。压实镇街及部门值班责任，开展汛期值班值守实地检查2次、视频调度18次、"
    "电话抽查150余次，印发值班工作提醒3期。"
)


def spread(n, year=2025, make=Record):
    start = date(year, 1, 1)
    return [make(start + timedelta(days=i * 365 // max(n, 1))) for i in range(n)]


def demo_year():
    incidents = [IncidentRecord(datetime(2025, 1 + i % 12, 1 + i % 28, 3), Category.natural_disaster, i < 4)
                 for i in range(34)]
    incidents += [IncidentRecord(date(2025, 5, 1 + i % 28), Category.public_opinion) for i in range(31)]
    incidents += [IncidentRecord(date(2024, 12, 31), Category.accident, True)]  # another year
    checks = ([CheckRecord(d.at, CheckKind.phone) for d in spread(153)]
              + [CheckRecord(d.at, CheckKind.video) for d in spread(18)]
              + [CheckRecord(d.at, CheckKind.on_site) for d in spread(2)]
              + [CheckRecord(date(2026, 1, 1), CheckKind.phone)])
    leave = ([LeaveRecord(r.at, formal=True) for r in spread(184)]
             + [LeaveRecord(r.at, formal=False) for r in spread(40)])  # absences of others: not 请假报备
    return dict(leave_reports=leave, incidents=incidents, instructions=spread(221), checks=checks,
                notices=spread(3) + spread(2, 2026))


def test_yearly_figures_count_each_kind_in_its_year():
    f = yearly_figures(2025, **demo_year())
    assert f == YearFigures(2025, leave_reports=184, public_opinion=31, incidents_received=34, reported_upward=4,
                            instructions_forwarded=221, on_site_checks=2, video_dispatches=18, phone_checks=153,
                            reminder_notices=3)
    assert yearly_figures(2026, **demo_year()).reminder_notices == 2


def test_paragraph_reproduces_the_seed_report():
    f = yearly_figures(2025, **demo_year())
    style = ParagraphStyle(approximate=frozenset({"leave_reports", "public_opinion", "instructions_forwarded",
                                                  "phone_checks"}))
    assert duty_paragraph(f, style) == SEED


def test_exact_figures_by_default():
    text = duty_paragraph(YearFigures(2026, leave_reports=7, phone_checks=151))
    assert "请假报备7人次" in text and "电话抽查151次" in text and "余" not in text


def test_figure_text():
    style = ParagraphStyle(approximate=frozenset({"x"}))
    assert [figure_text("x", n, style) for n in (0, 19, 20, 29, 150, 151, 180, 183, 1234)] == [
        "0", "19", "20", "20余", "150", "150余", "180", "180余", "1230余"]  # "N余" only above N
    assert figure_text("y", 1234, style) == "1234"


def test_public_opinion_counts_apart_from_incidents():
    from rules.spotchecks.statistics import counted_as

    assert counted_as(IncidentRecord(date(2025, 5, 1), Category.public_opinion)) == "public_opinion"
    assert {counted_as(IncidentRecord(date(2025, 5, 1), c)) for c in Category
            if c is not Category.public_opinion} == {"incidents_received"}
