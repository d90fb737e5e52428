"""The audit chain: sealed with an HMAC key kept outside the database, checked against anchors kept outside it too.

`seal` (the engine runs it every second; housekeeping backs it up) gives each committed entry, in `seq` order,
the next chain position and an HMAC-SHA256 over its content and the previous entry's hash. Without the key
nobody can re-hash the chain so that it verifies; with the key but without the anchor file (or the anchor URL's
copy) nobody can delete its newest entries unnoticed. `verify` names every edited, deleted, re-linked and
back-dated entry (inserted afterwards with an earlier time) by its own number, 第 N 号: its chain position, the
number the console, the API and `dutydesk audit list` show. An entry's `seq` is only the row's internal id: on
PostgreSQL it has gaps (a rolled-back write uses one up), so it differs from the position and is never shown as
a number. An entry not yet sealed has no number: it reads 待封存 (named by its time and actor).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import bindparam, event, func, select, text, update
from sqlmodel import Session

from core.errors import Conflict
from models.audit import AuditEntry
from services.audit.anchors import Anchor, AnchorLog

log = logging.getLogger("dutydesk.audit")
GENESIS = "0" * 64
SEAL_LOCK = 4242  # PostgreSQL advisory lock id: one sealer at a time
UNSEALED_GRACE = timedelta(minutes=5)
# Entries are sealed in the order they were inserted; one written inside a transaction that committed later may
# precede its predecessor's time by as long as that transaction ran. An entry older than the entries sealed before
# it by more than this was not written when it says: someone inserted it into the table afterwards (the sealer
# cannot tell a forged row from a real one, so verify names it).
BACKDATE_TOLERANCE = timedelta(minutes=10)
LISTED = 200  # missing positions named one by one; beyond that, one line says how many more
T = AuditEntry.__table__
CONTENT = (T.c.seq, T.c.at, T.c.actor, T.c.action, T.c.entity, T.c.entity_id, T.c.unit_id, T.c.before, T.c.after,
           T.c.note)
_LEGACY_BROKEN: set[str] = set()
_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode


@dataclass(frozen=True)
class ChainKey:
    """The HMAC key; `id` names it in the entries and anchors without revealing it."""

    secret: bytes = field(repr=False)

    @property
    def id(self) -> str:
        return hashlib.sha256(b"dutydesk-audit-key:" + self.secret).hexdigest()[:12]


def load_key(secret: str, key_file: Path) -> ChainKey:
    """The configured key, else the key file's (created with a random key, mode 0600, on first use)."""
    if secret:
        return ChainKey(secret.encode())
    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return ChainKey(path.read_text(encoding="utf-8").strip().encode())
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        log.warning("audit chain key created at %s: keep a copy off this machine (README, Security)", path)
    return ChainKey(path.read_text(encoding="utf-8").strip().encode())


def digest(key: ChainKey | None, pos, seq, at, actor, action, entity, entity_id, unit_id, before, after, note,
           prev) -> str:
    """The chain hash of one entry at position `pos` after an entry hashed `prev`; `key=None` is the unkeyed
    SHA-256 of chains sealed before keys (only `rekey` reads those)."""
    payload = _dumps({
        "pos": pos, "seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "unit_id": unit_id, "before": before, "after": after, "note": note, "prev": prev,
    }).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.digest(key.secret, payload, "sha256").hex()


