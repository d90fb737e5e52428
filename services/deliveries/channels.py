"""Configured channels (渠道配置): validated against the plugin's declared config, secrets encrypted at rest."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime
from typing import Any

import httpx
from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr, ValidationError
from sqlalchemy import func
from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from models.deliveries import (
    ChannelConfig,
    ChannelConfigCreate,
    ChannelConfigPublic,
    ChannelConfigUpdate,
    Delivery,
)
from models.directory import Person
from models.types import utcnow
from notifiers import registry
from notifiers.base import Notifier, NotifierConfig
from services import audit
from services.deliveries.outbox import enqueue
from services.deliveries.render import render

ENC = "enc:v1:"
MASK = "***"


def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(b"dutydesk channel secrets\x00" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_fields(config_cls: type[NotifierConfig]) -> set[str]:
    """Names of the fields a plugin declares as SecretStr."""
    return {n for n, f in config_cls.model_fields.items() if "SecretStr" in repr(f.annotation)}


def _secrets_of(kind: str) -> set[str]:
    try:
        return secret_fields(registry.get(kind).Config)
    except Exception:  # an unknown or broken plugin fails later, where it is built, with its own reason
        return set()


def _plugin(kind: str) -> type[Notifier]:
    try:
        return registry.get(kind)
    except KeyError:
        raise Invalid(f"unknown channel kind {kind!r}; see `dutydesk notifiers list`", field="kind") from None
    except Exception as exc:  # a broken third-party plugin
        raise Invalid(f"channel kind {kind!r} cannot be loaded: {exc}", field="kind") from exc


def _validated(kind: str, config: dict[str, Any]) -> NotifierConfig:
    try:
        return _plugin(kind).Config.model_validate(config)
    except ValidationError as exc:
        errors = exc.errors()
        where = [".".join(str(p) for p in err.get("loc", ())) for err in errors]
        missing = [w for w, err in zip(where, errors) if err.get("type") == "missing"]
        if missing:  # every missing field at once, not the first of them
            names = "、".join(missing)
            raise Invalid(f"渠道配置缺少必填项：{names} (required config fields missing: {', '.join(missing)})",
                          field=f"config.{missing[0]}") from None
        err = errors[0]
        raise Invalid(f"渠道配置项 {where[0]} 无效：{err.get('msg', 'invalid')} (config.{where[0]}: invalid)",
                      field=f"config.{where[0]}") from None


def _sealed(kind: str, config: dict[str, Any], key: str) -> dict[str, Any]:
    """The config as stored: validated, secrets encrypted."""
    cfg = _validated(kind, config)
    secrets = secret_fields(type(cfg))
    out = cfg.model_dump(mode="json", exclude=secrets)
    for name in secrets:
        value = getattr(cfg, name)
        plain = value.get_secret_value() if isinstance(value, SecretStr) else None
        if plain:  # an empty secret is left out, so the plugin's own default applies when it is opened
            out[name] = ENC + _fernet(key).encrypt(plain.encode()).decode()
    return out


def opened(channel: ChannelConfig, key: str) -> dict[str, Any]:
    """The stored config with secrets decrypted (only for building the plugin)."""
    # an unset secret was once stored as null, which the plugin's SecretStr refuses: leave it out instead
    out = {k: v for k, v in channel.config.items() if v is not None or k not in _secrets_of(channel.kind)}
    for name, value in channel.config.items():
        if isinstance(value, str) and value.startswith(ENC):
            try:
                out[name] = _fernet(key).decrypt(value[len(ENC):].encode()).decode()
            except InvalidToken:
                raise Invalid(f"channel {channel.name}: secret {name} cannot be decrypted (secret key changed?); "
                              "enter it again", field=f"config.{name}") from None
    return out


def redacted(channel: ChannelConfig) -> dict[str, Any]:
    """The config as the console and API show it: every set secret is '***'."""
    return {k: (MASK if isinstance(v, str) and v.startswith(ENC) else v) for k, v in channel.config.items()}


def public(channel: ChannelConfig) -> ChannelConfigPublic:
    return ChannelConfigPublic.model_validate({**channel.model_dump(), "config": redacted(channel)})


def build_notifier(channel: ChannelConfig, key: str, *, client: httpx.AsyncClient | None = None) -> Notifier:
    """A plugin instance for one configured channel."""
    cls = _plugin(channel.kind)
    return cls(cls.Config.model_validate(opened(channel, key)), client=client)


def channel_words(*, session: Session) -> dict[str, tuple[str, str]]:
    """Configured channels: name -> (title, kind), what a page needs to name a channel as people know it."""
    rows = session.exec(select(ChannelConfig.name, ChannelConfig.title, ChannelConfig.kind)).all()
    return {name: (title or "", kind) for name, title, kind in rows}


def list_channels(*, session: Session, enabled_only: bool = False) -> list[ChannelConfig]:
    q = select(ChannelConfig)
    if enabled_only:
        q = q.where(ChannelConfig.enabled)
    return list(session.exec(q.order_by(ChannelConfig.name)))


def channels_stamp(*, session: Session) -> tuple:
    """(count, latest change) of the configured channels: cheap to poll for changes."""
    return tuple(session.exec(select(func.count(), func.max(ChannelConfig.updated_at))).one())


def get_channel(*, session: Session, name: str) -> ChannelConfig:
    found = session.exec(select(ChannelConfig).where(ChannelConfig.name == name)).first()
    if found is None:
        raise NotFound(f"通道 {name!r} 未配置 (channel not configured)", field="channel")
    return found


def _check_rate(row: ChannelConfig | ChannelConfigCreate) -> None:
    """A channel's own limit needs both its count and its window."""
    if (row.rate_count is None) != (row.rate_seconds is None):
        field = "rate_seconds" if row.rate_seconds is None else "rate_count"
        raise Invalid("频率限制需同时填写条数 (rate_count) 和时长 (rate_seconds)", field=field)


