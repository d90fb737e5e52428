"""Word documents (.docx via python-docx): the monthly circular and the yearly duty report."""

from __future__ import annotations

import hashlib
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from rules.spotchecks.statistics import YearFigures

FIGURE_LABELS = [
    ("leave_reports", "县管正职请假报备（人次）"), ("public_opinion", "处置网络舆情（起）"),
    ("incidents_received", "接报突发事件（件次）"), ("reported_upward", "上报突发事件（件）"),
    ("instructions_forwarded", "转办领导批示（次）"), ("on_site_checks", "实地检查（次）"),
    ("video_dispatches", "视频调度（次）"), ("phone_checks", "电话抽查（次）"), ("reminder_notices", "值班工作提醒（期）"),
]


def _title(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(18)


def _table(doc, header: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = str(value)


def save(doc, path: Path) -> str:
    """Write the document and return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def circular_doc(view: dict):
    """The circular (通报) from `services.spotchecks.circulars.circular_view`."""
    doc = Document()
    _title(doc, view["title"])
    doc.add_paragraph(view["intro"])
    _table(doc, ["排名", "单位", "抽查次数", "不合格", "不规范", "合格率", "问题"],
           [[r["rank"], r["unit"], r["checks"], r["failures"], r["deficiencies"], r["pass_rate_text"],
             r["problems"]] for r in view["rows"]])
    if view["failed"]:
        doc.add_paragraph("二、存在问题的单位").runs[0].bold = True
        for line in view["failed"]:
            doc.add_paragraph(line, style="List Bullet")
    if view["explanations"]:
        doc.add_paragraph("三、书面说明").runs[0].bold = True
        doc.add_paragraph(view["explanations"])
    doc.add_paragraph(view["closing"])
    return doc


def yearly_doc(year: int, figures: YearFigures, paragraph: str, months: list[dict]):
    """The yearly duty report: the duty paragraph, the figures and a month-by-month table."""
    doc = Document()
    _title(doc, f"{year}年度值班值守工作情况")
    doc.add_paragraph(paragraph)
    _table(doc, ["项目", "数量"], [[label, getattr(figures, name)] for name, label in FIGURE_LABELS])
    doc.add_paragraph("")
    _table(doc, ["月份", "电话抽查", "合格率", "视频调度", "实地检查", "接报突发事件"],
           [[m["month"], m["phone"], m["pass_rate_text"], m["video"], m["on_site"], m["incidents"]] for m in months])
    return doc
