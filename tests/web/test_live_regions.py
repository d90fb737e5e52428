"""A change's live regions pushed down each page's event stream (web/live_regions.py): no refetch per page.

What a user notices: the duty officer's open board and a unit reporter's open board each receive the new incident
in the event itself, each only what its own refetch would have shown (the reporter never the department's
incident), each page's forms with its own session's token; a page whose session has ended receives no regions."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from models.accounts import Role, UserCreate
from services import accounts, changes
from tests.incidents.conftest import landslide
from web.deps import SESSION_COOKIE
from web.live import Hub
from web.live_regions import page_of

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


class QuietHub(Hub):
    def _read(self, mark):  # no poller in a test: the test publishes
        return changes.Mark(started=True) if mark is None else set()


def _login(session, user) -> tuple[str, str]:
    token, row = accounts.start_session(session=session, user=user, now=NOW, hours=1)
    session.commit()
    return token, row.csrf_token


class Stream:
    """/events opened on the app itself (the test client would wait for the stream's end): its events as they come."""

    def __init__(self, app, token: str, page: str):
        self.events: asyncio.Queue = asyncio.Queue()
        query = f"topics=incidents&page={page}".encode()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": "/events", "raw_path": b"/events", "query_string": query,
                 "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
                 "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream"),
                             (b"cookie", f"{SESSION_COOKIE}={token}".encode())]}
        self._closed = asyncio.Event()
        self._buffer = ""
        self.task = asyncio.get_running_loop().create_task(app(scope, self._receive, self._send))

    async def _receive(self):
        if not hasattr(self, "_asked"):
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._closed.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message):
        if message["type"] != "http.response.body":
            return
        self._buffer += message.get("body", b"").decode().replace("\r\n", "\n")
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
            if "event" in fields:
                await self.events.put(fields)

    async def next(self, timeout: float = 10) -> dict:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def close(self):
        self._closed.set()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def test_each_open_board_receives_only_its_own_regions_and_an_ended_session_none(app, session, directory, users,
                                                                                 tokens):
    app.state.clock = lambda: NOW
    app.state.settings.web.live_stream_seconds = 60  # the tests' streams end at once otherwise
    hub = app.state.live_hub = QuietHub(session_factory=None, interval=3600)
    duty, duty2 = _login(session, users["duty_officer"]), _login(session, users["duty_officer"])
    town, gone = _login(session, users["unit_reporter"]), _login(session, users["unit_reporter"])
    with TestClient(app) as client:
        r = client.post("/api/incidents", headers=tokens["duty_officer"],
                        json=landslide(directory["dept"].id, NOW - timedelta(minutes=5), title="应急局塌方"))
        assert r.status_code == 201, r.text
        mine = client.post("/api/incidents", headers=tokens["unit_reporter"],
                           json=landslide(directory["town"].id, NOW - timedelta(minutes=2), title="高观镇自己的事件"))
        assert mine.status_code == 201, mine.text

    async def scenario():
        streams = []
        for token, _ in (duty, duty2, town, gone):  # one after the other: the test's one database session
            streams.append(Stream(app, token, "/incidents"))
            assert (await streams[-1].next())["event"] == "ready"
        accounts.end_session(session=session, token=gone[0])  # logged out while its board stays open
        session.commit()
        hub.publish({"incidents"})
        got = [await s.next() for s in streams]
        for s in streams:
            await s.close()
        return got

    got = asyncio.run(scenario())
    duty_ev, duty2_ev, town_ev, gone_ev = got
    assert [e["event"] for e in got] == ["regions", "regions", "regions", "change"]
    assert all(e["id"] == hub.version for e in got)
    boards = [json.loads(e["data"]) for e in (duty_ev, duty2_ev, town_ev)]
    assert all(b["topics"] == ["incidents"] and "board" in b["regions"] for b in boards)
    office, reporter = boards[0]["regions"]["board"], boards[2]["regions"]["board"]
    assert "应急局塌方" in office and "高观镇自己的事件" in office
    assert "高观镇自己的事件" in reporter and "应急局塌方" not in reporter  # only what its own refetch shows
    assert "<nav" not in office  # the live regions only
    assert "应急局塌方" not in gone_ev["data"] and gone_ev["data"] == "incidents"  # no regions: it refetches
    for (_, csrf), board in zip((duty, duty2, town), boards):
        text = json.dumps(board)
        for other in {duty[1], duty2[1], town[1]} - {csrf}:
            assert other not in text, "a page's forms must carry only its own session's token"
    assert app.state.live_pusher.renders == 2  # the duty officer's two boards: one render; the reporter's: its own
    with TestClient(app) as client:  # what the page's own refetch answers, for the same version
        refetched = client.get("/incidents", headers={"Cookie": f"{SESSION_COOKIE}={duty[0]}", "X-Live": hub.version})
    assert refetched.text == "\n".join(boards[0]["regions"].values())


def test_once_a_page_is_rendered_every_account_of_its_scope_shares_one_render(app, session, directory, users):
    app.state.clock = lambda: NOW
    app.state.settings.web.live_stream_seconds = 60
    hub = app.state.live_hub = QuietHub(session_factory=None, interval=3600)
    other = accounts.create_user(session=session, actor="test", data=UserCreate(
        username="duty_b", password="x" * 12, role=Role.duty_officer, unit_id=directory["hub"].id))
    session.commit()
    who = [_login(session, users["duty_officer"]), _login(session, other), _login(session, users["unit_reporter"])]

    async def scenario():
        streams = []
        for token, _ in who:
            streams.append(Stream(app, token, "/incidents"))
            assert (await streams[-1].next())["event"] == "ready"
        counts = []
        for _ in range(2):
            hub.publish({"incidents"})
            assert [(await s.next())["event"] for s in streams] == ["regions"] * 3
            counts.append(app.state.live_pusher.renders)
        hub.publish({"rosters"})  # a change no board listens to: no render, no event
        await asyncio.sleep(0.2)
        assert all(s.events.empty() for s in streams) and app.state.live_pusher.renders == counts[-1]
        for s in streams:
            await s.close()
        return counts

    first, second = asyncio.run(scenario())
    assert first == 3  # each account once: the route has not yet named the scope it decides by
    assert second - first == 2  # the two duty officers (one scope), the reporter (its unit)


def test_a_page_is_pushed_only_for_a_same_origin_console_page_with_live_regions():
    assert page_of("/incidents") == ("/incidents", "")
    assert page_of("/?lang=en") == ("/", "lang=en")
    assert page_of("/incidents/0b6e0d4e-3f6c-4a55-9d7e-0a1b2c3d4e5f") is not None
    for bad in ("", "incidents", "//evil.example/incidents", "http://evil.example/", "/logout", "/incidents/new",
                "/api/incidents", "/incidents\\x", "/incidents#board", "/\nincidents", "/" + "a" * 3000):
        assert page_of(bad) is None, bad
