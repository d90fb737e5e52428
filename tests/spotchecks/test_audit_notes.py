"""Spot-check audit notes in words, in the page's language (issue 13): the notes recorded in the old terse English
("2026Q4 failures=2", "2026Q4 seed=7 checks=12") read as sentences on the audit page, and new ones are written in
both languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from core.errors import in_language
from models.audit import AuditEntry
from services.audit import record
from services.spotchecks import plans
from tests.conftest import PASSWORD
from tests.web.test_auth import login

OLD = [("spotcheck_plan", "create", "2026Q4 seed=7 checks=12"), ("explanation_request", "request", "2026Q4 failures=2"),
       ("explanation_request", "remind", "overdue since 2027-01-12"), ("video_roll_call", "create", "5 units, 1 absent"),
       ("phone_check", "correct", "corrects 5f1c: late key receipt")]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html.split('id="audit-list"', 1)[1])


def test_older_terse_notes_read_in_words_in_the_pages_language(client, session, users):
    for entity, action, note in OLD:
        record(session=session, actor="system:spotcheck", action=action, entity=entity, note=note,
               at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    session.commit()
    assert login(client, "u_auditor", PASSWORD).status_code == 303
    zh = _text(client.get("/audit").text)
    for words in ("2026年第4季度抽查计划：共12次抽查，抽样随机种子为 7", "2026年第4季度抽查2次不合格，要求书面说明",
                  "书面说明应于2027-01-12前报送，已逾期", "视频点名5个单位，1个不在岗", "按键回执迟到，确认在岗"):
        assert words in zh, words
    for terse in ("failures=", "seed=", "overdue since", "units,", "late key receipt"):
        assert terse not in zh, terse
    en = _text(client.get("/audit", params={"lang": "en"}).text)
    assert "2026 Q4: 2 failed checks, written explanation requested" in en and "2026Q4 plan: 12 checks" in en
    assert "不合格" not in en and "failures=" not in en


def test_a_new_plan_is_noted_in_both_languages(session, directory, settings):
    plans.make_plan(session=session, quarter="2026Q4", seed=7, actor="test", now=datetime(2026, 9, 20, tzinfo=UTC),
                    settings=settings)
    note = session.exec(select(AuditEntry.note).where(AuditEntry.entity == "spotcheck_plan")).one()
    assert "seed=" not in note
    assert in_language(note, "zh-CN").startswith("2026年第4季度抽查计划：共") and "随机种子为 7" in note
    assert in_language(note, "en").startswith("2026Q4 plan: ") and "seed 7" in in_language(note, "en")
