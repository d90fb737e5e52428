"""Accounts and API tokens (admin only)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from core.errors import NotFound
from models.accounts import User, UserCreate, UserPublic, UserUpdate
from services import accounts
from web.deps import Caller, caller, get_session, require

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
def update_user(user_id: uuid.UUID, data: UserUpdate, c: Caller = Depends(require("users:write")),
                session: Session = Depends(get_session)):
    user = accounts.update_user(session=session, user_id=user_id, data=data, actor=c.actor)
    session.commit()
    return user


class TokenCreate(BaseModel):
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
        raise NotFound(f"user {data.username!r} not found", field="username")
    token, row = accounts.create_api_token(session=session, user=user, name=data.name, actor=c.actor)
    session.commit()
    return TokenCreated(id=row.id, name=row.name, token=token)
