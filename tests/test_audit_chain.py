"""The audit chain (both databases): writers only insert, the sealer chains with a key kept outside the database
and anchors the head outside it too; verify names each edited, deleted and unsealed entry by its own number,
a cut tail and a re-hashed chain."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, text, update
from sqlmodel import Session, select

from core.errors import Conflict
from models.audit import AuditEntry
from services import audit
from services.audit import chain
from services.audit.checks import Keeper

NOW = datetime(2026, 11, 26, 1, tzinfo=UTC)


def _write(session, n, actor="duty", at=None):
    for i in range(n):
        audit.record(session=session, actor=actor, action="create", entity="incident", entity_id=f"i{i}",
                     after={"place": "高观镇", "deaths": i}, at=at)
    session.flush()


@pytest.fixture
def keeper(settings):
    """The deployment's key (a key file created in the test's data folder) and anchor log."""
    return Keeper.of(settings)


def _verify(session, keeper, now=NOW):
    return keeper.verify(session=session, now=now)


def _codes(problems):
    return {(p.code, p.seq, p.pos) for p in problems}


def _sealed(session, n):
    return session.exec(select(AuditEntry).where(AuditEntry.chain_pos.is_not(None))
                        .order_by(AuditEntry.chain_pos.desc()).limit(n)).all()[::-1]


def test_entries_wait_unsealed_until_the_sealer_chains_them_with_the_key(session, keeper, settings):
    before = chain.pending(session=session)
    _write(session, 5)
    assert chain.pending(session=session) == before + 5
    assert keeper.seal(session=session, now=NOW) == before + 5
    assert chain.pending(session=session) == 0
    checked, problems = _verify(session, keeper)
    assert problems == [] and checked >= 5
    assert {e.key_id for e in _sealed(session, 5)} == {keeper.key.id}
    assert settings.audit_key_file.stat().st_mode & 0o077 == 0  # the key file is the owner's alone


def test_verify_names_an_edited_a_deleted_and_an_unsealed_entry_by_their_own_numbers(session, keeper):
    _write(session, 6, at=NOW - timedelta(hours=1))
    keeper.seal(session=session, now=NOW)
    rows = _sealed(session, 6)
    edited, deleted, unsealed = rows[1], rows[2], rows[4]
    positions = {e.seq: e.chain_pos for e in rows}
    session.execute(update(AuditEntry).where(AuditEntry.seq == edited.seq).values(actor="someone-else"))
    session.execute(delete(AuditEntry).where(AuditEntry.seq == deleted.seq))
    session.execute(update(AuditEntry).where(AuditEntry.seq == unsealed.seq).values(chain_pos=None))
    session.expire_all()
    _, problems = _verify(session, keeper)
    found = _codes(problems)
    assert ("edited", edited.seq, positions[edited.seq]) in found
    assert ("missing", None, positions[deleted.seq]) in found  # the deleted entry by its own position, not a neighbour
    assert ("missing", None, positions[unsealed.seq]) in found and ("unsealed", unsealed.seq, None) in found
    # zh-CN for the console, each entry by its number (its chain position), a pending one as 待封存 (it has none)
    assert all(f"第 {p.pos} 号记录" in p.reason if p.pos else "待封存" in p.reason for p in problems)


def test_deleting_the_newest_entries_is_a_cut_tail_named_entry_by_entry(session, keeper):
    _write(session, 5)
    keeper.seal(session=session, now=NOW)
    session.commit()  # the anchor is written once the seal is committed
    anchors = keeper.anchors.read()
    assert anchors and anchors[-1].pos == _sealed(session, 1)[0].chain_pos
    newest = [(e.seq, e.chain_pos) for e in _sealed(session, 3)]
    session.execute(delete(AuditEntry).where(AuditEntry.seq.in_([seq for seq, _ in newest])))
    session.expire_all()
    _, problems = _verify(session, keeper)
    assert {("truncated", None, pos) for _, pos in newest} <= _codes(problems)
    assert "截断" in next(p.reason for p in problems if p.code == "truncated")


def test_entries_sealed_just_after_an_anchor_are_anchored_at_a_later_sweep_and_their_deletion_shows(session, keeper):
    """An attacker tester: refusals sealed 2 s after an anchor stayed unanchored through a quiet night, so deleting
    them left verify at 0 problems. The next sweep past the anchor interval anchors the head without new entries."""
    _write(session, 3)
    keeper.seal(session=session, now=NOW)
    session.commit()
    _write(session, 3)
    keeper.seal(session=session, now=NOW + timedelta(seconds=2))  # within the interval: not anchored yet
    session.commit()
    head = _sealed(session, 1)[0].chain_pos
    assert keeper.anchors.read()[-1].pos < head
    assert keeper.seal(session=session, now=NOW + timedelta(seconds=30)) == 0  # nothing new, the head anchored
    session.commit()
    assert keeper.anchors.read()[-1].pos == head
    newest = [(e.seq, e.chain_pos) for e in _sealed(session, 3)]
    session.execute(delete(AuditEntry).where(AuditEntry.seq.in_([seq for seq, _ in newest])))
    session.expire_all()
    _, problems = _verify(session, keeper)
    assert {("truncated", None, pos) for _, pos in newest} <= _codes(problems)


def test_a_chain_re_hashed_with_the_products_own_digest_does_not_verify(session, keeper):
    """Someone with the database and the code but not the key recomputes every hash: every entry is named."""
    _write(session, 4)
    keeper.seal(session=session, now=NOW)
    session.commit()
    rows = session.execute(select(chain.T.c.chain_pos, *chain.CONTENT).order_by(chain.T.c.chain_pos)).all()
    prev = chain.GENESIS
    for row in rows:
        content = list(row)
        if row[1] == rows[-2][1]:
            content[9] = {"place": "另一处", "deaths": 0}  # the change the re-hash is meant to hide
            session.execute(update(AuditEntry).where(AuditEntry.seq == row[1]).values(after=content[9]))
        guess = chain.digest(chain.ChainKey(b"guessed-key"), *content, prev)
        session.execute(update(AuditEntry).where(AuditEntry.seq == row[1]).values(prev_hash=prev, hash=guess))
        prev = guess
    session.expire_all()
    _, problems = _verify(session, keeper)
    assert {row[1] for row in rows} <= {p.seq for p in problems if p.code == "edited"}


def test_with_the_key_but_not_the_anchors_a_re_hash_still_shows(session, keeper):
    """Even someone who stole the key cannot make the chain agree with an anchor written before their edit."""
    _write(session, 4)
    keeper.seal(session=session, now=NOW)
    session.commit()
    rows = session.execute(select(chain.T.c.chain_pos, *chain.CONTENT).order_by(chain.T.c.chain_pos)).all()
    first_pos = rows[0][0]
    prev = _sealed(session, len(rows) + 1)[0].prev_hash if first_pos > 1 else chain.GENESIS
    for row in rows:
        content = list(row)
        content[3] = "someone-else"
        h = chain.digest(keeper.key, *content, prev)
        session.execute(update(AuditEntry).where(AuditEntry.seq == row[1]).values(actor="someone-else", prev_hash=prev,
                                                                                  hash=h))
        prev = h
    session.expire_all()
    _, problems = _verify(session, keeper)
    assert {p.code for p in problems} == {"anchor"}  # every hash is right for the key; the anchor disagrees


def test_no_anchor_for_a_seal_that_was_rolled_back(session, keeper):
    _write(session, 2)
    keeper.seal(session=session, now=NOW)
    session.rollback()
    assert keeper.anchors.read() == []


def test_a_chain_sealed_before_keys_is_re_sealed_under_the_key_once_it_verifies(session, keeper):
    _write(session, 3)
    rows = session.execute(select(*chain.CONTENT).order_by(chain.T.c.seq)).all()
    tail = session.execute(select(func.max(chain.T.c.chain_pos))).scalar() or 0
    prev = session.execute(select(chain.T.c.hash).where(chain.T.c.chain_pos == tail)).scalar() or chain.GENESIS
    for i, row in enumerate(r for r in rows if True):  # what the code before keys did: plain SHA-256
        pos = tail + i + 1
        h = chain.digest(None, pos, *row, prev)
        session.execute(update(AuditEntry).where(AuditEntry.seq == row[0]).values(chain_pos=pos, prev_hash=prev,
                                                                                  hash=h, key_id=None))
        prev = h
    session.execute(update(AuditEntry).values(key_id=None))  # the whole chain is from before keys
    session.expire_all()
    keeper.seal(session=session, now=NOW)
    assert session.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.key_id.is_(None))).scalar() == 0
    assert _verify(session, keeper)[1] == []


def test_rekey_rotates_the_key_and_refuses_a_broken_chain(session, keeper):
    _write(session, 3)
    keeper.seal(session=session, now=NOW)
    new = chain.ChainKey(b"the-next-key-0123456789abcdef")
    chain.rekey(session=session, old=keeper.key, new=new)
    assert chain.verify(session=session, key=new)[1] == []
    assert chain.verify(session=session, key=keeper.key)[1]  # the old key no longer verifies it
    session.execute(update(AuditEntry).where(AuditEntry.seq == _sealed(session, 1)[0].seq).values(note="x"))
    session.expire_all()
    with pytest.raises(Conflict):
        chain.rekey(session=session, old=new, new=keeper.key)


def test_check_is_recorded_and_shown_to_auditors_in_chinese_with_a_link(client, tokens, session, users):
    _write(session, 2)
    session.commit()
    r = client.post("/api/audit/verify", headers=tokens["auditor"])
    assert r.status_code == 200, r.text
    assert r.json()["problems"] == [] and r.json()["pending"] == 0
    assert client.get("/api/audit/verify", headers=tokens["auditor"]).json()["checked"] == r.json()["checked"]
    assert client.post("/api/audit/verify", headers=tokens["unit_reporter"]).status_code == 403
    victim = _sealed(session, 1)[0]
    session.execute(update(AuditEntry).where(AuditEntry.seq == victim.seq).values(note="改过了"))
    session.commit()
    r = client.post("/api/audit/verify", headers=tokens["auditor"])
    assert any(p["code"] == "edited" and p["seq"] == victim.seq for p in r.json()["problems"])
    page = client.get("/audit", headers=tokens["auditor"] | {"Accept": "text/html"})
    n = victim.chain_pos
    assert f'href="/audit?pos={n}#e-{n}"' in page.text and f"第 {n} 号记录内容被修改" in page.text


def test_the_anchor_file_is_plain_json_lines(session, keeper):
    _write(session, 1)
    keeper.seal(session=session, now=NOW)
    session.commit()
    line = json.loads(keeper.anchors.path.read_text().splitlines()[-1])
    assert set(line) == {"pos", "hash", "at", "key"} and line["key"] == keeper.key.id


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_concurrent_writers_never_wait_for_the_chain_and_seal_cleanly(engine, settings):
    """Eight threads commit entries at once; one seal chains them all in commit-safe order."""
    marker = f"conc-{datetime.now(UTC).timestamp()}"
    keeper = Keeper.of(settings)

    def writer(k):
        for _ in range(10):
            with Session(engine) as s:
                _write(s, 3, actor=f"{marker}-{k}")
                s.commit()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        with Session(engine) as s:
            keeper.seal(session=s, now=datetime.now(UTC))
            s.commit()
            checked, problems = keeper.verify(session=s, now=datetime.now(UTC))
            mine = s.execute(text("SELECT count(*) FROM audit_entry WHERE actor LIKE :m AND chain_pos IS NOT NULL"),
                             {"m": f"{marker}%"}).scalar()
        assert problems == []
        assert mine == 8 * 10 * 3
    finally:
        with Session(engine) as s:  # leave the shared database as other tests expect it
            s.execute(text("DELETE FROM audit_entry"))
            s.commit()


def _after_the_rest() -> datetime:
    """A time after every entry other tests may have left in the database (written at the real time)."""
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)


def test_a_forged_old_entry_inserted_afterwards_is_named_though_the_sealer_chained_it(session, keeper):
    """Someone with write access to the database but not the key cannot re-hash the chain; they can still insert a
    row dated last week ("值班员 approved the leave") and let the sealer chain it. Verify names it as back-dated."""
    t = _after_the_rest()
    _write(session, 3, at=t)
    keeper.seal(session=session, now=t)
    forged = audit.record(session=session, actor="admin", action="approve", entity="leave", entity_id="l1",
                          at=t - timedelta(days=7))
    session.flush()
    keeper.seal(session=session, now=t + timedelta(minutes=1))
    _, problems = _verify(session, keeper, now=t + timedelta(minutes=1))
    assert [(p.code, p.seq) for p in problems if p.code == "backdated" and p.seq >= forged.seq - 3] == [
        ("backdated", forged.seq)]  # (other tests' entries left in the database are theirs to judge)
    named = next(p for p in problems if p.code == "backdated" and p.seq == forged.seq)
    assert "事后插入" in named.reason and "早 7 天 0 小时" in named.reason
    # the time it claims in office time, as every page that says 北京时间 shows times (issue 14: it was UTC)
    assert f"{forged.at.astimezone(keeper.tz):%Y-%m-%d %H:%M}" in named.reason and "UTC" not in named.reason
    assert str(keeper.tz) == "Asia/Shanghai"


def test_an_entry_of_a_transaction_that_committed_a_minute_late_is_not_called_back_dated(session, keeper):
    t = _after_the_rest()
    _write(session, 2, at=t)
    _write(session, 1, at=t - timedelta(minutes=1))  # began before the others, committed after them
    keeper.seal(session=session, now=t)
    mine = {e.seq for e in _sealed(session, 3)}
    assert [p for p in _verify(session, keeper, now=t)[1] if p.code == "backdated" and p.seq in mine] == []


def test_the_demo_county_seals_into_a_chain_that_verifies_with_no_problem(session, settings, keeper):
    """The demo's history (last month's phone checks) is recorded when the seed wrote it, not back-dated: an
    office trying the product must not see its fresh record reported as forged."""
    from dutydesk import demo

    demo.seed(session, settings)
    session.flush()
    now = datetime.now(UTC)
    keeper.seal(session=session, now=now)
    assert _verify(session, keeper, now=now)[1] == []



def _cut_tail(session, keeper) -> list[tuple[int, int]]:
    """Five entries sealed and anchored, then the three newest deleted as an operator would: their (seq, chain_pos)."""
    _write(session, 5, at=NOW)
    keeper.seal(session=session, now=NOW)
    session.commit()
    newest = [(e.seq, e.chain_pos) for e in _sealed(session, 3)]
    session.execute(delete(AuditEntry).where(AuditEntry.seq.in_([seq for seq, _ in newest])))
    session.commit()
    return newest

def test_entries_written_after_the_newest_were_deleted_do_not_take_their_places(session, keeper):
    """An attacker tester deleted the three newest (anchored) entries; the next login was sealed into position 450
    again and anchored there, and verify then named one deletion fewer per new entry until none was left. The
    sealer continues after the anchored head, so every deleted position stays named."""
    newest = _cut_tail(session, keeper)
    _write(session, 4, at=NOW + timedelta(minutes=1))  # the office works on
    keeper.seal(session=session, now=NOW + timedelta(minutes=1))
    session.commit()
    assert _sealed(session, 4)[0].chain_pos == newest[-1][1] + 1  # after the anchored head
    _, problems = _verify(session, keeper, now=NOW + timedelta(minutes=1))
    assert {pos for _, pos in newest} <= {p.pos for p in problems if p.code in ("missing", "truncated")}
    assert keeper.anchors.read()[-1].pos > newest[-1][1]  # the anchors never go back


def test_a_check_result_inserted_by_hand_does_not_show_passed_over_a_broken_chain(session, keeper):
    """An attacker tester inserted an audit_check row (problems=[]) and the auditor's page showed 审计链校验通过
    over five known problems. A result is signed with the chain's key; one that is not reads as forged."""
    from models.audit import AuditCheck
    from services.audit import checks

    t = _after_the_rest()
    _write(session, 2, at=t)
    real = checks.check(session=session, keeper=keeper, by="nightly", now=t)
    assert checks.last_check(session=session, keeper=keeper).problems == real.problems  # signed: shown as found
    session.add(AuditCheck(at=t + timedelta(minutes=1), by="nightly", checked=999, problems=[]))
    session.flush()
    shown = checks.last_check(session=session, keeper=keeper)
    assert [p["code"] for p in shown.problems] == ["forged_check"] and "伪造" in shown.problems[0]["reason"]


def test_entries_written_after_a_cut_tail_never_take_the_deleted_entries_numbers(session, keeper):
    """Issue 14 (M1): after the three newest entries (#610–#612) were deleted in SQLite, the next ones were numbered
    #610–#612 again (at positions 613–615), so verify's 「链位置 611 的记录被删除」 stood above a #611 in the list:
    one number, two rows. A number is never given twice (SQLite AUTOINCREMENT, as a PostgreSQL identity)."""
    newest = _cut_tail(session, keeper)
    _write(session, 3, at=NOW + timedelta(minutes=1))
    keeper.seal(session=session, now=NOW + timedelta(minutes=1))
    session.commit()
    new = _sealed(session, 3)
    assert min(e.seq for e in new) > max(seq for seq, _ in newest), [e.seq for e in new]
    _, problems = _verify(session, keeper, now=NOW + timedelta(minutes=1))
    deleted = {p.pos for p in problems if p.code in ("missing", "truncated")}
    assert {pos for _, pos in newest} <= deleted
    if session.get_bind().dialect.name == "sqlite":  # one writer, no gaps: an entry's number is its position
        present = set(session.exec(select(AuditEntry.seq)).all())
        assert not deleted & present, "a deleted entry's number names a row that is still listed"
