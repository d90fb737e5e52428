"""A loopback Tencent Cloud API 3.0 endpoint for SMS SendSms (2021-01-11).

It recomputes each request's TC3-HMAC-SHA256 signature from the request it
actually received (signed headers as listed in Authorization), records what
arrived and answers as told. It also builds the JSON bodies Tencent posts to
the status-report and reply callback URLs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse


def _h(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


class TencentPeer:
    """State of the fake endpoint: keys, the next answer, and every request seen."""

    def __init__(self, keys: dict[str, str] | None = None) -> None:
        self.keys = keys or {"AKID-test": "key-test"}
        # ok | error:<Code> (Response.Error) | status:<Code> (SendStatusSet[0].Code) | 500 | slow
        self.answer = "ok"
        self.delay = 2.0
        self.received: list[dict] = []
        self.app = FastAPI()
        self.app.post("/")(self.handle)

    def verify(self, request: Request, body: bytes) -> str | None:
        """The AuthFailure code this request deserves, or None if its signature holds."""
        auth = request.headers.get("authorization", "")
        algo, _, rest = auth.partition(" ")
        if algo != "TC3-HMAC-SHA256":
            return "AuthFailure.InvalidAuthorization"
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        secret_id, date, service, _ = (parts.get("Credential", "///") + "///").split("/", 3)
        secret = self.keys.get(secret_id)
        if secret is None:
            return "AuthFailure.SecretIdNotFound"
        stamp = int(request.headers.get("x-tc-timestamp", "0"))
        if abs(time.time() - stamp) > 300:
            return "AuthFailure.SignatureExpire"
        if datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d") != date:
            return "AuthFailure.SignatureFailure"
        names = parts.get("SignedHeaders", "").split(";")
        if not {"content-type", "host"} <= set(names):
            return "AuthFailure.SignatureFailure"
        canonical_headers = "".join(f"{n}:{request.headers.get(n, '').strip().lower()}\n" for n in names)
        canonical = "\n".join(
            ["POST", "/", "", canonical_headers, ";".join(names), hashlib.sha256(body).hexdigest()]
        )
        scope = f"{date}/{service.split('/')[0]}/tc3_request"
        string_to_sign = "\n".join(
            ["TC3-HMAC-SHA256", str(stamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        k = _h(_h(_h(("TC3" + secret).encode(), date), service.split("/")[0]), "tc3_request")
        if not hmac.compare_digest(hmac.new(k, string_to_sign.encode(), hashlib.sha256).hexdigest(),
                                   parts.get("Signature", "")):
            return "AuthFailure.SignatureFailure"
        return None

    async def handle(self, request: Request):
        body = await request.body()
        error = self.verify(request, body)
        data = json.loads(body) if body else {}
        self.received.append({"action": request.headers.get("x-tc-action"), "body": data, "error": error,
                              "version": request.headers.get("x-tc-version"), "region": request.headers.get("x-tc-region")})
        rid = str(uuid.uuid4())
        if error is None and self.answer.startswith("error:"):
            error = self.answer[6:]
        if error:
            return JSONResponse({"Response": {"Error": {"Code": error, "Message": f"{error} 触发"}, "RequestId": rid}})
        if self.answer == "slow":
            await asyncio.sleep(self.delay)
        if self.answer == "500":
            return PlainTextResponse("Bad Gateway", status_code=502)
        code, message = ("Ok", "send success")
        if self.answer.startswith("status:"):
            code, message = self.answer[7:], f"{self.answer[7:]} 触发"
        statuses = [{"SerialNo": f"2640:{len(self.received)}0001", "PhoneNumber": phone, "Fee": 1 if code == "Ok" else 0,
                     "SessionContext": data.get("SessionContext", ""), "Code": code, "Message": message, "IsoCode": "CN"}
                    for phone in data.get("PhoneNumberSet", [])]
        return JSONResponse({"Response": {"SendStatusSet": statuses, "RequestId": rid}})


# Callback bodies, as Tencent posts them.

def status_report(sid: str, mobile: str, *, success: bool = True, errmsg: str = "DELIVRD",
                  at: str = "2025-03-01 02:10:05") -> bytes:
    """A status report (短信下发状态通知) for one message."""
    item = {"user_receive_time": at, "nationcode": "86", "mobile": mobile,
            "report_status": "SUCCESS" if success else "FAIL", "errmsg": errmsg,
            "description": "用户短信送达成功" if success else "用户短信送达失败", "sid": sid}
    return json.dumps([item], ensure_ascii=False).encode()


def reply(mobile: str, text: str, unix_time: int = 1740766320) -> bytes:
    """A reply (回复短信) the person sent back."""
    item = {"extend": "", "mobile": mobile, "nationcode": "86", "sign": "值班室", "text": text, "time": unix_time}
    return json.dumps([item], ensure_ascii=False).encode()