def seal(*, session: Session, key: ChainKey, anchors: AnchorLog | None = None, now: datetime | None = None,
         batch: int = 5000) -> int:
    """Chain every committed, unsealed entry (oldest first); returns how many. The caller commits; the new head
    is anchored once the commit succeeded (never an anchor for a head that was rolled back)."""
    if session.get_bind().dialect.name == "postgresql":
        if not session.execute(text(f"SELECT pg_try_advisory_xact_lock({SEAL_LOCK})")).scalar():
            return 0  # another sealer is at work
    if key.id not in _LEGACY_BROKEN and session.execute(
            select(T.c.seq).where(T.c.chain_pos.is_not(None), T.c.key_id.is_(None)).limit(1)).first():
        try:  # a chain sealed before keys: re-sealed under the key once it verifies
            with session.begin_nested():
                rekey(session=session, old=None, new=key, anchors=anchors, now=now)
        except Conflict:
            _LEGACY_BROKEN.add(key.id)  # left as evidence: verify names its problems; not retried in this process
            log.error("the audit chain sealed before keys does not verify: it is not re-sealed; see `dutydesk audit "
                      "verify`")
    tail = session.execute(select(T.c.chain_pos, T.c.hash).where(T.c.chain_pos.is_not(None))
                           .order_by(T.c.chain_pos.desc()).limit(1)).first()
    pos, prev = (tail[0], tail[1]) if tail else (0, GENESIS)
    floor = anchors.anchored() if anchors is not None else 0
    if pos < floor:  # the newest entries were deleted (or an old backup restored) after they were anchored
        log.error("audit chain ends at position %d but was anchored at %d: entries %d to %d are gone; new entries "
                  "continue after the anchor so the gap stays in the record (see `dutydesk audit verify`)",
                  pos, floor, pos + 1, floor)
        pos = floor  # never re-use a deleted entry's position: the next entry would cover its deletion
    sealed = 0
    stmt = update(T).where(T.c.seq == bindparam("k")).values(
        chain_pos=bindparam("p"), prev_hash=bindparam("ph"), hash=bindparam("h"), key_id=key.id)
    while True:
        rows = session.execute(select(*CONTENT).where(T.c.chain_pos.is_(None)).order_by(T.c.seq).limit(batch)).all()
        if not rows:
            break
        params = []
        for row in rows:
            pos += 1
            h = digest(key, pos, *row, prev)
            params.append({"k": row[0], "p": pos, "ph": prev, "h": h})
            prev = h
        session.execute(stmt, params, execution_options={"synchronize_session": False})
        sealed += len(rows)
    # Also a head sealed while the last anchor was too recent (the quiet night after a burst): anchored at the next
    # sweep, so the newest entries never stay deletable without a trace.
    if pos and anchors is not None and now is not None and pos > anchors.anchored() and anchors.due(now):
        anchor = Anchor(pos, prev, now.isoformat(), key.id)
        event.listen(session, "after_commit", lambda _s: anchors.append(anchor, now), once=True)
    return sealed


def rekey(*, session: Session, old: ChainKey | None, new: ChainKey, anchors: AnchorLog | None = None,
          now: datetime | None = None, batch: int = 5000) -> int:
    """Re-seal the whole chain under `new` after checking it under `old` (None: a chain from before keys).
    Refuses (Conflict) when the chain does not verify: a broken chain is evidence, not something to paper over."""
    checked, problems = verify(session=session, key=old, anchors=None)
    if problems:
        raise Conflict(f"审计链校验未通过（{len(problems)} 处问题），不能更换密钥 (the chain does not verify)",
                       field="old_key")
    stmt = update(T).where(T.c.seq == bindparam("k")).values(prev_hash=bindparam("ph"), hash=bindparam("h"),
                                                              key_id=new.id)
    prev, last = GENESIS, 0
    while True:
        rows = session.execute(select(T.c.chain_pos, *CONTENT).where(T.c.chain_pos > last)
                               .order_by(T.c.chain_pos).limit(batch)).all()
        if not rows:
            break
        params = []
        for row in rows:
            h = digest(new, *row, prev)
            params.append({"k": row[1], "ph": prev, "h": h})
            prev, last = h, row[0]
        session.execute(stmt, params, execution_options={"synchronize_session": False})
    if anchors is not None and now is not None and last:
        anchor = Anchor(last, prev, now.isoformat(), new.id)
        event.listen(session, "after_commit", lambda _s: anchors.append(anchor, now, force=True), once=True)
    log.warning("audit chain of %d entries re-sealed under key %s", checked, new.id)
    return checked


@dataclass(frozen=True)
class ChainProblem:
    code: str  # edited | missing | relinked | truncated | anchor | other_key | unsealed | backdated
    seq: int | None  # the row's internal id, when it still exists (never shown: it has gaps on PostgreSQL)
    pos: int | None  # its chain position: the entry's number as shown everywhere (a deleted entry's too)
    reason: str  # zh-CN
    reason_en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "seq": self.seq, "pos": self.pos, "reason": self.reason,
                "reason_en": self.reason_en}


def _span(gap: timedelta) -> tuple[str, str]:
    """A gap as people say it: 7 天 3 小时 / 7 d 3 h, 2 小时 5 分钟, 12 分钟."""
    minutes = int(gap.total_seconds() // 60)
    d, h, m = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if d:
        return f" {d} 天 {h} 小时", f"{d} d {h} h"
    if h:
        return f" {h} 小时 {m} 分钟", f"{h} h {m} min"
    return f" {m} 分钟", f"{m} min"


def _missing(first: int, last: int, why_zh: str, why_en: str, code: str = "missing") -> list[ChainProblem]:
    out = [ChainProblem(code, None, p, f"第 {p} 号记录被删除{why_zh}", f"entry #{p} was deleted{why_en}")
           for p in range(first, min(last, first + LISTED - 1) + 1)]
    if last - first + 1 > LISTED:
        more = last - first + 1 - LISTED
        out.append(ChainProblem(code, None, first + LISTED, f"另有 {more} 条记录被删除（第 {first + LISTED} 至 "
                                f"{last} 号）", f"{more} more entries deleted (#{first + LISTED} to #{last})"))
    return out


def _when(at: datetime | str, tz: tzinfo) -> str:
    """A time in a reason, in the office's time (`DUTYDESK_TIMEZONE`) as every page shows times; "UTC" said only
    when that is the zone."""
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M}" + (" UTC" if tz is UTC else "")


