"""Aliyun OpenAPI V3 signature (ACS3-HMAC-SHA256) and the RPC call shared by SMS and voice.

Algorithm (help.aliyun.com "V3版本请求体&签名机制"):
CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n
SignedHeaders \\n hex(sha256(body)); StringToSign = "ACS3-HMAC-SHA256\\n" +
hex(sha256(CanonicalRequest)); Signature = hex(HMAC-SHA256(secret, StringToSign)).
RPC-style actions (SendSms, IvrCall) carry their parameters in the query string.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from notifiers.base import (
    PermanentError,
    RateLimitedError,
    RetryableError,
    classify_http,
    post,
)

ALGORITHM = "ACS3-HMAC-SHA256"

# Codes that mean "wait and try again"; value = seconds to wait.
RATE_LIMITED: dict[str, float] = {
    "isv.BUSINESS_LIMIT_CONTROL": 60.0,  # per-number frequency control (业务限流)
    "isv.DAY_LIMIT_CONTROL": 3600.0,
    "Throttling": 1.0,
    "Throttling.User": 1.0,
    "Throttling.Api": 1.0,
    "Throttling.Concurrency": 1.0,
}
# Provider-side faults: the request itself was fine.
RETRYABLE = {"isp.SYSTEM_ERROR", "InternalError", "ServiceUnavailable", "isp.GATEWAY_ERROR"}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding: only A-Z a-z 0-9 - _ . ~ stay literal (space -> %20, * -> %2A)."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    """Parameters sorted by name, each name and value percent-encoded, joined with '&'."""
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def sign_headers(
    *,
    method: str,
    host: str,
    path: str = "/",
    query: Mapping[str, str],
    body: bytes,
    action: str,
    version: str,
    access_key_id: str,
    access_key_secret: str,
    date: datetime,
    nonce: str,
) -> dict[str, str]:
    """The headers (Authorization included) that sign one request."""
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "x-acs-date": date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce,
        "x-acs-version": version,
    }
    names = sorted(headers)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in names)
    signed = ";".join(names)
    canonical_request = "\n".join(
        [method.upper(), path, canonical_query(query), canonical_headers, signed, headers["x-acs-content-sha256"]]
    )
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    signature = hmac.new(access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed},Signature={signature}"
    return headers


def raise_for_code(status: int, payload: Mapping[str, Any]) -> None:
    """Return on Code "OK"; else raise the typed error the Aliyun code implies."""
    code = str(payload.get("Code", ""))
    if code == "OK":
        return
    reason = f"{code}: {payload.get('Message', '')}"
    if code in RATE_LIMITED or code.startswith("Throttling"):
        raise RateLimitedError(reason, retry_after=RATE_LIMITED.get(code, 1.0), code=code)
    if code in RETRYABLE or code.startswith("isp.") or (status >= 500 and not code.startswith("isv.")):
        raise RetryableError(reason, code=code)
    # isv.* business errors, bad keys, bad signatures and unknown codes: resending cannot help.
    raise PermanentError(reason, code=code)


async def call(
    client: httpx.AsyncClient,
    base_url: str,
    *,
    action: str,
    version: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    timeout: float = 10.0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """POST one signed RPC action; return its JSON body when Code is "OK"."""
    url = httpx.URL(base_url)
    host = url.host if url.port is None else f"{url.host}:{url.port}"
    path = url.path or "/"
    headers = sign_headers(
        method="POST", host=host, path=path, query=params, body=b"", action=action, version=version,
        access_key_id=access_key_id, access_key_secret=access_key_secret,
        date=now or datetime.now(UTC), nonce=uuid.uuid4().hex,
    )
    full = f"{url.scheme}://{host}{path}?{canonical_query(params)}"
    response = await post(client, full, headers=headers, content=b"", timeout=timeout)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("Code"):
        raise_for_code(response.status_code, payload)
        return payload
    classify_http(response)
    raise RetryableError(f"应答缺少 Code 字段: {response.text[:200]}", code="bad_response")
