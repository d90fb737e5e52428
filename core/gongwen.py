"""The official-document form (公文, GB/T 9704-2012) in python-docx: every layout number in `FORM`, and the
few builders every official document (the circular, the yearly report, the incident report, the duty brief) is
written with.

What python-docx allows is kept to: A4, the standard's margins (版心 156 x 225 mm), title 2号小标宋, body 3号仿宋
at a fixed 28.9 pt line (22 lines of 28 characters a page, the standard's 版心), 一级标题 黑体 "一、", 二级标题
楷体 "（一）", page numbers "— 1 —" in 4号宋体 at the outside (odd pages right, even left, one character in),
the issuing office and the date (2025年12月31日) at the end on the right. Chinese font names go into w:eastAsia
(what Word and WPS read for Chinese text) and into the font table with a common fallback (w:altName), so a
machine without 方正小标宋简体 or 仿宋 shows 宋体 rather than whatever it picks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree


@dataclass(frozen=True)
class Form:
    """GB/T 9704-2012 numbers (mm, pt) in one place."""

    page_width_mm: float = 210
    page_height_mm: float = 297
    top_mm: float = 37
    bottom_mm: float = 35
    left_mm: float = 28
    right_mm: float = 26
    footer_mm: float = 25  # page number about 7 mm below the text block
    line_pt: float = 28.9  # exact: 22 lines in the 225 mm block
    title_font: str = "方正小标宋简体"
    title_pt: float = 22  # 2号
    body_font: str = "仿宋"
    body_pt: float = 16  # 3号
    heading1_font: str = "黑体"
    heading2_font: str = "楷体"
    number_font: str = "宋体"  # page numbers: 4号半角宋体
    number_pt: float = 14
    table_pt: float = 12  # 小四, in tables and under figures
    latin_font: str = "Times New Roman"
    indent_chars: int = 2  # first-line indent of body text
    date_right_chars: int = 4  # 成文日期右空四字
    figure_width_mm: float = 150


FORM = Form()
# font -> what Word/WPS show where it is missing (w:altName), and Windows' name for the fallback
FALLBACK = {"方正小标宋简体": "宋体", "仿宋": "仿宋_GB2312", "楷体": "楷体_GB2312", "黑体": "SimHei", "宋体": "SimSun"}


def _fonts(rpr_font, east_asia: str, latin: str = FORM.latin_font) -> None:
    """Set a run's or style's fonts: Latin and digits in `latin`, Chinese in `east_asia`, no theme fonts."""
    rpr_font.name = latin
    rfonts = rpr_font._element.get_or_add_rPr().get_or_add_rFonts()  # a run's or a style's rPr
    rfonts.set(qn("w:eastAsia"), east_asia)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)


def _style(doc, name: str, font: str, size: float, *, outline: int | None = None, align=None, indent=True):
    style = doc.styles.add_style(name, 1)  # 1: paragraph
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _fonts(style.font, font)
    style.font.size = Pt(size)
    pf = style.paragraph_format
    pf.first_line_indent = Pt(FORM.body_pt * FORM.indent_chars) if indent else Pt(0)
    if align is not None:
        pf.alignment = align
    if outline is not None:
        pf.keep_with_next = True
        lvl = OxmlElement("w:outlineLvl")
        lvl.set(qn("w:val"), str(outline))
        style.element.get_or_add_pPr().append(lvl)
    return style


def _font_table(doc) -> None:
    """Declare the Chinese fonts with their fallback and the GB2312 character set (w:charset 86)."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACK.items():
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): alt})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "modern" if name == "黑体" else "roman"})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # a plain Part


def _page_number(paragraph, *, odd: bool) -> None:
    """"— N —" with a PAGE field, 4号宋体, one character in from the outside edge."""
    pf = paragraph.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if odd:
        pf.right_indent = Pt(FORM.number_pt)
    else:
        pf.left_indent = Pt(FORM.number_pt)

    def run(text: str = ""):
        r = paragraph.add_run(text)
        _fonts(r.font, FORM.number_font, FORM.number_font)
        r.font.size = Pt(FORM.number_pt)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text.strip() == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        r._r.append(el)
    run(" —")


