"""Accounts, console sessions, API tokens and login throttling."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from models.types import INPUT, UTCDateTime, new_id, not_null, utcnow


class Role(StrEnum):
    admin = "admin"
    duty_officer = "duty_officer"  # 值班员
    leader = "leader"  # 领导
    unit_reporter = "unit_reporter"  # 单位填报员: sees only its own unit
    auditor = "auditor"  # read-only, sees everything incl. the audit log
    display = "display"  # 值班大屏: the duty room's wall screen; sees the wall display only


# The duty office itself (值班室): acts for every unit. The one definition every layer uses.
STAFF: frozenset[Role] = frozenset({Role.admin, Role.duty_officer})
# Every person's role; the wall screen's account is not a person and sees only the wall.
EVERYONE: frozenset[Role] = frozenset(Role) - {Role.display}


class UserBase(SQLModel):
    username: str = Field(min_length=2, max_length=40, schema_extra={"pattern": r"^[A-Za-z0-9_.-]+$"})
    display_name: str = Field(default="", max_length=60)
    role: Role
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id", description="required for unit reporters")
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    language: str = Field(default="zh-CN", max_length=8)


class UserCreate(UserBase):
    model_config = INPUT

    password: str = Field(min_length=8, max_length=128)


class UserUpdate(SQLModel):
    model_config = INPUT

    display_name: str | None = Field(default=None, max_length=60)
    role: Role | None = None
    unit_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    language: str | None = Field(default=None, max_length=8)
    password: str | None = Field(default=None, min_length=8, max_length=128)
    active: bool | None = None

    _not_null = field_validator("display_name", "role", "language", "password", "active", mode="before")(not_null)


class User(UserBase, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=40)
    password_hash: str
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def shown_name(self, person_name: str | None = None) -> str:
        """How a page names this account where a person's name is expected (the audit log's actor, an incident's
        登记 / 签收 / 并入): the person it is linked to (何振华, where the display name may carry a post: 值班员
        何振华), else its display name, else its username."""
        return person_name or (self.display_name or "").strip() or self.username


class UserPublic(UserBase):
    id: uuid.UUID
    active: bool


class LoginSession(SQLModel, table=True):
    """A console session; the cookie holds a random token, the row its hash."""

    __tablename__ = "login_session"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token for integrations; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=80)
    prefix: str = Field(index=True, max_length=16, description="first characters, to find the row")
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    """Failed logins per key (an account from an address, or an address) for throttling."""

    __tablename__ = "login_failure"

    key: str = Field(primary_key=True, max_length=120)
    count: int = 0
    first_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locks: int = Field(default=0, description="lock-outs of this key in a row; each lasts twice the one before")
