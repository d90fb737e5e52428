"""Column types and helpers shared by every table."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError
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
        raise ValueError(f"不能为空，不修改请不填此项 ({info.field_name} may not be null: leave it out to keep the "
                         "current value)")
    return value


_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


def _not_a_number(kind: str, example: str):
    def check(value):
        """A date or time sent as a number (1767225600, or "1767225600" in a query) is a client's slip: pydantic's
        lax mode would read it as seconds since 1970 and store a time nobody meant."""
        if (isinstance(value, int | float | Decimal) and not isinstance(value, bool)) or \
                (isinstance(value, str) and _NUMBER.fullmatch(value.strip())):
            raise PydanticCustomError(kind, f"Input should be a {kind.removesuffix('_type')} like {example}, "
                                            "not a number (no unix timestamps)")
        return value
    return BeforeValidator(check)


# Dates and times a client sends (API bodies, queries and paths): ISO text only. pydantic's strict mode cannot say
# this here: FastAPI validates the parsed JSON in Python mode, where strict refuses the ISO text as well.
Day = Annotated[date, _not_a_number("date_type", "2026-03-02")]
Moment = Annotated[datetime, _not_a_number("datetime_type", "2026-03-02T08:00:00+08:00")]


# What the API takes in: an unknown field is refused (422 naming it), not silently dropped, so a typo such as
# "titel" never turns into an incident without its title. Console forms and the CLI pass only the model's fields
# (web/console/forms.py: from_form).
INPUT = ConfigDict(extra="forbid")
