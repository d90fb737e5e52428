"""Audit flags for a human to review (迟报, 漏报, 瞒报/谎报 candidates); never verdicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rules.incidents.checks import missing_elements
from rules.incidents.deadlines import DeadlinePolicy, lateness, meets, report_deadlines
from rules.incidents.grade import GradeThresholds, suggest_grade
from rules.incidents.types import CASUALTY_LABELS, Incident, Report, ReportKind, is_known


class FlagCode(StrEnum):
    late = "late"  # 迟报: reported after the deadline
    overdue = "overdue"  # deadline passed and nothing reported yet
    omitted_elements = "omitted_elements"  # 漏报 of required elements
    no_first_report = "no_first_report"  # learned elsewhere, no 首报: 漏报/瞒报 candidate
    deaths_rose = "deaths_rose"  # rose from a figure not marked 待核实: 谎报/漏报 candidate
    final_unverified = "final_unverified"  # 终报 with figures still 待核实
    grade_review = "grade_review"  # the latest 续报/终报's figures imply another grade than the confirmed one


@dataclass(frozen=True)
class Flag:
    code: FlagCode
    text: str  # zh-CN, for the reviewer
    details: Mapping[str, Any] = field(default_factory=dict)


def _lateness_flags(incident: Incident, reports: Sequence[Report], now: datetime, policy: DeadlinePolicy | None
) -> list[Flag]:
    out = []
    for d in report_deadlines(incident.grade, incident.sensitive, incident.category, incident.received_at, policy):
        done = [r.reported_at for r in reports if meets(r.kind, r.channel, d.kind)]
        if done:
            lt = lateness(d.due, min(done))
            if lt.late:
                out.append(Flag(FlagCode.late, f"{d.kind.label}迟报{lt.minutes_late}分钟",
                                {"kind": d.kind.value, "due": d.due, "minutes_late": lt.minutes_late}))
        elif now > d.due:
            lt = lateness(d.due, now)
            out.append(Flag(FlagCode.overdue, f"{d.kind.label}已超时{lt.minutes_late}分钟未报",
                            {"kind": d.kind.value, "due": d.due, "minutes_late": lt.minutes_late}))
    return out


def grade_review(incident: Incident, reports: Sequence[Report], thresholds: GradeThresholds | None = None
                 ) -> Flag | None:
    """The grade the latest 续报 or 终报's figures imply (the grading rule, the incident's economic loss with them)
    differs from the confirmed grade, more or less severe: a hint to review the grading (复核定级), never a change.

    A 首报's figures are what the grade was set from; a less severe grade is not implied while a casualty figure
    is still 待核实 (it may yet reach the grade); a hand-graded category has no implied grade; a grade the office
    confirmed (确认定级) after that report has been reviewed."""
    if incident.grade is None:
        return None
    ordered = sorted(reports, key=lambda r: r.reported_at)  # stable: of two at one time, the later given
    latest = next((r for r in reversed(ordered) if r.casualties is not None), None)
    if latest is None or latest.kind is ReportKind.first:
        return None
    if incident.grade_confirmed_at is not None and incident.grade_confirmed_at >= latest.reported_at:
        return None
    c = latest.casualties
    loss = incident.economic_loss_yuan if is_known(incident.economic_loss_yuan) else 0
    implied = suggest_grade(incident.category, c.deaths, c.seriously_injured, loss, thresholds,
                            missing=c.missing).grade
    if implied is None or implied == incident.grade or (implied > incident.grade and c.unverified()):
        return None
    return Flag(FlagCode.grade_review,
                f"{latest.kind.label}数字对应 {implied.label}（{implied.roman}级），现定 {incident.grade.label}"
                f"（{incident.grade.roman}级），请复核定级",
                {"report": latest.kind.value, "implied": int(implied), "grade": int(incident.grade),
                 "reported_at": latest.reported_at})


def audit_flags(
    incident: Incident, reports: Sequence[Report], now: datetime, policy: DeadlinePolicy | None = None,
    thresholds: GradeThresholds | None = None,
) -> list[Flag]:
    """Every flag an auditor should look at for this incident, as of `now`."""
    ordered = sorted(reports, key=lambda r: r.reported_at)
    flags = _lateness_flags(incident, ordered, now, policy)
    review = grade_review(incident, ordered, thresholds)
    if review is not None:
        flags.append(review)
    for r in ordered:
        if r.kind in (ReportKind.first, ReportKind.final):
            gaps = missing_elements(r)
            if gaps:
                labels = "、".join(e.label for e in gaps)
                flags.append(Flag(FlagCode.omitted_elements, f"{r.kind.label}缺少要素：{labels}",
                                  {"report": r.kind.value, "elements": [e.value for e in gaps]}))
    if incident.learned_from_other_channel and not any(r.kind is ReportKind.first for r in ordered):
        flags.append(Flag(FlagCode.no_first_report, "经其他渠道获知，未见首报（漏报/瞒报待核查）", {}))
    for r in ordered:
        if r.kind is ReportKind.final and r.casualties is not None and r.casualties.unverified():
            names = "、".join(CASUALTY_LABELS[n] for n in r.casualties.unverified())
            flags.append(Flag(FlagCode.final_unverified, f"终报时{names}人数仍待核实",
                              {"elements": list(r.casualties.unverified())}))
    baseline = lost_before = None  # last stated death figure, and the missing stated with it
    for r in ordered:
        deaths = r.casualties.deaths if r.casualties is not None else None
        if deaths is None:
            continue
        lost = r.casualties.missing
        # a missing person found dead moves from one count to the other: no rise unless dead + missing rose
        found = (is_known(lost_before) and is_known(lost) and is_known(baseline) and is_known(deaths)
                 and deaths + lost <= baseline + lost_before)
        if is_known(baseline) and is_known(deaths) and deaths > baseline and not found:
            flags.append(Flag(FlagCode.deaths_rose,
                              f"死亡人数由{baseline}人升至{deaths}人，原数字未标注待核实（谎报/漏报待核查）",
                              {"from": baseline, "to": deaths, "reported_at": r.reported_at}))
        baseline, lost_before = deaths, lost
    return flags
