"""The written report (书面报告) as plain text and as a .docx (python-docx)."""

from __future__ import annotations

import io
from datetime import datetime, tzinfo

from models.incidents.records import Incident, Report
from rules import incidents as r
from rules.incidents.types import CASUALTY_LABELS
from services.incidents import convert


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
    if report.kind == "final":
        rows += [("事件情况", e.get("situation") or "不详"), ("处置情况", e.get("handling") or "不详"),
                 ("初步原因", e.get("cause") or "不详"), ("善后情况", e.get("aftermath") or "不详")]
    if report.content:
        rows.append(("报告内容", report.content))
    return rows


def heading(incident: Incident, report: Report) -> str:
    return f"关于{incident.title}的{convert.report_title(report)}"


def report_text(incident: Incident, report: Report, tz: tzinfo) -> str:
    """The report as plain text (the upward message body)."""
    body = "\n".join(f"{label}：{text}" for label, text in lines(incident, report, tz))
    return f"{heading(incident, report)}\n{body}\n报送时间：{local_time(report.reported_at, tz)}"


def report_docx(incident: Incident, report: Report, tz: tzinfo, office: str = "县政府总值班室") -> bytes:
    """The written report as a Word document."""
    # python-docx (and lxml under it) only for a download: not loaded by every process that imports printing
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(heading(incident, report))
    run.bold, run.font.size = True, Pt(18)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, text in lines(incident, report, tz):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, str(text)
    sign = doc.add_paragraph(f"{office}\n{local_time(report.reported_at, tz)}")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
