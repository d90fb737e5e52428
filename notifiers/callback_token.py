"""Shared helpers for provider callbacks that carry no signature of their own.

Aliyun's message-receipt HTTP push and Tencent's SMS callbacks are not signed,
so the callback URL configured in the provider console carries a shared token
(`...?token=<secret>`); a request without the right token is rejected.
Both providers report local China time ("2024-05-01 08:30:00", UTC+8, no DST).
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import SecretStr

from notifiers.base import CallbackMalformed, CallbackRejected, CallbackRequest

TOKEN_PARAM = "token"
CHINA_TIME = timezone(timedelta(hours=8), "UTC+08:00")  # the providers' protocol, not DUTYDESK_TIMEZONE


def require_token(expected: SecretStr, request: CallbackRequest) -> None:
    """Raise CallbackRejected unless the callback URL carries the configured token."""
    secret = expected.get_secret_value()
    if not secret:
        raise CallbackRejected("未配置回调令牌 (callback_token)，拒绝所有回调")
    given = request.query.get(TOKEN_PARAM, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise CallbackRejected("回调令牌缺失或错误")


def json_items(body: bytes) -> list[dict[str, Any]]:
    """The callback body as a list of JSON objects (a single object becomes a list of one)."""
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise CallbackMalformed(f"回调内容不是 JSON: {exc}") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CallbackMalformed("回调内容不是 JSON 对象数组")
    return data


def china_time(value: Any) -> datetime | None:
    """Parse a provider's 'YYYY-MM-DD HH:MM:SS' China time (or a Unix timestamp) to UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    try:
        local = datetime.strptime(str(value).strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return local.replace(tzinfo=CHINA_TIME).astimezone(UTC)


def mainland_number(raw: str) -> str:
    """A mainland mobile number without country code or separators ('+86 138-0000-0000' -> '13800000000')."""
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return digits.lstrip("+")
