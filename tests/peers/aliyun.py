"""A loopback Aliyun RPC gateway for Dysmsapi SendSms and Dyvmsapi IvrCall.

It checks each request's ACS3-HMAC-SHA256 signature with its own code (not the
plugin's), records what arrived and answers as told. It also builds the JSON
bodies of Aliyun's HTTP receipt pushes (SmsReport, SmsUp, VoiceCallReport,
VoiceReport) as the console would post them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse


def _enc(text: str) -> str:
    # quote() leaves only A-Za-z0-9_.-~ unescaped when nothing else is safe: RFC 3986.
    return quote(text, safe="")


class AliyunPeer:
    """State of the fake gateway: keys, the next answer, and every request seen."""

    def __init__(self, keys: dict[str, str] | None = None) -> None:
        self.keys = keys or {"LTAI-test": "secret-test"}
        self.answer = "ok"  # ok | code:<Code> | 500 | slow
        self.delay = 2.0
        self.received: list[dict] = []
        self.nonces: set[str] = set()
        self.app = FastAPI()
        self.app.post("/")(self.handle)

    def verify(self, request: Request, body: bytes) -> str | None:
        """The Aliyun error code this request deserves, or None if its signature holds."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return "IncompleteSignature"
        fields = dict(part.split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 "):].split(","))
        secret = self.keys.get(fields.get("Credential", ""))
        if secret is None:
            return "InvalidAccessKeyId.NotFound"
        if hashlib.sha256(body).hexdigest() != request.headers.get("x-acs-content-sha256"):
            return "SignatureDoesNotMatch"
        sent = datetime.strptime(request.headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - sent) > timedelta(minutes=15):
            return "InvalidTimeStamp.Expired"
        nonce = request.headers.get("x-acs-signature-nonce", "")
        if nonce in self.nonces:
            return "SignatureNonceUsed"
        names = fields.get("SignedHeaders", "").split(";")
        pairs = sorted(parse_qsl(request.scope["query_string"].decode(), keep_blank_values=True))
        query = "&".join(_enc(k) + "=" + _enc(v) for k, v in pairs)
        headers = "".join(n + ":" + request.headers.get(n, "").strip() + "\n" for n in names)
        canonical = "\n".join(["POST", request.url.path, query, headers, ";".join(names), hashlib.sha256(body).hexdigest()])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not {"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce"} <= set(names):
            return "IncompleteSignature"
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return "SignatureDoesNotMatch"
        self.nonces.add(nonce)
        return None

    async def handle(self, request: Request):
        body = await request.body()
        params = dict(parse_qsl(request.scope["query_string"].decode(), keep_blank_values=True))
        action = request.headers.get("x-acs-action", "")
        error = self.verify(request, body)
        self.received.append({"action": action, "params": params, "error": error})
        rid = str(uuid.uuid4()).upper()
        if error:
            status = 404 if error == "InvalidAccessKeyId.NotFound" else 400
            return JSONResponse({"RequestId": rid, "Code": error, "Message": f"Specified {error}"}, status_code=status)
        if self.answer == "slow":
            await asyncio.sleep(self.delay)
        if self.answer == "500":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if self.answer.startswith("code:"):
            code = self.answer[5:]
            return JSONResponse({"RequestId": rid, "Code": code, "Message": f"{code} 触发"})
        if action == "SendSms":
            return JSONResponse({"RequestId": rid, "Code": "OK", "Message": "OK", "BizId": f"{len(self.received)}00^0"})
        if action == "IvrCall":
            return JSONResponse({"RequestId": rid, "Code": "OK", "Message": "OK", "CallId": f"11601{len(self.received)}^102"})
        return JSONResponse({"RequestId": rid, "Code": "InvalidAction.NotFound", "Message": action}, status_code=404)


# Receipt pushes, as Aliyun posts them (JSON arrays, China local time).

def sms_report(biz_id: str, phone: str, *, success: bool = True, err_code: str = "DELIVERED",
               at: str = "2025-03-01 02:10:05") -> bytes:
    """A SmsReport push for one message."""
    item = {"phone_number": phone, "send_time": "2025-03-01 02:10:00", "report_time": at, "success": success,
            "err_code": err_code, "err_msg": "用户接收成功" if success else "失败", "sms_size": "1", "biz_id": biz_id}
    return json.dumps([item], ensure_ascii=False).encode()


def sms_up(phone: str, content: str, at: str = "2025-03-01 02:12:00") -> bytes:
    """A SmsUp push: the person replied to the duty SMS."""
    item = {"phone_number": phone, "send_time": at, "content": content, "sign_name": "值班室", "dest_code": "1234",
            "sequence_id": 1234567890}
    return json.dumps([item], ensure_ascii=False).encode()


def call_report(call_id: str, status_code: str, at: str, dtmf: str = "") -> bytes:
    """A VoiceCallReport push: one state change during the call."""
    item = {"call_id": call_id, "status_code": status_code, "status_time": at, "out_id": "", "dtmf": dtmf}
    return json.dumps([item]).encode()


def voice_report(call_id: str, status_code: str, *, answered: str = "", ended: str = "", ring: str = "",
                 dtmf: str = "", msg: str = "") -> bytes:
    """A VoiceReport push: the record of the finished call."""
    item = {"call_id": call_id, "status_code": status_code, "status_msg": msg, "start_time": answered,
            "end_time": ended, "ring_time": ring, "duration": "12" if answered else "0", "dtmf": dtmf,
            "callee": "13800000001", "caller": "057100000000", "hangup_direction": "用户", "voice_type": "voice"}
    return json.dumps([item], ensure_ascii=False).encode()
