"""What a refused API request is told: pydantic's validation errors in zh-CN (English when the client asks for it).

One table, used by the RequestValidationError handler (web/app.py): a pydantic error type -> a zh-CN template
formatted with the error's `ctx`. Every refusal names the field (`loc`, and the message itself) and says why.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from starlette.requests import Request

from core.errors import in_language
from web.console.i18n import LANG_COOKIE

# pydantic v2 error types (https://docs.pydantic.dev/latest/errors/validation_errors/) -> zh-CN reason
ZH: dict[str, str] = {
    "missing": "必填，不能缺少",
    "missing_argument": "必填，不能缺少",
    "extra_forbidden": "是未知字段，不能接受",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数（不能带小数）",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "decimal_parsing": "须为数字",
    "finite_number": "须为有限数值",
    "bool_type": "须为是/否（true 或 false）",
    "bool_parsing": "须为是/否（true 或 false）",
    "string_type": "须为文本",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "multiple_of": "须为 {multiple_of} 的倍数",
    "uuid_type": "须为 UUID 编号",
    "uuid_parsing": "须为 UUID 编号（如 2f1c…-…）",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期，不能带时间",
    "datetime_type": "须为日期时间（如 2026-03-02T08:00:00+08:00）",
    "datetime_parsing": "须为日期时间（如 2026-03-02T08:00:00+08:00）",
    "datetime_from_date_parsing": "须为日期时间（如 2026-03-02T08:00:00+08:00）",
    "timezone_aware": "须带时区（如 +08:00）",
    "time_type": "须为时间（HH:MM）",
    "time_parsing": "须为时间（HH:MM）",
    "time_delta_parsing": "须为时长",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
    "dict_type": "须为对象（JSON object）",
    "model_type": "须为对象（JSON object）",
    "model_attributes_type": "须为对象（JSON object）",
    "list_type": "须为列表（JSON array）",
    "set_type": "须为列表（JSON array）",
    "tuple_type": "须为列表（JSON array）",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "url_type": "须为网址",
    "url_parsing": "须为网址",
    "url_scheme": "网址协议不被接受",
    "value_error": "取值无效",
    "assertion_error": "取值无效",
    "union_tag_invalid": "类型不是可接受的一种",
    "union_tag_not_found": "缺少类型字段",
    "bytes_type": "须为文本",
    "none_required": "须为空",
}


# What pydantic's date and time parser (speedate) says went wrong, in its ctx["error"] -> zh-CN: "2026-02-30" is
# refused as "day value is outside expected range", which a clerk should read as 这一天不存在.
DETAIL_ZH: dict[str, str] = {
    "day value is outside expected range": "该月没有这一天",
    "month value is outside expected range of 1-12": "月份须在 1—12 之间",
    "hour value is outside expected range of 0-23": "小时须在 0—23 之间",
    "minute value is outside expected range of 0-59": "分钟须在 0—59 之间",
    "second value is outside expected range of 0-59": "秒须在 0—59 之间",
    "timezone offset must be less than 24 hours": "时区偏移须小于 24 小时",
    "input is too short": "内容不完整",
    "input is too long": "内容过长",
    "invalid character in year": "年份含有非数字字符",
    "invalid character in month": "月份含有非数字字符",
    "invalid character in day": "日含有非数字字符",
    "invalid character in hour": "小时含有非数字字符",
    "invalid character in minute": "分钟含有非数字字符",
    "invalid date separator, expected `-`": "年月日之间须用“-”分隔",
    "invalid time separator, expected `:`": "时分之间须用“:”分隔",
    "unexpected extra characters at the end of the input": "末尾有多余的字符",
}
DATE_TYPES = ("date_parsing", "date_from_datetime_parsing", "datetime_parsing", "datetime_from_date_parsing",
              "time_parsing")
_CJK = re.compile("[\u4e00-\u9fff]")


def english(request: Request) -> bool:
    """The client asked for English: `?lang=en`, the console's language cookie, or Accept-Language preferring en."""
    if request.query_params.get("lang") in ("en", "zh-CN"):
        return request.query_params["lang"] == "en"
    if request.cookies.get(LANG_COOKIE) in ("en", "zh-CN"):
        return request.cookies[LANG_COOKIE] == "en"
    first = request.headers.get("accept-language", "").split(",", 1)[0].strip().lower()
    return first.startswith("en")


