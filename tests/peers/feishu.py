"""A Feishu custom-bot peer: checks the hook token, timestamp, sign and the 20 KB body limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.peers.recorder import Received, Recorder

MAX_BODY = 20 * 1024
OK = {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}


class FeishuPeer(Recorder):
    """One custom bot with a hook token and an optional signing secret."""

    rate_code, rate_msg = 11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1234]"

    def __init__(self, token: str, secret: str | None = None) -> None:
        super().__init__()
        self.token, self.secret = token, secret
        self.gateway_429 = False  # the open-platform gateway's own 429 with x-ogw-ratelimit-reset

    def check(self, token: str, raw: bytes, payload: dict) -> tuple[int, str]:
        """The code Feishu would answer (0 when the request is acceptable)."""
        if token != self.token:
            return 19001, "param invalid: incoming webhook access token invalid"
        if len(raw) > MAX_BODY or payload.get("msg_type") not in {"text", "post", "image", "share_chat", "interactive"}:
            return 9499, "Bad Request"
        if self.secret:
            ts = str(payload.get("timestamp", ""))
            mac = hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256)
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 3600
            if not fresh or payload.get("sign") != base64.b64encode(mac.digest()).decode():
                return 19021, "sign match fail or timestamp is not within one hour from current time"
        return 0, "success"

    def app(self) -> FastAPI:
        """The FastAPI app speaking open.feishu.cn's bot hook."""
        app = FastAPI()

        @app.post("/open-apis/bot/v2/hook/{token}")
        async def hook(token: str, request: Request) -> Response:
            self.hit()
            await self.maybe_slow()
            if self.mode == "server_error":
                return Response("bad gateway", status_code=502)
            if self.gateway_429:
                body = {"code": 99991400, "msg": "request trigger frequency limit"}
                return JSONResponse(body, status_code=429, headers={"x-ogw-ratelimit-reset": "52"})
            raw = await request.body()
            payload = json.loads(raw)
            code, msg = self.check(token, raw, payload)
            if code:
                return JSONResponse({"code": code, "msg": msg, "data": {}})
            if self.mode == "rate_limited":
                return JSONResponse({"code": self.rate_code, "msg": self.rate_msg, "data": {}})
            if self.mode == "error":
                return JSONResponse({"code": self.error_code, "msg": self.error_msg, "data": {}})
            self.record(Received(request.url.path, {}, dict(request.headers), raw, payload))
            return JSONResponse(OK)

        return app
