"""Yearly duty figures from plain records and the zh-CN duty paragraph of the yearly report; pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from rules.incidents.types import Category


class CheckKind(StrEnum):
    phone = "phone"  # 电话抽查
    video = "video"  # 视频调度
    on_site = "on_site"  # 实地检查


@dataclass(frozen=True)
class Record:
    """Anything counted once: a leave report, an instruction forwarded, a reminder notice issued."""

    at: date | datetime


@dataclass(frozen=True)
class LeaveRecord:
    """A leave filed: only a leading cadre's formal report (县管正职请假报备) counts, not anyone's absence."""

    at: date | datetime  # filed
    formal: bool  # a leading cadre's report (the person is 县管正职)


@dataclass(frozen=True)
class IncidentRecord:
    at: date | datetime  # 接报
    category: Category
    reported_upward: bool = False  # sent up through the direct-report system


def counted_as(incident: IncidentRecord) -> str:
    """The figure an incident counts in: 网络舆情 apart from the incidents received, in the year and in each month."""
    return "public_opinion" if incident.category is Category.public_opinion else "incidents_received"


@dataclass(frozen=True)
class CheckRecord:
    at: date | datetime
    kind: CheckKind


@dataclass(frozen=True)
class YearFigures:
    year: int
    leave_reports: int = 0  # 请假报备
    public_opinion: int = 0  # 网络舆情
    incidents_received: int = 0  # 接报突发事件 (public opinion counted apart)
    reported_upward: int = 0  # 上报突发事件
    instructions_forwarded: int = 0  # 转办批示
    on_site_checks: int = 0  # 实地检查
    video_dispatches: int = 0  # 视频调度
    phone_checks: int = 0  # 电话抽查
    reminder_notices: int = 0  # 值班工作提醒


def _in_year(records: Iterable, year: int) -> list:
    return [r for r in records if r.at.year == year]


def yearly_figures(
    year: int,
    *,
    leave_reports: Iterable[LeaveRecord] = (),
    incidents: Iterable[IncidentRecord] = (),
    instructions: Iterable[Record] = (),
    checks: Iterable[CheckRecord] = (),
    notices: Iterable[Record] = (),
) -> YearFigures:
    """Count one year's work from plain record lists (dates taken as local)."""
    inc = _in_year(incidents, year)
    chk = _in_year(checks, year)
    opinion = [i for i in inc if counted_as(i) == "public_opinion"]
    events = [i for i in inc if counted_as(i) == "incidents_received"]
    return YearFigures(
        year=year,
        leave_reports=sum(1 for r in _in_year(leave_reports, year) if r.formal),
        public_opinion=len(opinion),
        incidents_received=len(events),
        reported_upward=sum(1 for i in events if i.reported_upward),
        instructions_forwarded=len(_in_year(instructions, year)),
        on_site_checks=sum(1 for c in chk if c.kind is CheckKind.on_site),
        video_dispatches=sum(1 for c in chk if c.kind is CheckKind.video),
        phone_checks=sum(1 for c in chk if c.kind is CheckKind.phone),
        reminder_notices=len(_in_year(notices, year)),
    )


@dataclass(frozen=True)
class ParagraphStyle:
    """The office-specific words of the paragraph, and which figures are written as 'N余'."""

    regulation: str = "城口县人民政府办公室政府系统值班工作规范"
    cyberspace_office: str = "县委网信办"
    report_system: str = "突发事件直报快响"
    leaders: str = "市领导、县领导"
    approximate: frozenset[str] = frozenset()  # YearFigures field names, e.g. {"phone_checks"}
    approximate_from: int = 20  # smaller figures are always exact
    heading: str = "深化应急处突能力建设。"
    closing: str = field(default="")


def figure_text(name: str, value: int, style: ParagraphStyle) -> str:
    """A figure as written in the report: exact, or rounded down to tens with 余 ('more than') — only when it is
    more: exactly 180 is "180", 183 is "180余"."""
    rounded = value // 10 * 10
    if name in style.approximate and value >= style.approximate_from and value > rounded:
        return f"{rounded}余"
    return str(value)


def duty_paragraph(figures: YearFigures, style: ParagraphStyle | None = None) -> str:
    """The yearly report's duty paragraph (深化应急处突能力建设), filled from the figures."""
    s = style or ParagraphStyle()

    def n(name: str) -> str:
        return figure_text(name, getattr(figures, name), s)

    return (
        f"{s.heading}严格执行《{s.regulation}》，全年承办县管正职请假报备{n('leave_reports')}人次，"
        f"联合{s.cyberspace_office}处置网络舆情{n('public_opinion')}起，"
        f"接报各类突发事件{n('incidents_received')}件次，"
        f"通过“{s.report_system}”系统上报突发事件{n('reported_upward')}件，"
        f"转办{s.leaders}批示意见{n('instructions_forwarded')}次。"
        f"压实镇街及部门值班责任，开展汛期值班值守实地检查{n('on_site_checks')}次、"
        f"视频调度{n('video_dispatches')}次、电话抽查{n('phone_checks')}次，"
        f"印发值班工作提醒{n('reminder_notices')}期。{s.closing}"
    )