def new_document():
    """An empty A4 document in the 公文 form: page, margins, styles, fonts, outside page numbers."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(FORM.page_width_mm), Mm(FORM.page_height_mm)
    section.top_margin, section.bottom_margin = Mm(FORM.top_mm), Mm(FORM.bottom_mm)
    section.left_margin, section.right_margin = Mm(FORM.left_mm), Mm(FORM.right_mm)
    section.footer_distance = Mm(FORM.footer_mm)
    normal = doc.styles["Normal"]
    _fonts(normal.font, FORM.body_font)
    normal.font.size = Pt(FORM.body_pt)
    pf = normal.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(FORM.line_pt)
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _style(doc, "公文正文", FORM.body_font, FORM.body_pt)
    _style(doc, "公文标题", FORM.title_font, FORM.title_pt, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _style(doc, "一级标题", FORM.heading1_font, FORM.body_pt, outline=0)
    _style(doc, "二级标题", FORM.heading2_font, FORM.body_pt, outline=1)
    caption = _style(doc, "图表题", FORM.body_font, FORM.table_pt + 2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    caption.paragraph_format.keep_with_next = True
    cell = _style(doc, "表格文字", FORM.body_font, FORM.table_pt, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _font_table(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)
    return doc


def doc_number(code: str, year: int, seq: int) -> str:
    """发文字号 as GB/T 9704-2012 writes it: 机关代字, the full year in 〔〕, the number without 第 or leading zeros."""
    return f"{code}〔{year}〕{seq}号"


def document_number(doc, text: str) -> None:
    """发文字号 centred above the title in 3号仿宋, one empty line between them."""
    p = doc.add_paragraph(text, style="公文正文")
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("", style="公文正文")


def title(doc, text: str) -> None:
    """The title (标题), then an empty line before the text."""
    doc.add_paragraph(text, style="公文标题")
    doc.add_paragraph("", style="公文正文")


def addressee(doc, text: str) -> None:
    """主送机关: flush left, ending in a full-width colon."""
    p = doc.add_paragraph(text.rstrip("：:") + "：", style="公文正文")
    p.paragraph_format.first_line_indent = Pt(0)


def heading(doc, text: str, level: int = 1) -> None:
    """一级标题 ("一、…", 黑体) or 二级标题 ("（一）…", 楷体)."""
    doc.add_paragraph(text, style="一级标题" if level == 1 else "二级标题")


def body(doc, text: str) -> None:
    doc.add_paragraph(text, style="公文正文")


def table(doc, caption: str, header: list[str], rows: list[list]) -> None:
    """"表N …" above a centred grid table in 小四仿宋."""
    doc.add_paragraph(caption, style="图表题")
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = _widths([header, *rows])
    for column, width in zip(t.columns, widths):  # the grid (what LibreOffice reads) and each cell (Word)
        column.width = width
    for row_cells, values in [(t.rows[0].cells, header)] + [(t.add_row().cells, r) for r in rows]:
        for cell, value, width in zip(row_cells, values, widths):
            cell.width = width
            cell.text = ""
            cell.paragraphs[0].style = doc.styles["表格文字"]
            cell.paragraphs[0].add_run("" if value is None else str(value))
    for cell in t.rows[0].cells:
        for r in cell.paragraphs[0].runs:
            _fonts(r.font, FORM.heading1_font)
    _rows_whole(t, header=True)
    doc.add_paragraph("", style="公文正文")


def _widths(rows: list[list]) -> list[Mm]:
    """Columns share the text block by their longest cell (2 to 16 characters, digits half, one more for the
    cell's margins): a unit's long name gets the room, a count column stays narrow."""

    def chars(value) -> float:
        text = "" if value is None else str(value)
        return sum(0.5 if ch.isascii() else 1 for ch in text)

    longest = [min(max(max(chars(r[i]) for r in rows if i < len(r)), 2), 16) + 1 for i in range(len(rows[0]))]
    block = FORM.page_width_mm - FORM.left_mm - FORM.right_mm
    return [Mm(block * n / sum(longest)) for n in longest]


def _rows_whole(t, *, header: bool) -> None:
    """No row broken across a page (w:cantSplit); with `header`, the first row repeats atop every page the table
    runs onto (w:tblHeader) and stays with the row under it."""
    for i, row in enumerate(t.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))  # CT_TrPr order: cantSplit before trHeight and tblHeader
        if header and i == 0:
            trpr.append(OxmlElement("w:tblHeader"))
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True


def form_table(doc, rows: list[tuple[str, str]], *, label_mm: float = 40) -> None:
    """A two-column form (label | text) in 小四仿宋: the label in 黑体 and centred, the text left-aligned."""
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = (Mm(label_mm), Mm(FORM.page_width_mm - FORM.left_mm - FORM.right_mm - label_mm))
    for column, width in zip(t.columns, widths):  # the grid (what LibreOffice reads) and each cell (Word)
        column.width = width
    for label, text in rows:
        cells = t.add_row().cells
        for cell, value, width in zip(cells, (label, text), widths):
            cell.width = width
            cell.text = ""
            p = cell.paragraphs[0]
            p.style = doc.styles["表格文字"]
            run = p.add_run(str(value))
            if cell is cells[0]:
                _fonts(run.font, FORM.heading1_font)
            else:
                p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.add_paragraph("", style="公文正文")


def figure(doc, png: bytes, caption: str) -> None:
    """A chart as an inline picture (single line spacing: an exact line would clip it), "图N …" below."""
    p = doc.add_paragraph(style="表格文字")
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png), width=Mm(FORM.figure_width_mm))
    doc.add_paragraph(caption, style="图表题").paragraph_format.keep_with_next = False


def chinese_date(d: date) -> str:
    """成文日期 as GB/T 9704-2012 writes it: 2025年12月31日 (Arabic numerals, no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"


def signature(doc, office: str, dated: date) -> None:
    """The issuing office centred over the date, the date four characters in from the right."""
    when = chinese_date(dated)
    doc.add_paragraph("", style="公文正文")
    right = FORM.body_pt * FORM.date_right_chars
    # centre the office over the date; a date counts about 7 characters wide (digits are half width)
    date_width = sum(0.5 if ch.isdigit() else 1 for ch in when)
    office_right = max(right + (date_width - len(office)) / 2 * FORM.body_pt, FORM.body_pt * 2)
    for text, indent in ((office, office_right), (when, right)):
        p = doc.add_paragraph(text, style="公文正文")
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.right_indent = Pt(indent)
        p.paragraph_format.keep_with_next = text == office  # the office never ends a page without its date
