"""A webhook receiver that verifies Standard Webhooks signatures on its own (not with our helper)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.peers.recorder import Received, Recorder


class WebhookSink(Recorder):
    """Accepts POSTs on any path; with a `whsec_` secret, refuses unsigned or stale requests (401)."""

    def __init__(self, secret: str | None = None, tolerance: int = 300) -> None:
        super().__init__()
        self.secret, self.tolerance = secret, tolerance

    def verified(self, headers: dict[str, str], raw: bytes) -> bool:
        """The spec's check: fresh timestamp and one matching v1 signature."""
        if not self.secret:
            return True
        msg_id, ts = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        if not msg_id or not ts.isdigit() or abs(time.time() - int(ts)) > self.tolerance:
            return False
        key = base64.b64decode(self.secret.split("_", 1)[1])
        mac = hmac.new(key, msg_id.encode() + b"." + ts.encode() + b"." + raw, hashlib.sha256)
        expected = "v1," + base64.b64encode(mac.digest()).decode()
        return any(hmac.compare_digest(expected, s) for s in headers.get("webhook-signature", "").split())

    def app(self) -> FastAPI:
        """The FastAPI app: 204 on success, or the error the test asked for."""
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> Response:
            self.hit()
            await self.maybe_slow()
            raw, headers = await request.body(), dict(request.headers)
            if not self.verified(headers, raw):
                return JSONResponse({"error": "invalid signature"}, status_code=401)
            if self.mode == "server_error":
                return Response("down", status_code=503)
            if self.mode == "rate_limited":
                return Response("slow down", status_code=429, headers={"Retry-After": "30"})
            if self.mode == "error":
                return JSONResponse({"error": self.error_msg}, status_code=self.error_code or 410)
            self.record(Received(f"/{path}", dict(request.query_params), headers, raw, json.loads(raw or b"null")))
            return Response(status_code=204)

        return app
