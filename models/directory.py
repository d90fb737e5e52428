"""Organisation directory: units (单位) as a tree and the people in them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, new_id, not_null, utcnow


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


class UnitCreate(UnitBase):
    pass


class UnitUpdate(SQLModel):
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

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError("not an email address")
        return value


class PersonCreate(PersonBase):
    pass


class PersonUpdate(SQLModel):
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


class Person(PersonBase, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonPublic(PersonBase):
    id: uuid.UUID
    active: bool
