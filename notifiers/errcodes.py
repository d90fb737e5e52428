"""Turn a chat provider's 200-with-error-code answer into the typed error.

DingTalk, WeCom and Feishu answer HTTP 200 with a JSON code; only code 0 is a
success. Each plugin declares its own code tables; the mapping lives here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import httpx

from notifiers.base import (
    PermanentError,
    RateLimitedError,
    RetryableError,
    classify_http,
)


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; a non-JSON 200 is a provider fault (retryable)."""
    classify_http(response)
    try:
        body = response.json()
    except ValueError as exc:
        raise RetryableError(f"非 JSON 应答: {response.text[:200]}", code="bad_json") from exc
    if not isinstance(body, dict):
        raise RetryableError(f"非预期应答: {response.text[:200]}", code="bad_json")
    return body


def raise_for_code(
    code: int,
    message: str,
    *,
    rate_limited: Mapping[int, float] = {},
    retryable: Collection[int] = (),
    permanent_default: bool = True,
) -> None:
    """Return on code 0; else raise rate-limited (with its wait), retryable or permanent."""
    if code == 0:
        return
    reason = f"{code}: {message}"
    if code in rate_limited:
        raise RateLimitedError(reason, retry_after=rate_limited[code], code=str(code))
    # -1 is "system busy" at DingTalk and WeCom: the request itself was fine.
    if code in retryable or code == -1 or not permanent_default:
        raise RetryableError(reason, code=str(code))
    raise PermanentError(reason, code=str(code))