def field_name(loc: list) -> str:
    """The field as the client wrote it: the last name in loc (list indexes kept: items[2].phone)."""
    out = ""
    for part in loc[1:] if len(loc) > 1 else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _own(error: dict) -> str:
    """A custom validator's own message, without pydantic's "Value error, " / "Assertion failed, " prefix."""
    return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def reason_zh(error: dict) -> str:
    """One error's reason in zh-CN; a custom validator's own message kept when it is written in zh-CN (a bilingual
    "中文 (English)" one by its Chinese), otherwise the type's reason."""
    kind = error.get("type", "")
    if kind in ("value_error", "assertion_error"):
        own = in_language(_own(error), "zh-CN")
        return own if _CJK.search(own) else ZH[kind]
    if kind in DATE_TYPES and (detail := DETAIL_ZH.get(str((error.get("ctx") or {}).get("error", "")))):
        return f"{ZH[kind]}：{detail}"
    template = ZH.get(kind)
    if template is None:
        return f"取值无效（{error.get('msg', kind)}）"
    ctx = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("：: ") or "取值无效"


def _shown(value) -> str:
    return str(value).replace("' or '", "、").replace("', '", "、").replace("'", "")


def reason_en(error: dict) -> str:
    """One error's reason in English: pydantic's message, a validator's own English (never its Chinese)."""
    own = _own(error)
    if error.get("type") == "extra_forbidden":
        return "unknown field, not accepted"
    if error.get("type") in ("value_error", "assertion_error"):
        own = in_language(own, "en")
        return "invalid value" if _CJK.search(own) else own
    return own


def bilingual(error: dict) -> str:
    """The reason as a service writes one, "中文 (English)", for a console page to show in its language."""
    en = reason_en(error).replace("(", "[").replace(")", "]").replace("（", "[").replace("）", "]")
    return f"{reason_zh(error)} ({en})" if en else reason_zh(error)


def lines_zh(errors: list[dict]) -> list[str]:
    """A model's errors for the CLI: one "字段：原因" line each (no pydantic dump in English)."""
    return [f"{field_name(list(e.get('loc', []))) or '?'}：{reason_zh(e)}" for e in errors]


def problems(errors: list[dict], request: Request) -> list[dict]:
    """The handler's `detail`: loc and type as pydantic gives them, msg naming the field and the reason."""
    en = english(request)
    out = []
    for e in errors:
        loc = list(e.get("loc", []))
        name = field_name(loc) or "?"
        msg = f"{name}: {reason_en(e)}" if en else f"“{name}”{reason_zh(e)}"
        out.append({"loc": loc, "msg": msg, "type": e.get("type", "")})
    return out


# What the framework says by itself, in English only, -> zh-CN: an unknown route, a method, a body it cannot read.
HTTP_ZH: dict[int, str] = {
    400: "请求有误", 401: "未登录或凭据无效", 403: "无权执行此操作", 404: "未找到", 405: "不支持这种请求方式",
    413: "请求体过大", 415: "不支持这种内容类型", 429: "请求过于频繁，请稍后再试", 500: "服务器内部错误",
    503: "服务暂不可用，请稍后再试",
}
UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's: a body that is not UTF-8 (GBK, bytes)
UNREADABLE_ZH = "请求内容无法读取，须为 UTF-8 编码"
UNREADABLE_EN = "the request body cannot be read (UTF-8 JSON or a form expected)"


def said(request: Request, text: str) -> str:
    """A reason written "中文 (English)" in the one language the client reads: zh-CN unless English is asked."""
    return in_language(text, "en" if english(request) else "zh-CN")


def in_words(request: Request, zh: str, en: str) -> str:
    return en if english(request) else zh


def http_detail(request: Request, status: int, detail):
    """An HTTPException's `detail` for an API client, in one language: the framework's own English phrases
    ("Not Found", a body it could not parse) in zh-CN unless English is asked, a bilingual reason by its half."""
    if not isinstance(detail, str):
        return detail
    if detail == UNREADABLE_BODY:
        return [{"loc": ["body"], "msg": in_words(request, UNREADABLE_ZH, UNREADABLE_EN), "type": "body_unreadable"}]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = None
    if detail == phrase:
        return detail if english(request) else HTTP_ZH.get(status, f"请求未能完成（{status}）")
    return said(request, detail)


def in_one_language(request: Request, detail: list[dict]) -> list[dict]:
    """A service's refusal (`ServiceError.as_detail`) with each msg in the client's language."""
    return [{**d, "msg": said(request, d["msg"])} if isinstance(d.get("msg"), str) else d for d in detail]
