"""Accounts and API tokens (admin only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from core.errors import NotFound
from models.accounts import User, UserCreate, UserPublic, UserUpdate
from models.types import INPUT
from services import accounts
from web.deps import Caller, caller, get_session, now_utc, require

router = APIRouter(tags=["accounts"])


@router.get("/me", response_model=UserPublic)
def me(c: Caller = Depends(caller)):
    return c.user


@router.get("/users", response_model=list[UserPublic])
def list_users(c: Caller = Depends(require("users:read")), session: Session = Depends(get_session)):
    return list(session.exec(select(User).order_by(User.username)))


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(data: UserCreate, c: Caller = Depends(require("users:write")),
                session: Session = Depends(get_session)):
    user = accounts.create_user(session=session, data=data, actor=c.actor)
    session.commit()
    return user


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: uuid.UUID, data: UserUpdate, request: Request, c: Caller = Depends(require("users:write")),
                session: Session = Depends(get_session)):
    """A new password ends that user's console sessions (all but the caller's own, when it is their account) and
    revokes every API token of that user."""
    user = accounts.update_user(session=session, user_id=user_id, data=data, actor=c.actor,
                                keep_session=c.login.id if c.login is not None else None, now=now_utc(request))
    session.commit()
    return user


class TokenCreate(BaseModel):
    model_config = INPUT

    name: str = Field(min_length=1, max_length=80, description="what the integration is, e.g. 12345 热线")
    username: str = Field(description="the account the token acts as")


class TokenCreated(BaseModel):
    id: uuid.UUID
    name: str
    token: str = Field(description="shown once; only its hash is stored")


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(data: TokenCreate, c: Caller = Depends(require("tokens:write")),
                 session: Session = Depends(get_session)):
    user = session.exec(select(User).where(User.username == data.username)).first()
    if user is None:
        raise NotFound(f"未找到该用户 (user {data.username!r} not found)", field="username")
    token, row = accounts.create_api_token(session=session, user=user, name=data.name, actor=c.actor)
    session.commit()
    return TokenCreated(id=row.id, name=row.name, token=token)


class TokenPublic(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="the token's first characters, to recognise it")
    username: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _public(row, username: str) -> TokenPublic:
    return TokenPublic(id=row.id, name=row.name, prefix=row.prefix, username=username, created_at=row.created_at,
                       last_used_at=row.last_used_at, revoked_at=row.revoked_at)


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(c: Caller = Depends(require("tokens:write")), session: Session = Depends(get_session)):
    """Every API token, revoked ones included (the values are never shown again)."""
    return [_public(row, name) for row, name in accounts.list_api_tokens(session=session)]


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: uuid.UUID, request: Request, c: Caller = Depends(require("tokens:write")),
                 session: Session = Depends(get_session)):
    """Revoke a token: every later call with it is 401. Audited; revoking twice changes nothing."""
    row = accounts.revoke_api_token(session=session, token_id=token_id, actor=c.actor, now=now_utc(request))
    session.commit()
    user = session.get(User, row.user_id)
    return _public(row, user.username if user else "")