def create_channel(*, session: Session, data: ChannelConfigCreate, actor: str, key: str) -> ChannelConfig:
    """Add a channel; its config is checked against the plugin's declared fields."""
    if session.exec(select(ChannelConfig).where(ChannelConfig.name == data.name)).first() is not None:
        raise Conflict(f"通道 {data.name!r} 已存在 (channel already exists)", field="name")
    _check_rate(data)
    row = ChannelConfig.model_validate({**data.model_dump(), "config": _sealed(data.kind, data.config, key)})
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="channel", entity_id=row.id,
                 after={**row.model_dump(mode="json"), "config": redacted(row)})
    return row


def update_channel(*, session: Session, name: str, data: ChannelConfigUpdate, actor: str, key: str) -> ChannelConfig:
    """Change a channel; a secret sent back as '***' (or left out) keeps its stored value."""
    row = get_channel(session=session, name=name)
    before = {**row.model_dump(mode="json"), "config": redacted(row)}
    changes = data.model_dump(exclude_unset=True)
    if "config" in changes and changes["config"] is not None:
        current = opened(row, key)
        merged = {**current, **{k: v for k, v in changes.pop("config").items() if v != MASK}}
        row.config = _sealed(row.kind, merged, key)
    changes.pop("config", None)
    for field, value in changes.items():
        setattr(row, field, value)
    _check_rate(row)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, action="update", entity="channel", entity_id=row.id,
                 before=before, after={**row.model_dump(mode="json"), "config": redacted(row)})
    return row


def send_test(*, session: Session, name: str, to: str, person_id: uuid.UUID | None, actor: str, now: datetime,
              lang: str = "zh-CN") -> Delivery:
    """Queue the test template to one address on one channel (sent by the engine within a second)."""
    channel = get_channel(session=session, name=name)
    person = session.get(Person, person_id) if person_id else None
    if person_id and person is None:
        raise Invalid(f"未找到该人员 (person {person_id} not found)", field="person_id")
    if not to and person is None:
        raise Invalid("请填写接收地址或选择人员 (give an address or a person)", field="to")
    local = now.strftime("%Y-%m-%d %H:%M:%S UTC")
    body = render("test", lang=lang, kind=channel.kind, channel=name, actor=actor, at=local)
    return enqueue(session=session, source="test", source_id=uuid.uuid4().hex[:12], step=actor,
                              channel=name, person=person, address=to or None, recipient={"name": to or ""},
                              subject=body.subject, text=body.text, markdown=body.markdown,
                              voice_text=body.voice_text, now=now)
