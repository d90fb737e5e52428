"""Every official document dutydesk writes looks alike: the duty brief, the yearly report and the circular come out
of one 公文 form (core/gongwen.py) — the same page, title 方正小标宋简体 (宋体 where it is missing), 仿宋 body, and
page numbers "— N —" at the outside."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn

from core.settings import Settings
from rules.spotchecks.statistics import YearFigures
from services.incidents import brief
from services.spotchecks import docs

SETTINGS = Settings(environment="test", timezone="Asia/Shanghai")


@pytest.fixture
def engine(sqlite_engine):
    """The form does not depend on the database."""
    return sqlite_engine


def _yearly() -> bytes:
    months = [{"month": m, "incidents": 1, "public_opinion": 0, "phone": 4, "pass_rate_text": "75%", "video": 1,
               "on_site": 0} for m in range(1, 13)]
    series = {"months": months, "categories": [{"category": "natural_disaster", "label": "自然灾害", "count": 12}],
              "quarters": [{"quarter": q, "checks": 4, "passed": 3, "failed": 1, "pass_rate_text": "75%"}
                           for q in (1, 2, 3, 4)], "units": []}
    buf = io.BytesIO()
    docs.yearly_doc(year=2025, figures=YearFigures(2025), paragraph="全年值班值守情况。", series=series,
                    office="城口县人民政府办公室", dated=date(2026, 1, 10)).save(buf)
    return buf.getvalue()


def _circular() -> bytes:
    view = {"title": "关于2026年11月值班电话抽查情况的通报", "intro": "现将有关情况通报如下。", "failed": [],
            "explanations": "", "closing": "请各单位严格落实值班制度。", "doc_number": "城口府办值〔2026〕1号",
            "addressee": "县政府各部门", "rows": [{"rank": 1, "unit": "高观镇", "checks": 1, "failures": 0,
                                                 "deficiencies": 0, "pass_rate_text": "100%", "problems": ""}]}
    buf = io.BytesIO()
    docs.circular_doc(view, office="城口县人民政府办公室", dated=date(2026, 12, 1)).save(buf)
    return buf.getvalue()


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name).decode() for name in ("word/styles.xml", "word/fontTable.xml", "word/footer1.xml",
                                                          "word/footer2.xml", "word/settings.xml")}


def test_the_brief_the_yearly_report_and_the_circular_share_one_form(session):
    documents = {"brief": brief.brief_docx(session, datetime(2026, 7, 15, 0, 10, tzinfo=UTC), SETTINGS),
                 "yearly": _yearly(), "circular": _circular()}
    forms = {name: _parts(data) for name, data in documents.items()}
    assert forms["brief"] == forms["yearly"] == forms["circular"]  # styles, fonts, footers, odd/even pages alike

    for name, data in documents.items():
        doc = Document(io.BytesIO(data))
        section = doc.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297), name
        title = next(p for p in doc.paragraphs if p.style.name == "公文标题")
        fonts = {s.name: s.element.rPr.rFonts.get(qn("w:eastAsia")) for s in doc.styles
                 if s.type == 1 and s.element.rPr is not None and s.element.rPr.rFonts is not None}
        assert fonts["公文标题"] == "方正小标宋简体" and fonts["公文正文"] == "仿宋", name
        assert title.style.font.size.pt == 22 and doc.styles["公文正文"].font.size.pt == 16, name
        # the page number "— N —" in each footer, odd pages right and even pages left
        for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
            xml = footer.paragraphs[0]._p.xml
            assert "PAGE" in xml and re.search(rf'<w:jc w:val="{side}"/>', xml), (name, side)
            assert footer.paragraphs[0].text.replace("1", "N") == "— N —", name
    table = _parts(documents["brief"])["word/fontTable.xml"]
    assert re.search(r'w:name="方正小标宋简体"><w:altName w:val="宋体"/>', table)  # what Word shows without it
    assert re.search(r'w:name="仿宋"><w:altName w:val="仿宋_GB2312"/>', table)
