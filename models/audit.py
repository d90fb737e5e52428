"""The append-only, hash-chained audit log, and the record of its verifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow

BIGINT = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(SQLModel, table=True):
    """One change: who, when, what, before/after.

    Writers only insert. A single sealer later gives each committed entry its
    place in the chain (`chain_pos`) and a `hash` (HMAC, key kept outside the
    database) over its content and the previous entry's hash, so writers never
    wait on each other for the chain.
    """

    __tablename__ = "audit_entry"
    # SQLite: a deleted entry's number is never given to a new one (as on PostgreSQL); migration 0007s
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, sa_column=Column(BIGINT, primary_key=True, autoincrement=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=120, description="username, 'system', or 'token:<name>'")
    action: str = Field(max_length=60, index=True, description="create / update / deactivate / login / ...")
    entity: str = Field(max_length=60, index=True)
    entity_id: str = Field(default="", max_length=64, index=True)
    unit_id: str = Field(default="", max_length=64, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    note: str = Field(default="", max_length=500)
    chain_pos: int | None = Field(default=None, sa_column=Column(BIGINT, unique=True, index=True, nullable=True))
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64, unique=True)
    key_id: str | None = Field(default=None, max_length=16, description="the id of the HMAC key that sealed it")


class AuditCheck(SQLModel, table=True):
    """One verification of the whole chain: when, how many entries, what was wrong."""

    __tablename__ = "audit_check"

    id: int | None = Field(default=None, sa_column=Column(BIGINT, primary_key=True, autoincrement=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    by: str = Field(max_length=120)
    checked: int
    pending: int = Field(default=0, description="entries written but not yet sealed into the chain")
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    seconds: float = 0.0
    mac: str | None = Field(default=None, max_length=64, description="HMAC of the result under the chain's key: a "
                            "row inserted or edited by hand reads as forged")
