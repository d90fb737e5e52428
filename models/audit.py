"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One change: who, when, what, before/after; `hash` chains to the previous entry."""

    __tablename__ = "audit_entry"

    seq: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=120, description="username, 'system', or 'token:<name>'")
    action: str = Field(max_length=60, index=True, description="create / update / deactivate / login / ...")
    entity: str = Field(max_length=60, index=True)
    entity_id: str = Field(default="", max_length=64, index=True)
    unit_id: str = Field(default="", max_length=64, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    note: str = Field(default="", max_length=500)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