def verify(*, session: Session, key: ChainKey | None, anchors: list[Anchor] | None = None,
           now: datetime | None = None, batch: int = 20000, tz: tzinfo = UTC) -> tuple[int, list[ChainProblem]]:
    """Walk the sealed chain in order and compare it with the anchors of this key; (entries checked, problems)."""
    cols = (T.c.chain_pos, *CONTENT, T.c.prev_hash, T.c.hash, T.c.key_id)
    marks = {a.pos: a for a in anchors or () if key is not None and a.key == key.id}
    key_id = key.id if key is not None else None
    problems: list[ChainProblem] = []
    prev, checked, last, latest = GENESIS, 0, 0, None
    while True:
        rows = session.execute(select(*cols).where(T.c.chain_pos > last).order_by(T.c.chain_pos).limit(batch)).all()
        for row in rows:
            pos, seq, stored_prev, stored, sealed_with = row[0], row[1], row[11], row[12], row[13]
            if pos > last + 1:
                problems += _missing(last + 1, pos - 1, "", "")
            elif stored_prev != prev:
                problems.append(ChainProblem("relinked", seq, pos, f"第 {pos} 号记录与前一条的链接被改动",
                                             f"entry #{pos}: its link to the previous entry was altered"))
            if sealed_with != key_id:
                problems.append(ChainProblem("other_key", seq, pos, f"第 {pos} 号记录不是用当前密钥封存的",
                                             f"entry #{pos} was not sealed with the current key"))
            elif digest(key, *row[:11], stored_prev) != stored:
                problems.append(ChainProblem("edited", seq, pos, f"第 {pos} 号记录内容被修改（校验值不符）",
                                             f"entry #{pos}: content altered (hash mismatch)"))
            at = row[2]
            if latest is not None and at < latest - BACKDATE_TOLERANCE:
                zh, en = _span(latest - at)
                when = _when(at, tz)
                problems.append(ChainProblem(
                    "backdated", seq, pos, f"第 {pos} 号记录的时间（{when}）比在它之前封存的记录早{zh}：是事后插入的",
                    f"entry #{pos} is dated {when}, {en} before the entries sealed ahead of it: it was inserted "
                    "afterwards"))
            latest = at if latest is None or at > latest else latest
            mark = marks.get(pos)
            if mark is not None and mark.hash != stored:
                problems.append(ChainProblem("anchor", seq, pos, f"第 {pos} 号记录与 {_when(mark.at, tz)} 的锚点不符："
                                             "链被重新计算或篡改", f"entry #{pos} differs from the anchor of "
                                             f"{_when(mark.at, tz)}: the chain was re-hashed or altered"))
            prev, last = stored, pos
        checked += len(rows)
        if len(rows) < batch:
            break
    if marks and max(marks) > last:
        end = max(marks)
        problems += _missing(last + 1, end, f"（链尾被截断，锚点 {_when(marks[end].at, tz)} 记到位置 {end}）",
                             f" (the chain's tail was cut; the anchor of {_when(marks[end].at, tz)} has position {end})",
                             "truncated")
    if now is not None:
        for seq, at, actor in session.execute(
                select(T.c.seq, T.c.at, T.c.actor).where(T.c.chain_pos.is_(None), T.c.at < now - UNSEALED_GRACE)
                .order_by(T.c.seq).limit(LISTED)).all():  # no number yet: named by its time and actor
            when = _when(at, tz)
            problems.append(ChainProblem("unsealed", seq, None, f"一条待封存的记录（{when}，{actor}）超过5分钟未封存",
                                         f"a pending entry ({when}, {actor}) unsealed for over 5 minutes"))
    return checked, problems


def head(*, session: Session) -> tuple[int, str] | None:
    """The chain's last position and hash (what the duty brief prints, so a copy exists outside the system)."""
    row = session.execute(select(T.c.chain_pos, T.c.hash).where(T.c.chain_pos.is_not(None))
                          .order_by(T.c.chain_pos.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def pending(*, session: Session) -> int:
    """Entries written but not sealed yet (normally only the last second's)."""
    return session.execute(select(func.count()).select_from(T).where(T.c.chain_pos.is_(None))).scalar_one()
