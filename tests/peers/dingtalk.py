"""A DingTalk custom-robot peer: checks access_token, timestamp and HMAC sign like oapi.dingtalk.com."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.peers.recorder import Received, Recorder

MSG_TYPES = {"text", "markdown", "actionCard", "link", "feedCard"}


class DingTalkPeer(Recorder):
    """One robot with a known access_token, signing secret and optional keyword."""

    def __init__(self, access_token: str, secret: str | None = None, keyword: str = "") -> None:
        super().__init__()
        self.access_token, self.secret, self.keyword = access_token, secret, keyword

    def check(self, query: dict[str, str], payload: dict) -> tuple[int, str]:
        """The errcode DingTalk would answer for this request (0 when valid)."""
        if query.get("access_token") != self.access_token:
            return 300001, "token is not exist"
        if self.secret:
            ts = query.get("timestamp", "")
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
                return 310000, "invalid timestamp"
            mac = hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256)
            if query.get("sign") != base64.b64encode(mac.digest()).decode():
                return 310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
        kind = payload.get("msgtype")
        if kind not in MSG_TYPES or not isinstance(payload.get(kind), dict):
            return 40035, "缺少参数 json"
        if self.keyword and self.keyword not in json.dumps(payload[kind], ensure_ascii=False):
            return 310000, "keywords not in content"
        return 0, "ok"

    def app(self) -> FastAPI:
        """The FastAPI app speaking DingTalk's /robot/send."""
        app = FastAPI()

        @app.post("/robot/send")
        async def send(request: Request) -> Response:
            self.hit()
            await self.maybe_slow()
            raw = await request.body()
            try:
                payload = json.loads(raw)
            except ValueError:
                return JSONResponse({"errcode": 43004, "errmsg": "无效的HTTP HEADER Content-Type"})
            if self.mode == "server_error":
                return Response("upstream error", status_code=502)
            query = dict(request.query_params)
            code, msg = self.check(query, payload)
            if code:
                return JSONResponse({"errcode": code, "errmsg": msg})
            if self.mode == "rate_limited":
                return JSONResponse({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
            if self.mode == "error":
                return JSONResponse({"errcode": self.error_code, "errmsg": self.error_msg})
            self.record(Received("/robot/send", query, dict(request.headers), raw, payload))
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        return app
