"""Audit values a clerk reads without codes (issue 13): the days an import rewrote after they were served, with
the names on each post; a year's holidays imported from the State Council notice, by festival."""

from __future__ import annotations

from services.access import Actor
from models.accounts import Role
from services.audit import reading, record
from web.console.audit import view

AUDITOR = Actor("u_auditor", Role.auditor)
SERVED = {"2026-12-01": {"leader": ["黄文静"], "officer": ["张志强", "吴春梅"]}}
AFTER = {"2026-12-01": {"leader": ["李明华"], "officer": ["陈晓燕"]}}


def _last(session):
    session.flush()
    page = reading.list_entries(session=session, by=AUDITOR, limit=1)
    return page.entries[0], page.names


def test_rewritten_served_days_read_with_the_names_on_each_post(session):
    record(session=session, actor="clerk", action="overwrite_served", entity="roster", entity_id="u1",
           before=SERVED, after=AFTER, note="导入覆盖已值班日期：2026-12-01")
    e, names = _last(session)
    assert view.changes_text(e, names, "zh-CN") == [
        ("2026-12-01", "带班领导 黄文静；值班员 张志强、吴春梅", "带班领导 李明华；值班员 陈晓燕")]
    assert view.changes_text(e, names, "en") == [
        ("2026-12-01", "Duty leader 黄文静; Duty officer 张志强, 吴春梅", "Duty leader 李明华; Duty officer 陈晓燕")]


def test_holidays_from_the_notice_read_by_festival(session):
    days = ([["2026-01-01", "holiday", "元旦"], ["2026-01-02", "holiday", "元旦"], ["2026-01-04", "makeup_workday", "元旦"]]
            + [[f"2026-02-{d}", "holiday", "春节"] for d in range(15, 24)] + [["2026-02-14", "makeup_workday", "春节"]])
    record(session=session, actor="clerk", action="import_notice", entity="holiday", entity_id="2026",
           before={"days": []}, after={"days": days})
    e, names = _last(session)
    (field, before, after), = view.changes_text(e, names, "zh-CN")
    assert before == "—"
    assert after == "13 天：元旦 放假 2 天、调休上班 1 天；春节 放假 9 天、调休上班 1 天"
    (_, _, after_en), = view.changes_text(e, names, "en")
    assert after_en == "13 days: 元旦 2 days off, 1 make-up workdays; 春节 9 days off, 1 make-up workdays"
