"""The monthly circular (通报) as an office sends it: 文号 numbered per year and kept, 主送, 落款; never empty."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import func, select

from models.spotchecks.checks import PhoneCheck
from models.spotchecks.inspections import Circular
from tests.spotchecks.conftest import NOW, town_check


@pytest.fixture
def web(client, tokens, plan):
    client.app.state.clock = lambda: NOW
    return client


def _checked(session, plan, directory, at: datetime) -> None:
    session.add(PhoneCheck(unit_id=directory["town"].id, mode="manual", started_at=at, outcome="no_answer",
                           recorded_by="duty"))
    session.commit()


def _paragraphs(web, tokens, circular_id) -> list[str]:
    doc = web.get(f"/api/spotchecks/circulars/{circular_id}.docx", headers=tokens["auditor"])
    assert doc.status_code == 200
    return [p.text for p in Document(io.BytesIO(doc.content)).paragraphs]


def test_a_circular_carries_its_number_addressee_and_signature_numbered_per_year_and_kept(web, tokens, session,
                                                                                          plan, directory, settings):
    town_check(session, plan, directory)
    _checked(session, plan, directory, NOW - timedelta(days=3))
    _checked(session, plan, directory, NOW - timedelta(days=40))  # October
    nov = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 11}, headers=tokens["duty_officer"])
    oct_ = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 10}, headers=tokens["duty_officer"])
    assert (nov.status_code, oct_.status_code) == (201, 201)
    assert (nov.json()["doc_number"], oct_.json()["doc_number"]) == ("城口府办值〔2026〕1号", "城口府办值〔2026〕2号")

    text = _paragraphs(web, tokens, nov.json()["id"])
    # 文号 above the title, 主送 under it ending in "：", the office and the day of issue at the end
    number, title = text.index("城口府办值〔2026〕1号"), text.index("关于2026年11月值班电话抽查情况的通报")
    assert number < title and text[title + 2] == "各乡镇人民政府、街道办事处，县政府各部门，有关单位："
    assert text[-2:] == ["城口县人民政府办公室", "2026年11月20日"]
    page = web.get(f"/spotchecks/circulars/{nov.json()['id']}/print", headers=tokens["leader"]).text
    assert 'id="doc-number">城口府办值〔2026〕1号<' in page
    assert "各乡镇人民政府、街道办事处，县政府各部门，有关单位：" in page and "2026年11月20日" in page
    listed = web.get("/spotchecks/circulars?lang=en", headers=tokens["leader"]).text
    assert '<span lang="zh-CN">城口府办值〔2026〕1号</span>' in listed and "城口府办值〔2026〕2号" in listed
    # the print page has the .docx's parts, numbered alike
    doc = Document(io.BytesIO(web.get(f"/api/spotchecks/circulars/{nov.json()['id']}.docx",
                                      headers=tokens["auditor"]).content))
    headings = [p.text for p in doc.paragraphs if p.style.name == "一级标题"]
    assert headings == ["一、抽查结果", "二、存在问题的单位", "三、书面说明"] == re.findall(r"<h2>([^<]+)</h2>", page)

    # the office renames its code and addressee: what was issued keeps its number and its 主送
    settings.spotchecks.circular_code, settings.spotchecks.circular_addressee = "城口府办", "县政府各部门"
    (Path(settings.data_dir) / nov.json()["doc_path"]).unlink()  # even rebuilt from the stored content
    assert "城口府办值〔2026〕1号" in _paragraphs(web, tokens, nov.json()["id"])
    page = web.get(f"/spotchecks/circulars/{nov.json()['id']}/print", headers=tokens["leader"]).text
    assert "城口府办值〔2026〕1号" in page and "县政府各部门：" not in page

    # a new year of issue starts again from 1, with the code configured now
    _checked(session, plan, directory, datetime(2026, 12, 10, 2, tzinfo=UTC))
    web.app.state.clock = lambda: datetime(2027, 1, 2, 2, tzinfo=UTC)
    dec = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 12}, headers=tokens["duty_officer"])
    assert dec.status_code == 201 and dec.json()["doc_number"] == "城口府办〔2027〕1号"
    assert "县政府各部门：" in _paragraphs(web, tokens, dec.json()["id"])


def test_a_month_without_checks_is_not_circulated_and_the_reason_is_given(web, tokens, session, plan, directory,
                                                                          settings):
    api = web.post("/api/spotchecks/circulars", json={"year": 2026, "month": 9}, headers=tokens["duty_officer"])
    assert api.status_code == 422
    assert "2026年9月没有值班电话抽查记录，不能印发空的通报" in api.text
    page = web.post("/spotchecks/circulars", data={"year": "2026", "month": "9"}, headers=tokens["duty_officer"])
    assert page.status_code == 422
    assert "2026年9月没有值班电话抽查记录，不能印发空的通报" in page.text and "empty circular" not in page.text
    english = web.post("/spotchecks/circulars?lang=en", data={"year": "2026", "month": "9"},
                       headers=tokens["duty_officer"])
    assert english.status_code == 422 and "an empty circular is not issued" in english.text
    assert not re.search(r"没有值班电话抽查记录", english.text)
    # nothing issued: no circular, no number taken, no file
    assert session.exec(select(func.count()).select_from(Circular)).one() == 0
    assert not (Path(settings.data_dir) / "circulars").exists()


def test_two_circulars_issued_at_once_never_share_a_number(session, plan, directory, settings, monkeypatch):
    """Another month's circular takes the number between our count and our insert: ours takes the next one."""
    from services.spotchecks import circulars

    _checked(session, plan, directory, NOW - timedelta(days=3))
    _checked(session, plan, directory, NOW - timedelta(days=40))
    counted = circulars._next_number

    def stale_once(session_, year, calls=[]):  # noqa: B006 (counts the calls)
        calls.append(year)
        return 1 if len(calls) == 2 else counted(session_, year)  # the second issue counts before the first's insert

    monkeypatch.setattr(circulars, "_next_number", stale_once)
    first = circulars.issue(session=session, year=2026, month=10, actor="duty", now=NOW, settings=settings)
    second = circulars.issue(session=session, year=2026, month=11, actor="duty", now=NOW, settings=settings)
    session.commit()
    assert (first.doc_number, second.doc_number) == ("城口府办值〔2026〕1号", "城口府办值〔2026〕2号")
    stored = Document(str(Path(settings.data_dir) / second.doc_path))
    assert "城口府办值〔2026〕2号" in [p.text for p in stored.paragraphs]  # the file carries the number it got
