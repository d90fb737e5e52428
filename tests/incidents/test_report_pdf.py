"""The written report and the duty brief as a reader sees them: the .docx printed to PDF by LibreOffice, in the
公文 form (A4, title, 主送, the office and the date in Chinese, page numbers "— N —").

Needs LibreOffice and poppler (`tests/printed.py`): skipped locally when missing, a failure in CI (CI=true).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.audit import chain
from services.audit.checks import Keeper
from services.incidents import brief, intake, printing, reports
from services.incidents.schemas import IncidentIn, ReportIn
from tests.incidents.conftest import DUTY, T0, landslide
from tests.printed import assert_page_numbers, printed, tools  # noqa: F401 (tools: a fixture)

UPDATE = ("截至7时，现场已搜救出失联人员1人（已送医），仍有2人失联；县应急局、自然资源局、消防救援大队等"
          "120余人在现场搜救，调用挖掘机4台、生命探测仪2台；已转移安置受威胁群众36户108人，设置临时安置点2处。")


@pytest.fixture
def engine(sqlite_engine):
    """The documents do not depend on the database: LibreOffice runs once per document, on SQLite."""
    return sqlite_engine


@pytest.fixture
def landslide_reported(session, county, settings):
    """The town's landslide (2 dead, injured 待核实, 3 missing) with its written 首报 and a long 续报."""
    inc = intake.open_incident(session=session, data=IncidentIn(**landslide(county["town"].id, T0)), by=DUTY,
                               now=T0, settings=settings)
    first = reports.add_report(session=session, incident_id=inc.id, data=ReportIn(kind="first"), by=DUTY,
                               now=T0 + timedelta(minutes=40), settings=settings)
    later = T0 + timedelta(hours=5)
    followup = reports.add_report(session=session, incident_id=inc.id, by=DUTY, now=later, settings=settings,
                                  data=ReportIn(kind="followup", missing=2, content=UPDATE * 6))
    session.commit()
    return inc, first, followup


def test_the_followup_report_prints_as_an_official_document(tools, landslide_reported, settings, tmp_path):
    inc, first, followup = landslide_reported
    docx = tmp_path / "followup.docx"
    docx.write_bytes(printing.report_docx(inc, followup, settings))
    doc = printed(docx, tmp_path)
    assert doc.a4 and doc.pages == 2, (doc.size, doc.pages)
    flat = doc.flat
    assert flat.startswith("关于高观镇山体滑坡的续报一市政府总值班室：")  # title, then 主送 the upward office
    for text in ("事发地点高观镇青龙村3组", "事件等级Ⅱ级", "死亡2人、受伤待核实、失联2人", "仍有2人失联",
                 "报送时间：2026年07月15日07时10分"):
        assert text in flat, text
    assert flat.rstrip("—0123456789").endswith("县政府总值班室2026年7月15日")
    assert_page_numbers(doc)


def test_the_first_report_names_the_configured_upward_office(tools, landslide_reported, settings, tmp_path):
    inc, first, _ = landslide_reported
    settings.incidents.upward_name = "重庆市人民政府总值班室"
    docx = tmp_path / "first.docx"
    docx.write_bytes(printing.report_docx(inc, first, settings))
    doc = printed(docx, tmp_path)
    assert doc.a4 and doc.pages == 1
    assert doc.flat.startswith("关于高观镇山体滑坡的首报重庆市人民政府总值班室：")
    assert "死亡2人、受伤待核实、失联3人" in doc.flat  # the figures as the 首报 gave them, not the 续报's
    assert_page_numbers(doc)


def test_the_duty_brief_prints_as_an_official_document(tools, landslide_reported, session, settings, tmp_path):
    Keeper.of(settings).seal(session=session, now=T0)
    pos, head = chain.head(session=session)
    docx = tmp_path / "brief.docx"
    docx.write_bytes(brief.brief_docx(session, T0 + timedelta(hours=6), settings))  # 08:10 on 15 July
    doc = printed(docx, tmp_path)
    assert doc.a4 and doc.pages == 1
    flat = doc.flat
    assert flat.startswith("值班日报县委、县政府：2026年7月15日值班情况报告如下：过去24小时接报事件1起，目前未结事件1起")
    assert "1.高观镇山体滑坡（高观镇，Ⅱ级，未确认）" in flat
    assert f"二、审计记录审计链：第{pos}条，校验值{head[:16]}。" in flat  # the record's head, outside the system
    assert flat.rstrip("—0123456789").endswith("县政府总值班室2026年7月15日")
    assert_page_numbers(doc)
