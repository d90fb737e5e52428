"""The request boundary: what no handler should ever see, refused before routing and authentication.

- A body larger than `web.max_body_bytes` answers 413: at once from Content-Length, or as soon as the streamed
  bytes pass the limit (chunked uploads), so `serve` never reads 100 MB to then answer 401.
- Characters no field may hold answer 422 naming the field: NUL and the other C0 controls except tab, newline and
  carriage return, unpaired surrogates, U+FFFE/U+FFFF. PostgreSQL cannot store NUL, and a .docx (XML) cannot hold
  any of them, so one such value stored would break the report and the exports for everyone. Free text keeps its
  newlines and tabs. Checked in the path, the query, JSON bodies and form bodies; JSON numbers must also be finite
  and integers fit in 64 bits (the database's BIGINT).

Plain ASGI (no BaseHTTPMiddleware: it ran each request in an extra task). Hand-written rather than a library:
Starlette and uvicorn have no body limit, and the checks are the project's own rule for what a field may hold.
"""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qsl

from starlette.requests import Request

from core.text import forbidden_char
from web.problems import said

INT64 = 2**63 - 1
BUFFERED = ("application/json", "application/x-www-form-urlencoded")  # bodies read whole here and checked


class BodyTooLarge(Exception):
    pass


def _problem(loc: list, value) -> dict | None:
    """The first unacceptable value inside a parsed JSON document, as a FastAPI-style error, or None."""
    if isinstance(value, str):
        bad = forbidden_char(value)
        if bad:
            return {"loc": loc, "type": "control_character", "ctx": {"char": bad},
                    "msg": f"含有不允许的控制字符 {bad} (contains a control character that is not allowed: {bad})"}
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        if not -INT64 - 1 <= value <= INT64:
            return {"loc": loc, "type": "int_range",
                    "msg": "整数超出范围 (integer out of range: at most 2^63-1 in size)"}
    elif isinstance(value, float):
        if not math.isfinite(value):
            return {"loc": loc, "type": "finite_number", "msg": "必须是有限数值 (must be a finite number)"}
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if found := _problem([*loc, i], item):
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            if found := _problem([*loc, key], key) or _problem([*loc, key], item):
                return found
    return None


def problem_in_form(body: bytes) -> dict | None:
    """The first unacceptable name or value of a urlencoded form, or None."""
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        return {"loc": ["body"], "type": "encoding", "msg": "表单不是 UTF-8 编码 (form is not UTF-8)"}
    for name, value in pairs:
        if found := _problem(["body", name], name) or _problem(["body", name], value):
            return found
    return None


def problem_in_json(body: bytes) -> dict | None:
    """The first unacceptable value of a JSON body; a body that does not parse is left to the app (its 422)."""
    too_deep = {"loc": ["body"], "type": "too_deep", "ctx": {},
                "msg": "请求内容嵌套层数过多 (the JSON body is nested too deep)"}
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    except RecursionError:  # thousands of [[[[ : no field is that deep, and the app's parser would fail the same way
        return too_deep
    try:
        return _problem(["body"], doc)
    except RecursionError:
        return too_deep


def problem_in_url(scope) -> dict | None:
    """The first unacceptable character in the path or the query (either already percent-decoded)."""
    if bad := forbidden_char(scope.get("path", "")):
        return {"loc": ["path"], "type": "control_character", "ctx": {"char": bad},
                "msg": f"路径含有不允许的控制字符 {bad} (path contains a control character: {bad})"}
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if found := _problem(["query", name], name) or _problem(["query", name], value):
            return found
    return None


class Boundary:
    """ASGI middleware: the body limit and the checks above, before any routing, session or authentication.

    A refusal is JSON (`{"detail": [...]}` as FastAPI's own 422), unless `page(scope, status, problem)` answers it
    with a response of its own: the console's page naming the field for a browser's form post."""

    def __init__(self, app, *, max_body_bytes: int, page=None) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.page = page

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if found := problem_in_url(scope):
            await self._refuse(scope, receive, send, 422, found)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"").decode("latin-1").strip()
        if length.isdigit() and int(length) > self.limit:
            await self._too_large(scope, receive, send)
            return
        kind = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if kind in BUFFERED or kind.endswith("+json"):
            await self._checked(scope, receive, send, kind)
            return
        await self._counted(scope, receive, send)

    async def _checked(self, scope, receive, send, kind: str) -> None:
        """Read the whole (small) body, check it, then hand the app the same bytes."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        found = problem_in_form(body) if kind == "application/x-www-form-urlencoded" else problem_in_json(body)
        if found:
            await self._refuse(scope, receive, send, 422, found)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect as the app would
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _counted(self, scope, receive, send) -> None:
        """Stream the body to the app, counting. Past the limit the app's next read fails; whatever the app then
        answers (FastAPI turns a failed form read into its own 400), the client gets the 413."""
        size, exceeded, started = 0, False, False

        async def counting():
            nonlocal size, exceeded
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def watching(message):
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body it could not read: replaced by the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, watching)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope, receive, send) -> None:
        mb = f"{self.limit / 1024 / 1024:g}"
        await self._refuse(scope, receive, send, 413, {"loc": ["body"], "type": "too_large", "ctx": {"mb": mb}},
                           {"detail": f"请求体过大，上限 {mb} MB (request body too large: at most {mb} MB)"})

    async def _refuse(self, scope, receive, send, status: int, found: dict, payload: dict | None = None) -> None:
        response = self.page(scope, status, found) if self.page is not None else None
        if response is not None:
            await response(scope, receive, send)
            return
        payload = payload or {"detail": [found]}
        request = Request(scope)  # the reasons in the one language the client reads (web/problems)
        if isinstance(payload["detail"], str):
            payload = {"detail": said(request, payload["detail"])}
        else:
            payload = {"detail": [{**d, "msg": said(request, d["msg"])} if "msg" in d else d
                                  for d in payload["detail"]]}
        await _answer(send, status, payload)


async def _answer(send, status: int, payload: dict) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
