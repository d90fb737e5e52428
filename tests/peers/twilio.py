"""A loopback Twilio REST API for creating calls, and the callbacks Twilio would post.

The peer checks HTTP basic auth against its accounts, records the form it got
and answers like Twilio (201 with a Call resource, or an error JSON with
`code`/`message`). `call_events` builds the signed status and Gather callbacks
of a call scenario, computing X-Twilio-Signature with its own code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import uuid
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

ERRORS = {
    "auth": (401, 20003, "Authenticate"),
    "invalid_number": (400, 21211, "The 'To' number is not a valid phone number."),
    "throttle": (429, 20429, "Too Many Requests"),
}


class TwilioPeer:
    """State of the fake API: accounts, the next answer, and every call request seen."""

    def __init__(self, accounts: dict[str, str] | None = None) -> None:
        self.accounts = accounts or {"AC" + "0" * 32: "token-test"}
        self.answer = "ok"  # ok | invalid_number | throttle | 500 | slow
        self.delay = 2.0
        self.received: list[dict] = []
        self.app = FastAPI()
        self.app.post("/2010-04-01/Accounts/{sid}/Calls.json")(self.create_call)

    def _error(self, kind: str, headers: dict | None = None) -> JSONResponse:
        status, code, message = ERRORS[kind]
        return JSONResponse({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                             "status": status}, status_code=status, headers=headers)

    async def create_call(self, sid: str, request: Request):
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        user, password = "", ""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme == "Basic":
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        ok = user == sid and sid in self.accounts and hmac.compare_digest(self.accounts[sid], password)
        self.received.append({"sid": sid, "form": form, "authorized": ok})
        if not ok:
            return self._error("auth", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if self.answer == "slow":
            await asyncio.sleep(self.delay)
        if self.answer == "500":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if self.answer in ERRORS:
            return self._error(self.answer, {"Retry-After": "2"} if self.answer == "throttle" else None)
        fields = dict(form)
        call_sid = "CA" + uuid.uuid4().hex
        return JSONResponse({"sid": call_sid, "account_sid": sid, "to": fields.get("To"), "from": fields.get("From"),
                             "status": "queued", "uri": f"/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"},
                            status_code=201)


def sign(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """X-Twilio-Signature, computed the way Twilio documents it."""
    data = url
    for name in sorted({n for n, _ in params}):
        for value in sorted({v for n, v in params if n == name}):
            data += name + value
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def callback(url: str, auth_token: str, params: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """Headers and form body of one signed callback POST."""
    items = list(params.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sign(auth_token, url, items)}
    return headers, urlencode(items).encode()


def _status(call_sid: str, status: str, ts: str, **extra: str) -> dict[str, str]:
    base = {"AccountSid": "AC" + "0" * 32, "CallSid": call_sid, "CallStatus": status, "From": "+15005550006",
            "To": "+8613800138000", "Direction": "outbound-api", "ApiVersion": "2010-04-01", "Timestamp": ts}
    return {**base, **extra}


def call_events(scenario: str, call_sid: str) -> list[dict[str, str]]:
    """The callbacks of one call, in the order Twilio sends them."""
    ring = _status(call_sid, "ringing", "Sat, 01 Mar 2025 02:00:03 +0000", SequenceNumber="1")
    if scenario == "answered_key_1":
        gather = {k: v for k, v in _status(call_sid, "in-progress", "").items() if k != "Timestamp"}
        return [ring, _status(call_sid, "in-progress", "Sat, 01 Mar 2025 02:00:06 +0000", SequenceNumber="2"),
                {**gather, "Digits": "1", "FinishedOnKey": ""},
                _status(call_sid, "completed", "Sat, 01 Mar 2025 02:00:20 +0000", CallDuration="14", SequenceNumber="3")]
    final = {"no_answer": "no-answer", "busy": "busy", "failure": "failed"}[scenario]
    return [ring, _status(call_sid, final, "Sat, 01 Mar 2025 02:00:33 +0000", CallDuration="0", SequenceNumber="2")]
