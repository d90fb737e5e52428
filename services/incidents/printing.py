"""The written report (书面报告) as plain text and as a .docx in the 公文 form (`core.gongwen`)."""

from __future__ import annotations

import io
from datetime import datetime, tzinfo

from core.settings import Settings
from models.incidents.records import Incident, Report
from rules import incidents as r
from rules.incidents.types import CASUALTY_LABELS
from services.incidents import convert

# the elements a report's own form takes (beyond the incident's), in the written form's order
REPORT_ELEMENTS = (("situation", "事件情况"), ("handling", "处置情况"), ("cause", "初步原因"), ("aftermath", "善后情况"))


def local_time(value, tz: tzinfo) -> str:
    """A stored time (datetime or ISO text) as the written report gives it: 2026年07月15日02时10分, or 不详."""
    if not value:
        return "不详"
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.astimezone(tz).strftime("%Y年%m月%d日%H时%M分")


def casualty_text(figures: dict | None) -> str:
    """死亡2人、受伤待核实 … or 不详."""
    if not figures or all(v is None for v in figures.values()):
        return "不详"
    parts = [f"{CASUALTY_LABELS[k]}{v}{'' if v == '待核实' else '人'}" for k, v in figures.items()
             if v is not None and k in CASUALTY_LABELS]
    return "、".join(parts) or "无"


def lines(incident: Incident, report: Report, tz: tzinfo) -> list[tuple[str, str]]:
    """(label, text) rows of the written form, in the usual order."""
    e = report.elements or {}
    grade = r.Grade(incident.grade) if incident.grade else None
    rows = [("接报时间", local_time(e.get("received_at"), tz)), ("事发时间", local_time(e.get("occurred_at"), tz)),
            ("事发地点", e.get("place") or "不详"), ("事件类别", r.Category(incident.category).label
                                                  + (f"（{incident.type}）" if incident.type else "")),
            ("事件等级", f"{grade.roman}级（{grade.label}）" if grade else "待定级"),
            ("伤亡情况", casualty_text(e.get("casualties"))), ("影响范围", e.get("scope") or "不详"),
            ("已采取措施", e.get("measures") or "不详"), ("现场领导", e.get("leader_on_site") or "不详"),
            ("信息来源", e.get("source") or "不详"),
            ("报告人及联系方式", f"{e.get('reporter') or '不详'} {e.get('reporter_contact') or ''}".strip())]
    # what the officer wrote about the event: every report that has it (a 续报 too); 终报 lists all, 不详 if blank
    for key, label in REPORT_ELEMENTS:
        if e.get(key) or report.kind == "final":
            rows.append((label, e.get(key) or "不详"))
    if report.content:
        rows.append(("报告内容", report.content))
    return rows


def heading(incident: Incident, report: Report) -> str:
    return f"关于{incident.title}的{convert.report_title(report)}"


def file_name(incident: Incident, report: Report) -> str:
    """The .docx's download name: the report's heading (关于…的首报), cut to a length every system saves."""
    return f"{heading(incident, report)[:60]}.docx"


def report_text(incident: Incident, report: Report, tz: tzinfo) -> str:
    """The report as plain text (the upward message body)."""
    body = "\n".join(f"{label}：{text}" for label, text in lines(incident, report, tz))
    return f"{heading(incident, report)}\n{body}\n报送时间：{local_time(report.reported_at, tz)}"


def report_docx(incident: Incident, report: Report, settings: Settings) -> bytes:
    """The written report as a Word document in the 公文 form: title, 主送 the upward office, the form's rows,
    报送时间, and the office and date (落款)."""
    # python-docx (and lxml under it) only for a download: not loaded by every process that imports printing
    from core import gongwen

    tz = settings.tz
    doc = gongwen.new_document()
    gongwen.title(doc, heading(incident, report))
    gongwen.addressee(doc, settings.incidents.upward_name)
    gongwen.body(doc, "现将有关情况报告如下：")
    gongwen.form_table(doc, lines(incident, report, tz))
    gongwen.body(doc, f"报送时间：{local_time(report.reported_at, tz)}")
    gongwen.signature(doc, settings.incidents.office, report.reported_at.astimezone(tz).date())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
