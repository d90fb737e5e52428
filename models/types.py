"""Column types and helpers shared by every table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, UTC-aware (for defaults only; rules take `now`)."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(TypeDecorator):
    """Stores UTC, returns UTC-aware datetimes on every backend; refuses naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def not_null(value, info):
    """A `field_validator(..., mode="before")` for update models: null is not a value for a NOT NULL column.

    In an update, leaving a field out means "leave it alone"; an explicit null would reach the database (and
    fail there, or store a password hash of None) and is refused with the field named instead."""
    if value is None:
        raise ValueError(f"{info.field_name} may not be null: leave it out to keep the current value")
    return value
