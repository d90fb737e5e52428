"""zh-CN words for `dutydesk policy`: a refused file names the field in Chinese (第1步·通知对象), values the
way the console shows them, never pydantic's English."""

from __future__ import annotations

from pydantic import ValidationError

FIELDS = {"name": "名称", "position": "顺序", "categories": "适用类别", "min_grade": "最低等级", "sensitive": "敏感事件",
          "steps": "步骤", "repeat": "重复轮数", "start_delay_minutes": "开始延迟（分钟）",
          "ack_timeout_minutes": "确认后提醒（分钟）", "enabled": "启用", "targets": "通知对象", "channels": "通知渠道",
          "wait_minutes": "等待确认（分钟）", "ack": "确认规则", "kind": "对象类型", "ref": "对象"}
PROBLEMS = {"missing": "必须填写", "int_parsing": "须为整数", "int_type": "须为整数", "float_parsing": "须为数字",
            "float_type": "须为数字", "string_type": "须为文字", "string_too_long": "太长", "bool_parsing": "须为 true 或 false",
            "bool_type": "须为 true 或 false", "list_type": "须为列表 […]", "dict_type": "须为对象 {…}",
            "enum": "不是可选的值", "literal_error": "不是可选的值", "extra_forbidden": "不认识的项",
            "int_from_float": "须为整数", "greater_than": "太小", "less_than_equal": "太大"}
ENUM_LABELS = {"natural_disaster": "自然灾害", "accident": "事故灾难", "public_health": "公共卫生事件",
               "social_security": "社会安全事件", "public_opinion": "网络舆情", "any": "任一人确认", "all": "须全部确认"}


def where(loc: tuple) -> str:
    """("steps", 0, "targets") -> 第1步·通知对象 (steps.0.targets)"""
    parts, i = [], 0
    while i < len(loc):
        part = loc[i]
        if part == "steps" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            parts.append(f"第{loc[i + 1] + 1}步")
            i += 2
            continue
        if isinstance(part, int):
            parts.append(f"第{part + 1}项")
        else:
            parts.append(FIELDS.get(str(part), str(part)))
        i += 1
    return f"{'·'.join(parts)} ({'.'.join(str(p) for p in loc)})"


def problems(exc: ValidationError) -> list[str]:
    """One zh-CN line per problem, naming the field; the allowed values as labels where there is a list."""
    out = []
    for e in exc.errors():
        what = PROBLEMS.get(e.get("type", ""), "格式不正确")
        expected = (e.get("ctx") or {}).get("expected")
        if expected and e.get("type") in ("enum", "literal_error"):
            shown = "、".join(ENUM_LABELS.get(v.strip(" '"), v.strip(" '"))
                             for v in str(expected).replace(" or ", ",").split(","))
            what += f"（可选：{shown}）"
        out.append(f"错误：{where(tuple(e.get('loc', ())))}：{what}")
    return out
