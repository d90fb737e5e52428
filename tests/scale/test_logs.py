"""Structured logs: one JSON object per line naming the request and the incident."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from core import logs


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter("web-1"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_request_and_incident_ids_reach_every_line(app, captured):
    probe = logging.getLogger("dutydesk.probe")

    @app.get("/_probe")
    def _probe():  # a sync handler runs in a worker thread: the context must follow it there
        probe.info("outside")
        with logs.incident_context("7f3c"):
            probe.warning("inside 事件")
        return {}

    with TestClient(app) as c:
        r = c.get("/_probe", headers={"X-Request-ID": "req-42"})
        assert r.headers["X-Request-ID"] == "req-42"
        c.get("/_probe")  # an id is made up when the caller sends none
    found = [x for x in lines(captured) if x["logger"] == "dutydesk.probe"]
    assert [(x["message"], x["request_id"], x["incident_id"]) for x in found[:2]] == [
        ("outside", "req-42", None), ("inside 事件", "req-42", "7f3c")]
    assert found[2]["request_id"] not in (None, "req-42") and len(found[2]["request_id"]) == 16
    assert {"time", "level", "logger", "message", "instance"} <= found[1].keys()
    assert found[1]["level"] == "WARNING" and found[1]["instance"] == "web-1"
    probe.info("after the request")
    assert lines(captured)[-1]["request_id"] is None  # the id does not leak past its request


def test_exceptions_are_one_line_with_the_traceback(captured):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("dutydesk.probe").exception("failed")
    last = lines(captured)[-1]
    assert last["message"] == "failed" and "ValueError: boom" in last["exc_info"]
    assert len(captured.getvalue().strip().splitlines()) == len(lines(captured))


def test_configure_json_makes_every_stderr_line_json():
    code = ("import logging; from core import logs; logs.configure('json', instance='e-1');"
            "logging.getLogger('uvicorn.error').info('started'); logging.getLogger('x').error('bad %s', 1)")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stderr
    parsed = [json.loads(line) for line in err.strip().splitlines()]
    assert [(p["logger"], p["message"], p["instance"]) for p in parsed] == [
        ("uvicorn.error", "started", "e-1"), ("x", "bad 1", "e-1")]
