"""Word documents (.docx via python-docx): the monthly circular and the yearly duty report (公文 form: `core.gongwen`)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from core import gongwen
from rules.spotchecks.statistics import YearFigures
from services.spotchecks import charts

UNITS_CHARTED = 20  # a longer list is charted by its lowest pass rates; the table lists every unit

FIGURE_LABELS = [
    ("leave_reports", "县管正职请假报备（人次）"), ("public_opinion", "处置网络舆情（起）"),
    ("incidents_received", "接报突发事件（件次）"), ("reported_upward", "上报突发事件（件）"),
    ("instructions_forwarded", "转办领导批示（次）"), ("on_site_checks", "实地检查（次）"),
    ("video_dispatches", "视频调度（次）"), ("phone_checks", "电话抽查（次）"), ("reminder_notices", "值班工作提醒（期）"),
]


def save(doc, path: Path) -> str:
    """Write the document and return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(data: bytes, path: Path) -> None:
    """Write a document already built in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def circular_layout(view: dict) -> dict:
    """What the circular shows after its opening, in order, for the .docx and the print page alike: the results
    (一级标题, 表1's caption, header and rows), then the numbered parts that apply (存在问题的单位, 书面说明)."""
    parts = [(name, lines) for name, lines in (("存在问题的单位", view["failed"]),
                                               ("书面说明", [view["explanations"]] if view["explanations"] else []))
             if lines]
    return {"heading": "一、抽查结果", "caption": "表1  各单位值班电话抽查结果",
            "header": ["排名", "单位", "抽查次数", "不合格", "不规范", "合格率", "问题"],
            "rows": [[r["rank"], r["unit"], r["checks"], r["failures"], r["deficiencies"], r["pass_rate_text"],
                      r["problems"]] for r in view["rows"]],
            "parts": [(f"{'二三四'[i]}、{name}", lines) for i, (name, lines) in enumerate(parts)]}


def circular_doc(view: dict, *, office: str, dated: date):
    """The circular (通报) from `services.spotchecks.circulars.circular_view`, in the 公文 form: its 文号 and
    主送 when the view has them (every circular issued since they are kept)."""
    doc, layout = gongwen.new_document(), circular_layout(view)
    if view.get("doc_number"):
        gongwen.document_number(doc, view["doc_number"])
    gongwen.title(doc, view["title"])
    if view.get("addressee"):
        gongwen.addressee(doc, view["addressee"])
    gongwen.body(doc, view["intro"])
    gongwen.heading(doc, layout["heading"])
    gongwen.table(doc, layout["caption"], layout["header"], layout["rows"])
    for heading, lines in layout["parts"]:
        gongwen.heading(doc, heading)
        for line in lines:
            gongwen.body(doc, line)
    gongwen.body(doc, view["closing"])
    gongwen.signature(doc, office, dated)
    return doc


def yearly_doc(*, year: int, figures: YearFigures, paragraph: str, series: dict, office: str, dated: date,
               addressee: str = ""):
    """The yearly duty report in the 公文 form: title, 主送机关 (`addressee`, when given), the duty paragraph, the
    figures, and each chart (图N) followed by its numbers as a table (表N). `series`: `months`, `categories`,
    `quarters`, `units` from `stats`."""
    months, cats, quarters, units = series["months"], series["categories"], series["quarters"], series["units"]
    doc = gongwen.new_document()
    gongwen.title(doc, f"{office}\n关于{year}年度值班值守工作情况的报告")
    if addressee.strip():
        gongwen.addressee(doc, addressee.strip())  # GB/T 9704: under the title's blank line, flush left, then ：
    n = _Numbers()
    gongwen.heading(doc, "一、总体情况")
    gongwen.body(doc, paragraph)
    gongwen.table(doc, n.table(f"{year}年度值班值守主要工作量"), ["项目", "数量"],
                  [[label, getattr(figures, name)] for name, label in FIGURE_LABELS])

    gongwen.heading(doc, "二、突发事件接报情况")
    gongwen.body(doc, f"全年接报各类突发事件{figures.incidents_received}件次，处置网络舆情{figures.public_opinion}起，"
                      f"通过直报系统上报突发事件{figures.reported_upward}件。分月、分类情况见下列图表。")
    gongwen.heading(doc, "（一）分月情况", 2)
    gongwen.figure(doc, charts.monthly_incidents(months), n.figure("各月接报突发事件与网络舆情（件次）"))
    gongwen.table(doc, n.table("各月接报突发事件与网络舆情"), ["月份", "突发事件（件次）", "网络舆情（起）"],
                  [[f"{m['month']}月", m["incidents"], m["public_opinion"]] for m in months]
                  + [["合计", sum(m["incidents"] for m in months), sum(m["public_opinion"] for m in months)]])
    gongwen.heading(doc, "（二）分类情况", 2)
    gongwen.figure(doc, charts.categories(cats), n.figure("接报突发事件分类情况（件次）"))
    gongwen.table(doc, n.table("接报突发事件分类情况"), ["类别", "数量（件次）"],
                  [[c["label"], c["count"]] for c in cats] + [["合计", sum(c["count"] for c in cats)]])

    gongwen.heading(doc, "三、值班抽查情况")
    checked = sum(q["checks"] for q in quarters)
    passed = sum(q["passed"] for q in quarters)
    rate = f"，合格率{passed / checked:.0%}" if checked else ""
    gongwen.body(doc, f"全年电话抽查{checked}次，合格{passed}次{rate}；视频调度{figures.video_dispatches}次，"
                      f"实地检查{figures.on_site_checks}次。")
    gongwen.heading(doc, "（一）分季度情况", 2)
    gongwen.figure(doc, charts.quarters(quarters), n.figure("各季度电话抽查结果（次）"))
    gongwen.table(doc, n.table("各季度电话抽查结果"), ["季度", "抽查（次）", "合格", "不合格", "合格率"],
                  [[f"第{'一二三四'[q['quarter'] - 1]}季度", q["checks"], q["passed"], q["failed"], q["pass_rate_text"]]
                   for q in quarters])
    if units:
        shown = sorted(units, key=lambda u: (u["pass_rate"] if u["pass_rate"] is not None else 2, u["unit"]))
        shown = shown[:UNITS_CHARTED] if len(units) > UNITS_CHARTED else units
        lowest = f"（合格率最低的{UNITS_CHARTED}个单位）" if len(units) > UNITS_CHARTED else ""
        gongwen.heading(doc, "（二）各单位情况", 2)
        gongwen.figure(doc, charts.units(shown), n.figure(f"各单位电话抽查合格率{lowest}"))
        gongwen.table(doc, n.table("各单位电话抽查结果"), ["单位", "抽查（次）", "合格", "不合格", "合格率"],
                      [[u["unit"], u["checks"], u["passed"], u["failed"], u["pass_rate_text"]] for u in units])
    gongwen.heading(doc, f"（{'三' if units else '二'}）分月明细", 2)
    gongwen.table(doc, n.table("各月值班抽查明细"), ["月份", "电话抽查", "合格率", "视频调度", "实地检查"],
                  [[f"{m['month']}月", m["phone"], m["pass_rate_text"], m["video"], m["on_site"]] for m in months])
    gongwen.signature(doc, office, dated)
    return doc


class _Numbers:
    """图N and 表N, numbered in order of appearance."""

    def __init__(self) -> None:
        self.figures = self.tables = 0

    def figure(self, text: str) -> str:
        self.figures += 1
        return f"图{self.figures}  {text}"

    def table(self, text: str) -> str:
        self.tables += 1
        return f"表{self.tables}  {text}"
