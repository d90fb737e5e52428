"""Verifying the audit chain on demand or nightly, the record of each verification, and its alert."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from core.settings import Settings
from models.audit import AuditCheck, AuditEntry
from services.alerts import Alert
from services.audit import chain
from services.audit.anchors import AnchorLog


class Keeper:
    """What sealing and verifying need from the deployment: the key and the anchor log (both outside the database).
    The key is read (or its file created) when first needed, not when an app is built."""

    def __init__(self, secret: str, key_file: Path, anchors: AnchorLog, tz: tzinfo = UTC) -> None:
        self._secret, self._key_file, self.anchors = secret, key_file, anchors
        self.tz = tz  # the office's: times in verify's reasons read as on every page

    @classmethod
    def of(cls, settings: Settings) -> "Keeper":
        a = settings.audit
        return cls(a.key.get_secret_value(), settings.audit_key_file,
                   AnchorLog(settings.audit_anchor_file, a.anchor_url, a.anchor_every_seconds), settings.tz)

    @cached_property
    def key(self) -> chain.ChainKey:
        return chain.load_key(self._secret, self._key_file)

    def seal(self, *, session: Session, now: datetime) -> int:
        return chain.seal(session=session, key=self.key, anchors=self.anchors, now=now)

    def verify(self, *, session: Session, now: datetime) -> tuple[int, list[chain.ChainProblem]]:
        return chain.verify(session=session, key=self.key, anchors=self.anchors.read(), now=now, tz=self.tz)


def check(*, session: Session, keeper: Keeper, by: str, now: datetime) -> AuditCheck:
    """Seal what is pending, verify the whole chain against the anchors and record the result (shown to auditors)."""
    started = time.perf_counter()
    keeper.seal(session=session, now=now)
    checked, problems = keeper.verify(session=session, now=now)
    row = AuditCheck(at=now, by=by, checked=checked, pending=chain.pending(session=session),
                     problems=[p.as_dict() for p in problems], seconds=round(time.perf_counter() - started, 3))
    row.mac = _mac(keeper.key, row)
    session.add(row)
    session.flush()
    return row


def _mac(key: chain.ChainKey, row: AuditCheck) -> str:
    payload = json.dumps({"at": row.at.isoformat(), "by": row.by, "checked": row.checked, "pending": row.pending,
                          "problems": row.problems}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.digest(key.secret, b"dutydesk-audit-check:" + payload.encode(), "sha256").hex()


FORGED = {"code": "forged_check", "seq": None, "pos": None,
          "reason": "最近一次校验记录的签名不符：它不是本系统写下的（可能被伪造或改动），请立即重新校验",
          "reason_en": "the latest check record's signature does not match: dutydesk did not write it (forged or "
                       "altered); verify again now"}


def last_check(*, session: Session, keeper: Keeper) -> AuditCheck | None:
    """The most recent verification, if any. A record whose signature does not match (a row inserted into the table
    to show "passed" over a broken chain) reads as one problem: the forged record itself."""
    row = session.execute(select(AuditCheck).order_by(AuditCheck.id.desc()).limit(1)).scalars().first()
    if row is None or (row.mac and hmac.compare_digest(row.mac, _mac(keeper.key, row))):
        return row
    return AuditCheck(id=row.id, at=row.at, by=row.by, checked=row.checked, pending=row.pending, problems=[FORGED],
                      seconds=row.seconds, mac=row.mac)


def chain_alerts(session: Session, now: datetime, settings, scope=None) -> list[Alert]:
    """Alert source: a broken audit chain, or entries left unsealed (no sealer running), must be seen (by the duty
    office and auditors; a unit reporter's scope has none)."""
    out: list[Alert] = []
    if scope is not None:
        return out
    last = last_check(session=session, keeper=Keeper.of(settings))
    if last is not None and last.problems:
        out.append(Alert("audit_chain_broken", "critical",
                         f"审计链校验发现 {len(last.problems)} 处篡改或缺失（{last.at.astimezone(settings.tz):%m-%d %H:%M}）",
                         f"audit chain check found {len(last.problems)} problems", count=len(last.problems),
                         link="/audit"))
    oldest = session.execute(select(func.min(AuditEntry.at)).where(AuditEntry.chain_pos.is_(None))).scalar()
    if oldest is not None and now - oldest > timedelta(minutes=5):
        out.append(Alert("audit_unsealed", "warning", "审计日志有超过5分钟未封存的记录：引擎可能未运行",
                         "audit entries unsealed for over 5 minutes: is an engine running?", link="/audit"))
    return out
