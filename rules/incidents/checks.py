"""Report completeness (首报/终报 elements) and validation of incident input; pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum

from rules.incidents.types import (
    CASUALTY_LABELS,
    Incident,
    Report,
    ReportKind,
    is_known,
)


class Element(StrEnum):
    """A required element of a report; value = the Report field that carries it."""

    received_at = "received_at"
    source = "source"
    occurred_at = "occurred_at"
    place = "place"
    category = "category"
    casualties = "casualties"
    scope = "scope"
    measures = "measures"
    leader_on_site = "leader_on_site"
    reporter = "reporter"
    reporter_contact = "reporter_contact"
    situation = "situation"
    handling = "handling"
    cause = "cause"
    aftermath = "aftermath"

    @property
    def label(self) -> str:
        return ELEMENT_LABELS[self]


ELEMENT_LABELS = {
    Element.received_at: "接报时间",
    Element.source: "信息来源",
    Element.occurred_at: "事发时间",
    Element.place: "事发地点",
    Element.category: "事件类别",
    Element.casualties: "伤亡情况",
    Element.scope: "影响范围",
    Element.measures: "已采取措施",
    Element.leader_on_site: "现场领导",
    Element.reporter: "报告人",
    Element.reporter_contact: "联系方式",
    Element.situation: "事件情况",
    Element.handling: "处置情况",
    Element.cause: "初步原因",
    Element.aftermath: "善后情况",
}

FIRST_REPORT_ELEMENTS: tuple[Element, ...] = tuple(ELEMENT_LABELS)[:11]
FINAL_REPORT_ELEMENTS: tuple[Element, ...] = (
    Element.situation, Element.handling, Element.cause, Element.aftermath)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_elements(report: Report, required: Sequence[Element] | None = None) -> list[Element]:
    """Required elements the report lacks (首报 by default; 终报 elements for a final report); 待核实 counts as given."""
    if required is None:
        required = FINAL_REPORT_ELEMENTS if report.kind is ReportKind.final else FIRST_REPORT_ELEMENTS
    return [e for e in required if _blank(getattr(report, e.value))]


@dataclass(frozen=True)
class Problem:
    """One invalid field, with a zh-CN reason for the form or the 4xx answer."""

    field: str
    reason: str


def _aware(name: str, value: datetime | None, out: list[Problem]) -> bool:
    if value is not None and value.tzinfo is None:
        out.append(Problem(name, "时间缺少时区"))
        return False
    return value is not None


def validate_incident(incident: Incident, reports: Sequence[Report] = (), now: datetime | None = None) -> list[Problem]:
    """Impossible times, negative casualties, an override without a reason; empty when valid."""
    out: list[Problem] = []
    received_ok = _aware("received_at", incident.received_at, out)
    occurred_ok = _aware("occurred_at", incident.occurred_at, out)
    future = {name for name in ("occurred_at", "received_at") if now is not None
              and (value := getattr(incident, name)) is not None and value.tzinfo is not None and value > now}
    if "occurred_at" in future:  # said first and on its own field: 接报 before it is what follows from it
        out.append(Problem("occurred_at", "事发时间在将来（晚于当前时间） (the time it occurred is in the future)"))
    elif occurred_ok and received_ok and incident.received_at < incident.occurred_at:
        out.append(Problem("received_at", "接报时间早于事发时间 (received before it occurred)"))
    if "received_at" in future:
        out.append(Problem("received_at", "接报时间在将来（晚于当前时间） (the time it was received is in the future)"))
    if incident.grade is not None and incident.suggested_grade is not None:
        if incident.grade != incident.suggested_grade and _blank(incident.grade_override_reason):
            out.append(Problem("grade_override_reason", "调整建议等级须说明理由"))
    groups = [("casualties", incident.casualties)]
    groups += [(f"reports[{i}].casualties", r.casualties) for i, r in enumerate(reports)]
    for prefix, cas in groups:
        if cas is None:
            continue
        for f in fields(cas):
            v = getattr(cas, f.name)
            if is_known(v) and v < 0:
                out.append(Problem(f"{prefix}.{f.name}", f"{CASUALTY_LABELS[f.name]}人数不能为负数"))
    firsts = [r.reported_at for r in reports if r.kind is ReportKind.first]
    for i, r in enumerate(reports):
        if not _aware(f"reports[{i}].reported_at", r.reported_at, out) or not received_ok:
            continue
        if r.reported_at < incident.received_at:
            out.append(Problem(f"reports[{i}].reported_at", "报送时间早于接报时间"))
        if r.kind is ReportKind.final and firsts and r.reported_at < min(firsts):
            out.append(Problem(f"reports[{i}].reported_at", "终报时间早于首报时间"))
        if now is not None and r.reported_at > now:
            out.append(Problem(f"reports[{i}].reported_at", "时间晚于当前时间"))
    return out
