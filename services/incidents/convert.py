"""Rows to rule objects and back: casualty columns (count + 待核实 flag), incidents, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.incidents.records import Incident, Report
from rules import incidents as r
from rules.incidents.types import MAX_PERSONS

FIGURES = ("deaths", "seriously_injured", "injured", "missing")


def parse_figure(value: Any) -> int | r.Unverified | None:
    """A form/API casualty value: a count, '待核实'/'unverified', or empty (unknown)."""
    if value is None or value == "":
        return None
    if value is r.UNVERIFIED or (isinstance(value, str) and value.strip() in ("待核实", "unverified")):
        return r.UNVERIFIED
    if isinstance(value, bool):
        raise ValueError("须为人数或“待核实” (must be a count, or unverified)")
    try:
        n = value if isinstance(value, int) else int(str(value).strip().removesuffix("人").removesuffix("名").strip())
    except ValueError:
        raise ValueError("须为人数或“待核实” (must be a count, or unverified)") from None
    if n > MAX_PERSONS:
        raise ValueError(f"人数超出合理范围（不超过{MAX_PERSONS}） (at most {MAX_PERSONS} persons)")
    return n


def figure_of(incident: Incident, name: str) -> int | r.Unverified | None:
    if getattr(incident, f"{name}_unverified"):
        return r.UNVERIFIED
    return getattr(incident, name)


def set_figure(incident: Incident, name: str, value: int | r.Unverified | None) -> None:
    setattr(incident, f"{name}_unverified", value is r.UNVERIFIED)
    setattr(incident, name, None if value is r.UNVERIFIED else value)


def casualties_of(incident: Incident) -> r.Casualties | None:
    """The incident's casualties for the rules; None when nothing at all is known."""
    values = {n: figure_of(incident, n) for n in FIGURES}
    if all(v is None for v in values.values()):
        return None
    return r.Casualties(**{n: (0 if v is None else v) for n, v in values.items()})


def figures_json(incident: Incident) -> dict[str, Any]:
    """Casualty figures as stored in a report's elements: count, '待核实' or None."""
    out = {}
    for n in FIGURES:
        v = figure_of(incident, n)
        out[n] = str(v) if v is r.UNVERIFIED else v
    return out


def casualties_from_json(data: dict[str, Any] | None) -> r.Casualties | None:
    if not data or all(data.get(n) is None for n in FIGURES):
        return None
    return r.Casualties(**{n: (parse_figure(data.get(n)) if data.get(n) is not None else 0) for n in FIGURES})


def grade_of(value: int | None) -> r.Grade | None:
    return r.Grade(value) if value else None


def rule_incident(i: Incident) -> r.Incident:
    return r.Incident(category=r.Category(i.category), received_at=i.received_at, occurred_at=i.occurred_at,
                      grade=grade_of(i.grade), suggested_grade=grade_of(i.suggested_grade),
                      grade_override_reason=i.grade_override_reason, sensitive=i.sensitive,
                      learned_from_other_channel=i.learned_from_other_channel, casualties=casualties_of(i),
                      economic_loss_yuan=i.economic_loss_yuan, grade_confirmed_at=i.grade_confirmed_at)


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else value or None


def rule_report(rep: Report) -> r.Report:
    e = rep.elements or {}
    cat = e.get("category")
    return r.Report(
        kind=r.ReportKind(rep.kind), reported_at=rep.reported_at, channel=r.ReportChannel(rep.channel),
        seq=rep.number, received_at=_dt(e.get("received_at")), source=e.get("source"),
        occurred_at=_dt(e.get("occurred_at")), place=e.get("place"), category=r.Category(cat) if cat else None,
        casualties=casualties_from_json(e.get("casualties")), scope=e.get("scope"), measures=e.get("measures"),
        leader_on_site=e.get("leader_on_site"), reporter=e.get("reporter"),
        reporter_contact=e.get("reporter_contact"), situation=e.get("situation"), handling=e.get("handling"),
        cause=e.get("cause"), aftermath=e.get("aftermath"))


def report_title(rep: Report) -> str:
    """首报 / 续报一 / 终报: the one numbering of reports (Chinese numerals, as in official documents).
    `rep` is anything with the report's `kind` and `number` (a row, the API's answer)."""
    return r.followup_title(rep.number) if rep.kind == "followup" else r.ReportKind(rep.kind).label
