"""The audit page reads a roster's entries as people do: the roster named by its unit and month (not a short id),
the generation's note in zh-CN and its figures as labelled values in either language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from models.rosters.roster import RosterSlot
from services.access import Actor
from services.rosters import publish
from services.rosters.generate import generate_month
from tests.conftest import PASSWORD

MONTH = "2026-12"


def _entries(client, lang, entity="roster"):
    html = client.get("/audit", params={"entity": entity, "lang": lang}, headers={"accept": "text/html"}).text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="audit-list"', 1)[1]))


def test_a_generated_and_published_roster_reads_by_unit_and_month(client, session, users, roster_unit):
    town = roster_unit["unit"]
    row = generate_month(session=session, unit_id=town.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    publish.publish(session=session, unit_id=town.id, month=MONTH, now=datetime(2026, 11, 20, tzinfo=UTC),
                    by=Actor.system("test"))
    slot = session.exec(select(RosterSlot).where(RosterSlot.unit_id == town.id, RosterSlot.post == "officer")
                        .order_by(RosterSlot.starts_at)).first()
    other = next(p for p in roster_unit["officers"] if p.id != slot.person_id)
    publish.reassign(session=session, slot_id=slot.id, person_id=other.id, by=Actor.system("test"), tz="Asia/Shanghai")
    session.commit()
    assert client.post("/login", data={"username": "u_auditor", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    zh = _entries(client, "zh-CN")
    assert f"值班表 {town.name} {MONTH}" in zh  # the published month, by name
    assert f"{MONTH}：{row.slots}个班次，{row.gaps}处缺岗" in zh and "slots" not in zh and "gaps" not in zh
    assert "班次数" in zh and "缺岗数" in zh  # the figures as labelled values
    assert str(row.id)[:8] not in zh
    assert "published_at" not in zh and "发布时间" in zh and "状态 ： 草稿 → 已发布" in zh and "published ：" not in zh
    assert f"班次 {town.name} {slot.day.isoformat()}" in _entries(client, "zh-CN", "roster_slot")  # a changed slot: its unit and day, not its number
    en = _entries(client, "en")
    assert "Slots" in en and "Gaps" in en and "班次数" not in en
