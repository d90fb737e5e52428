"""One number names one audit entry everywhere a user sees it (both databases): 第 N 号 is the entry's chain
position in the console's list, its links, the API and every reason verify gives. On PostgreSQL the row id
(`seq`) has gaps (a rolled-back write uses one up), so it is never shown as the number: before this, the list's
"#610" and verify's "链位置 610" could be two different entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import select

from models.audit import AuditEntry
from services import audit
from services.audit.checks import Keeper

NOW = datetime(2026, 11, 26, 1, tzinfo=UTC)
HTML = {"Accept": "text/html"}


def _write(session, tag, n):
    for i in range(n):
        audit.record(session=session, actor="duty", action="create", entity="incident", entity_id=f"{tag}{i}",
                     after={"place": "高观镇"})
    session.flush()


def _mine(session, tag):
    return session.exec(select(AuditEntry).where(AuditEntry.entity_id.startswith(tag))
                        .order_by(AuditEntry.chain_pos)).all()


def test_a_gap_and_a_deleted_middle_entry_are_named_by_the_same_number_in_the_list_and_verify(
        client, tokens, session, settings, engine):
    keeper = Keeper.of(settings)
    _write(session, "n-a", 3)
    session.commit()
    with session.begin_nested() as failed:  # a write that is rolled back: on PostgreSQL its seq is used up
        _write(session, "n-rolled", 1)
        failed.rollback()
    _write(session, "n-b", 3)
    session.commit()
    keeper.seal(session=session, now=NOW)
    session.commit()
    rows = _mine(session, "n-")
    assert [e.entity_id for e in rows] == ["n-a0", "n-a1", "n-a2", "n-b0", "n-b1", "n-b2"]
    assert [e.chain_pos for e in rows] == list(range(rows[0].chain_pos, rows[0].chain_pos + 6))  # no gap in numbers
    if engine.dialect.name == "postgresql":  # the gap the number must not show: the row ids past it are off by one
        assert rows[3].seq == rows[2].seq + 2 and rows[3].seq - rows[3].chain_pos != rows[2].seq - rows[2].chain_pos
    victim, after = rows[3], rows[4]  # the first entry past the gap is deleted: its number is said, not its row id
    n = victim.chain_pos
    session.execute(delete(AuditEntry).where(AuditEntry.seq == victim.seq))
    session.commit()
    session.expire_all()

    problems = client.post("/api/audit/verify", headers=tokens["auditor"]).json()["problems"]
    gone = [p for p in problems if p["code"] == "missing" and p["pos"] == n]
    assert len(gone) == 1 and gone[0]["reason"] == f"第 {n} 号记录被删除" and gone[0]["reason_en"] == f"entry #{n} was deleted"
    assert not any(f"第 {after.chain_pos} 号" in p["reason"] for p in problems)  # its neighbour is not blamed

    page = client.get("/audit", params={"pos": n}, headers=tokens["auditor"] | HTML).text
    assert f'<a href="/audit?pos={n}#e-{n}">第 {n} 号记录被删除</a>' in page
    shown = [int(m) for m in re.findall(r'<span class="muted">#(\d+)</span>', page)]
    assert n not in shown and {n - 1, n + 1} <= set(shown)  # the neighbours by the numbers verify counts in
    assert f'<li class="card audit-gap sev-critical" id="e-{n}" data-gap="{n}-{n}">第 {n} 号记录已不在（被删除）</li>' in page
    filtered = client.get("/audit", params={"action": "login"}, headers=tokens["auditor"] | HTML).text
    assert "audit-gap" not in filtered  # entries left out by a filter are not deleted ones
    head = re.search(rf'id="e-{n + 1}".*?</p>', page, re.S).group(0)
    assert f"#{n + 1}</span>" in head and ("#%d<" % after.seq not in head or after.seq == n + 1)

    api = client.get("/api/audit", params={"entity": "incident", "before_pos": n + 2}, headers=tokens["auditor"]).json()
    assert [e["chain_pos"] for e in api[:2]] == [n + 1, n - 1] and api[0]["after"] == after.after  # the next page by number


def test_a_pending_entry_reads_as_pending_not_by_its_row_id(client, tokens, session):
    _write(session, "p-", 1)
    session.commit()
    pending = _mine(session, "p-")[0]
    assert pending.chain_pos is None
    page = client.get("/audit", headers=tokens["auditor"] | HTML).text
    card = re.search(rf'<li class="card audit-entry" id="u-{pending.seq}".*?</p>', page, re.S).group(0)
    assert '<span class="muted">待封存</span>' in card and f"#{pending.seq}" not in card
    en = client.get("/audit", params={"lang": "en"}, headers=tokens["auditor"] | HTML).text
    assert re.search(rf'id="u-{pending.seq}"[^>]*>\s*<p class="audit-head"><span class="muted">Pending</span>', en)
