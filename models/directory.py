"""Organisation directory: units (单位) as a tree and the people in them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import INPUT, UTCDateTime, new_id, not_null, utcnow
from rules.directory import phone_form as normal_phone


def _phone(value):
    """A phone as typed in its one stored form (rules.directory.phone_form)."""
    if value is None or not isinstance(value, str):
        return value
    try:
        return normal_phone(value)
    except ValueError as exc:
        raise ValueError(f"{exc} (not a phone number: digits, +, - and spaces only)") from None


def _email(value):
    """An email address is empty or has a name and a domain around its @."""
    if isinstance(value, str) and value and ("@" not in value or value.startswith("@") or value.endswith("@")):
        raise ValueError("邮箱地址格式不正确 (not an email address)")
    return value


class UnitType(StrEnum):
    county_office = "county_office"  # 总值班室: the hub
    town = "town"  # 镇街
    department = "department"  # 部门


class UnitBase(SQLModel):
    name: str = Field(min_length=1, max_length=100, description="full name, e.g. 高观镇")
    code: str = Field(min_length=1, max_length=40, schema_extra={"pattern": r"^[A-Za-z0-9_.-]+$"}, description="stable short code")
    type: UnitType = Field(default=UnitType.department)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="unit.id")
    duty_phone: str = Field(default="", max_length=40, description="fixed duty line 值班电话")
    address: str = Field(default="", max_length=200)
    sort_order: int = Field(default=0, ge=-2**31, lt=2**31)

    _phones = field_validator("duty_phone", mode="before")(_phone)


class UnitCreate(UnitBase):
    model_config = INPUT


class UnitUpdate(SQLModel):
    model_config = INPUT

    name: str | None = Field(default=None, min_length=1, max_length=100)
    code: str | None = Field(default=None, min_length=1, max_length=40, schema_extra={"pattern": r"^[A-Za-z0-9_.-]+$"})
    type: UnitType | None = None
    parent_id: uuid.UUID | None = None
    duty_phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=200)
    sort_order: int | None = Field(default=None, ge=-2**31, lt=2**31)
    active: bool | None = None

    _not_null = field_validator("name", "code", "type", "duty_phone", "address", "sort_order", "active",
                                mode="before")(not_null)
    _phones = field_validator("duty_phone", mode="before")(_phone)


class Unit(UnitBase, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=40)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UnitPublic(UnitBase):
    id: uuid.UUID
    active: bool


PHONE_RE = r"^[0-9+\- ]{0,20}$"


class PersonBase(SQLModel):
    name: str = Field(min_length=1, max_length=60)
    title: str = Field(default="", max_length=60, description="job title, e.g. 副县长")
    unit_id: uuid.UUID = Field(foreign_key="unit.id", index=True)
    mobile: str = Field(default="", max_length=20, schema_extra={"pattern": PHONE_RE})
    office_phone: str = Field(default="", max_length=20, schema_extra={"pattern": PHONE_RE})
    email: str = Field(default="", max_length=120)
    dingtalk_id: str = Field(default="", max_length=64)
    wecom_id: str = Field(default="", max_length=64)
    feishu_id: str = Field(default="", max_length=64)
    is_leading_cadre: bool = Field(default=False, description="县管正职: absences must be reported")
    is_unit_head: bool = Field(default=False, description="the unit's principal (一把手)")
    domain_categories: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False),
        description="分管领导: incident categories this leader covers",
    )

    _phones = field_validator("mobile", "office_phone", mode="before")(_phone)
    _email_shape = field_validator("email")(_email)


class PersonCreate(PersonBase):
    model_config = INPUT


class PersonUpdate(SQLModel):
    model_config = INPUT

    name: str | None = Field(default=None, min_length=1, max_length=60)
    title: str | None = Field(default=None, max_length=60)
    unit_id: uuid.UUID | None = None
    mobile: str | None = Field(default=None, max_length=20, schema_extra={"pattern": PHONE_RE})
    office_phone: str | None = Field(default=None, max_length=20, schema_extra={"pattern": PHONE_RE})
    email: str | None = Field(default=None, max_length=120)
    dingtalk_id: str | None = Field(default=None, max_length=64)
    wecom_id: str | None = Field(default=None, max_length=64)
    feishu_id: str | None = Field(default=None, max_length=64)
    is_leading_cadre: bool | None = None
    is_unit_head: bool | None = None
    domain_categories: list[str] | None = None
    active: bool | None = None

    _not_null = field_validator("name", "title", "unit_id", "mobile", "office_phone", "email", "dingtalk_id",
                                "wecom_id", "feishu_id", "is_leading_cadre", "is_unit_head", "domain_categories",
                                "active", mode="before")(not_null)
    _phones = field_validator("mobile", "office_phone", mode="before")(_phone)
    _email_shape = field_validator("email")(_email)  # the same rule as at creation: the answer is a PersonPublic


class Person(PersonBase, table=True):
    __table_args__ = (UniqueConstraint("unit_id", "duty_code_hash", name="uq_person_duty_code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    active: bool = Field(default=True)
    duty_code_hash: str | None = Field(default=None, max_length=64,
                                       description="HMAC of the personal duty code (值班识别码), unit-bound; never the code")
    duty_code_set_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonPublic(PersonBase):
    id: uuid.UUID
    active: bool


class ContactMethodCreate(SQLModel):
    """A new contact method (联系方式); its value is checked per kind by the service (rules/directory.py)."""

    model_config = INPUT

    kind: str = Field(max_length=20, description="mobile | office_phone | wecom | dingtalk | feishu | email")
    value: str = Field(max_length=120, description="the number, id or address")
    label: str = Field(default="", max_length=40, description="e.g. 工作手机")


class ContactMethod(SQLModel, table=True):
    """One way to reach a person; relied on by escalation only once verified by a code sent to it."""

    __tablename__ = "contact_method"
    __table_args__ = (UniqueConstraint("person_id", "kind", "value", name="uq_contact_method_value"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=20)
    value: str = Field(max_length=120)
    label: str = Field(default="", max_length=40)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_by: str = Field(default="", max_length=120, description="who entered the code (the person, or the office)")
    code_hash: str = Field(default="", max_length=64, description="HMAC of the pending code; never the code")
    code_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    code_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    code_attempts: int = Field(default=0, description="wrong entries of the pending code")
    code_sends: int = Field(default=0, description="codes sent so far (each its own outbox row)")
    code_delivery_id: uuid.UUID | None = Field(default=None, description="the outbox row of the last code")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContactMethodPublic(SQLModel):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    value: str
    label: str
    verified: bool
    verified_at: datetime | None
    code_sent_at: datetime | None
    code_expires_at: datetime | None
    code_state: str = Field(description="the last code's delivery state (queued / sent / delivered / failed ...), "
                            "'' when none was sent")


class NotificationRuleCreate(SQLModel):
    """"Method X over medium M, N minutes after a step notifies me" (通知规则)."""

    model_config = INPUT

    method_id: uuid.UUID
    medium: str = Field(max_length=20, description="sms | voice | wecom | dingtalk | feishu | email")
    delay_minutes: int = Field(default=0, ge=0, le=120)


class NotificationRule(SQLModel, table=True):
    __tablename__ = "notification_rule"
    __table_args__ = (UniqueConstraint("method_id", "medium", "delay_minutes", name="uq_notification_rule"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    method_id: uuid.UUID = Field(foreign_key="contact_method.id", index=True)
    medium: str = Field(max_length=20)
    delay_minutes: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NotificationRulePublic(SQLModel):
    id: uuid.UUID
    person_id: uuid.UUID
    method_id: uuid.UUID
    medium: str
    delay_minutes: int
    usable: bool = Field(description="its method is verified: escalation follows this rule")


class ContactCodeIn(SQLModel):
    model_config = INPUT

    code: str = Field(min_length=1, max_length=12, description="the 6-digit code sent to the method")
