"""The columns of the unit and person files: names in Chinese and English, cell parsing and formatting."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from models.directory import UnitType
from rules.incidents.types import CATEGORY_LABELS, Category
from rules.directory import PHONE_REASON
from rules.directory import phone_form as normal_phone


class CellError(ValueError):
    """A cell that cannot be read; the message is the zh-CN reason."""


def norm(name: str) -> str:
    """A header as compared: no spaces, BOM, required-marks or bracketed hints; lower case."""
    name = re.sub(r"[（(].*?[)）]", "", name.replace("\ufeff", ""))
    return re.sub(r"[\s\u3000*＊]", "", name).replace("_", "").lower()


UNIT_TYPE_LABELS = {UnitType.county_office: "总值班室", UnitType.town: "镇街", UnitType.department: "部门"}
_UNIT_TYPES = {**{v: k for k, v in UNIT_TYPE_LABELS.items()}, **{t.value: t for t in UnitType},
               "县总值班室": UnitType.county_office, "乡镇": UnitType.town, "街道": UnitType.town,
               "county office": UnitType.county_office}
_TRUE = {"是", "yes", "y", "true", "1", "√", "✓", "是的"}
_FALSE = {"否", "no", "n", "false", "0", ""}
_CATEGORIES = {**{label: c for c, label in CATEGORY_LABELS.items()}, **{c.value: c for c in Category}}
_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def parse_text(value: str) -> str:
    return value


def parse_type(value: str) -> UnitType | None:
    if not value.strip():
        return None  # not given: keep the unit's type (a new unit is a department)
    found = _UNIT_TYPES.get(value.strip().lower()) or _UNIT_TYPES.get(value.strip())
    if found is None:
        raise CellError("类型无效，应为 总值班室、镇街 或 部门（county_office、town、department）")
    return found


def parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise CellError("应填 是 或 否（yes/no、1/0）")


def parse_phone(value: str) -> str:
    """A phone cell as typed (full-width digits, spaces, +86, dashes) in its stored form (phone_form)."""
    try:
        return normal_phone(value)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def parse_int(value: str) -> int:
    if value == "":
        return 0
    try:
        return int(value)
    except ValueError:
        raise CellError("应为整数") from None


def parse_categories(value: str) -> list[str]:
    out: list[str] = []
    for part in filter(None, _SEPARATORS.split(value)):
        cat = _CATEGORIES.get(part) or _CATEGORIES.get(part.lower())
        if cat is None:
            raise CellError(f"未知的分管领域 {part!r}，应为 " + "、".join(CATEGORY_LABELS.values()))
        if cat.value not in out:
            out.append(cat.value)
    return out


def show_text(value, lang: str) -> str:
    return "" if value is None else str(value)


def show_type(value: UnitType, lang: str) -> str:
    value = UnitType(value)
    return UNIT_TYPE_LABELS[value] if lang == "zh" else value.value


def show_bool(value: bool, lang: str) -> str:
    return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")


def show_categories(value: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(CATEGORY_LABELS[Category(v)] for v in value)
    return ";".join(value)


@dataclass(frozen=True)
class Column:
    key: str  # the English header, also the field name in the report
    zh: str  # the Chinese header written on export
    required: bool = False
    aliases: tuple[str, ...] = ()
    parse: Callable[[str], object] = parse_text
    show: Callable[[object, str], str] = show_text
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(norm(n) for n in (self.key, self.zh, *self.aliases)))


UNIT_COLUMNS = (
    Column("name", "单位名称", True, ("名称", "单位")),
    Column("code", "代码", True, ("单位代码", "编码", "code")),
    Column("type", "类型", False, ("单位类型",), parse_type, show_type),
    Column("parent_code", "上级单位代码", False, ("上级代码", "上级单位", "parent")),
    Column("duty_phone", "值班电话", False, ("duty phone",), parse_phone),
    Column("address", "地址", False, ("单位地址",)),
    Column("sort_order", "排序", False, ("排序号", "顺序", "sort order", "order"), parse_int),
)

PERSON_COLUMNS = (
    Column("name", "姓名", True),
    Column("title", "职务", False, ("职位",)),
    Column("unit", "单位", True, ("所属单位", "单位名称", "单位代码", "unit_code")),
    Column("mobile", "手机", False, ("手机号", "手机号码", "移动电话"), parse_phone),
    Column("office_phone", "办公电话", False, ("座机", "办公室电话", "office phone"), parse_phone),
    Column("email", "邮箱", False, ("电子邮箱", "邮件", "e-mail")),
    Column("dingtalk_id", "钉钉", False, ("钉钉id", "钉钉账号", "dingtalk")),
    Column("wecom_id", "企业微信", False, ("企业微信id", "企业微信账号", "wecom")),
    Column("feishu_id", "飞书", False, ("飞书id", "飞书账号", "feishu")),
    Column("is_leading_cadre", "县管正职", False, ("是否县管正职", "leading cadre"), parse_bool, show_bool),
    Column("is_unit_head", "主要负责人", False, ("单位主要负责人", "是否主要负责人", "unit head"), parse_bool, show_bool),
    Column("domain_categories", "分管领域", False, ("domains",), parse_categories, show_categories),
)

IGNORED = frozenset({"序号", "no.", "#", "编号"})  # serial-number columns spreadsheets often carry


def header_label(col: Column, lang: str) -> str:
    return col.zh if lang == "zh" else col.key
