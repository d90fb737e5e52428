"""The yearly report as a reader sees it: the .docx of a seeded year printed to PDF by LibreOffice.

Needs LibreOffice and poppler (`tests/printed.py`): skipped locally when missing, a failure in CI (CI=true).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from services.spotchecks import report
from tests.printed import Printed, assert_page_numbers, run, to_pdf, tools  # noqa: F401 (tools: a fixture)
from tests.spotchecks.conftest import SETTINGS
from tests.spotchecks.test_yearly_report import _other_features, _spot_checks

SIGNED = datetime(2026, 1, 10, 2, tzinfo=UTC)


@pytest.fixture
def engine(sqlite_engine):
    """The document does not depend on the database: LibreOffice runs once, on SQLite."""
    return sqlite_engine


def test_the_yearly_report_prints_as_an_official_document_with_its_charts(tools, session, directory, tmp_path):
    _spot_checks(session, directory)
    _other_features(session, directory)
    session.commit()
    docx = tmp_path / "yearly-2025.docx"
    report.yearly_report(session=session, year=2025, settings=SETTINGS, out=docx, now=SIGNED)
    doc = Document(str(docx))
    section = doc.sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
    assert (round(section.top_margin / Mm(1)), round(section.bottom_margin / Mm(1)),
            round(section.left_margin / Mm(1)), round(section.right_margin / Mm(1))) == (37, 35, 28, 26)
    assert len(doc.inline_shapes) == 4  # by month, by category, by quarter, by unit

    pdf = to_pdf(docx, tmp_path)
    info = run("pdfinfo", str(pdf))
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(w - 595.3) < 1 and abs(h - 841.9) < 1  # A4
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 3

    text = run("pdftotext", "-layout", str(pdf), "-")
    flat = re.sub(r"\s+", "", text)
    assert "城口县人民政府办公室关于2025年度值班值守工作情况的报告" in flat
    assert "全年承办县管正职请假报备180余人次" in flat
    for caption in ("图1各月接报突发事件与网络舆情", "图2接报突发事件分类情况", "图3各季度电话抽查结果",
                    "图4各单位电话抽查合格率", "表2各月接报突发事件与网络舆情"):
        assert caption in flat, caption
    assert flat.rstrip("—0123456789").endswith("城口县人民政府办公室2026年1月10日")

    # every page ends in its number "— N —": odd pages on the right, even pages on the left
    assert_page_numbers(Printed(pdf, pages, (w, h), text))

    images = [line.split() for line in run("pdfimages", "-list", str(pdf)).splitlines()[2:]]
    assert len([i for i in images if i[2] == "image"]) == 4


def test_a_long_table_repeats_its_header_on_every_page_and_never_breaks_a_row(tools, tmp_path):
    """45 units, some with names that wrap: the unit table runs over pages; each page it runs onto starts with
    its header row again, and each unit's row is whole on one page."""
    from datetime import date

    from rules.spotchecks.statistics import YearFigures
    from services.spotchecks import docs

    long = "县发展和改革委员会（县粮食和物资储备局、县国防动员办公室）"
    names = [f"{(long, '高观镇人民政府', '县规划和自然资源局（县林业局）')[i % 3]}第{i + 1}组" for i in range(45)]
    units = [{"unit": n, "checks": 4, "passed": 3, "failed": 1, "pass_rate": 0.75, "pass_rate_text": "75%"}
             for n in names]
    months = [{"month": m, "incidents": 1, "public_opinion": 0, "phone": 4, "pass_rate_text": "75%", "video": 1,
               "on_site": 0} for m in range(1, 13)]
    quarters = [{"quarter": q, "checks": 45, "passed": 34, "failed": 11, "pass_rate_text": "76%"} for q in (1, 2, 3, 4)]
    cats = [{"category": "natural_disaster", "label": "自然灾害", "count": 12}]
    doc = docs.yearly_doc(year=2025, figures=YearFigures(2025), paragraph="全年值班值守情况。", office="城口县人民政府办公室",
                          series={"months": months, "categories": cats, "quarters": quarters, "units": units},
                          dated=date(2026, 1, 10))
    unit_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "单位")
    assert unit_table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # what Word and WPS read
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for t in doc.tables for row in t.rows)
    docx = tmp_path / "long.docx"
    doc.save(str(docx))

    pages = run("pdftotext", "-layout", str(to_pdf(docx, tmp_path)), "-").split("\f")
    figures = "43175%"  # every unit's row: 4 checks, 3 passed, 1 failed, 75%; on the row's first line
    flat = [re.sub(r"\s+", "", p).replace(figures, "") for p in pages]  # a wrapped name read whole again
    with_units = [i for i, p in enumerate(flat) if any(n in p for n in names)]
    assert len(with_units) >= 2, "the table should run over pages"
    for i in with_units[1:]:  # a page the table runs onto begins with the header row again
        first = next(line for line in pages[i].splitlines() if line.strip())
        assert re.sub(r"\s+", "", first) == "单位抽查（次）合格不合格合格率", (i + 1, first)
    for n in names:  # every row whole: its name on one page, never half here and half on the next
        assert sum(n in p for p in flat) == 1, n
    assert sum(re.sub(r"\s+", "", p).count(figures) for p in pages) == len(names)
