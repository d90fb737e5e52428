"""WeCom peers: the group robot webhook and the app API (gettoken + message/send), as qyapi does."""

from __future__ import annotations

import json
import secrets

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.peers.recorder import Received, Recorder

LIMITS = {"text": 2048, "markdown": 4096}  # group robot, UTF-8 bytes
APP_LIMITS = {"text": 2048, "markdown": 2048}


class WeComPeer(Recorder):
    """One group robot (webhook key) and one app (corp id, secret, agent id, known members)."""

    def __init__(self, key: str = "", corp_id: str = "", corp_secret: str = "", agent_id: int = 0,
                 members: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.key, self.corp_id, self.corp_secret, self.agent_id = key, corp_id, corp_secret, agent_id
        self.members = set(members)
        self.tokens: set[str] = set()
        self.token_requests = 0

    def expire_tokens(self) -> None:
        """Forget every issued token, as when WeCom's 7,200 s run out early."""
        self.tokens.clear()

    def _answer(self, path: str, request: Request, raw: bytes, payload: dict) -> Response:
        if self.mode == "server_error":
            return Response("busy", status_code=503)
        if self.mode == "rate_limited":
            return JSONResponse({"errcode": 45009, "errmsg": "api freq out of limit"})
        if self.mode == "error":
            return JSONResponse({"errcode": self.error_code, "errmsg": self.error_msg})
        self.record(Received(path, dict(request.query_params), dict(request.headers), raw, payload))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    def app(self) -> FastAPI:
        """The FastAPI app speaking qyapi.weixin.qq.com."""
        app = FastAPI()

        @app.post("/cgi-bin/webhook/send")
        async def robot(request: Request) -> Response:
            self.hit()
            await self.maybe_slow()
            if request.query_params.get("key") != self.key:
                return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url, hint: [key not found]"})
            raw = await request.body()
            payload = json.loads(raw)
            kind = payload.get("msgtype")
            content = payload.get(kind, {}).get("content", "")
            if kind not in LIMITS:
                return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
            if len(content.encode("utf-8")) > LIMITS[kind]:
                return JSONResponse({"errcode": 40058, "errmsg": f"content exceed max length {LIMITS[kind]}"})
            return self._answer("/cgi-bin/webhook/send", request, raw, payload)

        @app.get("/cgi-bin/gettoken")
        async def gettoken(corpid: str = "", corpsecret: str = "") -> Response:
            self.token_requests += 1
            if corpid != self.corp_id:
                return JSONResponse({"errcode": 40013, "errmsg": "invalid corpid"})
            if corpsecret != self.corp_secret:
                return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
            token = secrets.token_hex(16)
            self.tokens.add(token)
            return JSONResponse({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

        @app.post("/cgi-bin/message/send")
        async def message(request: Request) -> Response:
            self.hit()
            await self.maybe_slow()
            if request.query_params.get("access_token") not in self.tokens:
                return JSONResponse({"errcode": 42001, "errmsg": "access_token expired"})
            raw = await request.body()
            payload = json.loads(raw)
            if payload.get("agentid") != self.agent_id:
                return JSONResponse({"errcode": 40056, "errmsg": "invalid agentid"})
            kind = payload.get("msgtype")
            content = payload.get(kind, {}).get("content", "")
            if kind in APP_LIMITS and len(content.encode("utf-8")) > APP_LIMITS[kind]:
                return JSONResponse({"errcode": 40058, "errmsg": "content exceed max length"})
            if payload.get("touser") not in self.members:
                return JSONResponse({"errcode": 81013, "errmsg": "user & party & tag all invalid"})
            answer = self._answer("/cgi-bin/message/send", request, raw, payload)
            if answer.status_code == 200 and json.loads(answer.body)["errcode"] == 0:
                return JSONResponse({"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"msg-{self.hits}"})
            return answer

        return app
