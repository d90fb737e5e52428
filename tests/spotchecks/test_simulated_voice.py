"""The demo's simulated voice channel drives the real automated path: round → outbox → a running dispatcher →
the simulator's callbacks → the app's /callbacks route → receipts → the spot-check result.

A fresh committed database per module (SQLite and PostgreSQL), the app under uvicorn, a dispatcher thread.
The clock is real time plus an offset the test moves forward to reach the five-minute retries.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from core.errors import Invalid
from core.settings import Settings
from engine.dispatcher import Dispatcher
from models.deliveries import ChannelConfigCreate, ChannelConfigUpdate
from notifiers import registry
from notifiers.base import CallbackRejected, CallbackRequest
from services import deliveries
from services.spotchecks import calls
from tests.conftest import PG_URL, _pg_available
from tests.peers import serve
from tests.spotchecks.live_voice import VoiceWorld, fresh_database

TOKEN = "sim-token-123"
FAST = {"answer_seconds": 0.2, "key_seconds": 0.3, "give_up_seconds": 0.2,
        "no_answer_patterns": ["*7770001"], "busy_patterns": ["*7770002"], "callback_token": TOKEN}


class LiveClock:
    """Real time plus a jump the test controls (the simulator stamps receipts with real time)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class SimWorld(VoiceWorld):
    """VoiceWorld with the demo's simulated channel as the only voice channel (name unlike the setting)."""

    def __init__(self, engine, settings, app_url, clock) -> None:
        super().__init__(engine, settings, app_url, None, "http://127.0.0.1:9", clock)
        with Session(engine) as s:  # the Aliyun channel VoiceWorld made is disabled: only the simulator calls
            deliveries.update_channel(session=s, name="voice", actor="test", key=self.key,
                                      data=ChannelConfigUpdate(enabled=False))
            calls.add_demo_voice(s, name="demo_voice", key=self.key, actor="test", config=FAST)
            s.commit()

    def round_now(self) -> dict[str, int]:
        return self.round(self.clock())

    def wait_for_result(self, planned, seconds: float = 15):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.round_now()
            if found := self.results(planned):
                return found
            time.sleep(0.2)
        return []


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    if request.param == "postgresql" and not _pg_available(PG_URL):
        pytest.skip("PostgreSQL not reachable")
    from dutydesk.composition import build_web_app

    tmp = tmp_path_factory.mktemp("sim")
    settings = Settings(environment="test", data_dir=tmp, flows={"mode": "off"})
    clock = LiveClock()
    with fresh_database(request.param, tmp, PG_URL) as engine:
        app = build_web_app(settings, engine)
        app.state.clock = clock
        with serve(app) as app_url:
            w = SimWorld(engine, settings, app_url, clock)
            d = Dispatcher(engine, key=w.key, public_url=app_url, poll=0.1, now=clock)
            d.start()
            try:
                yield w
            finally:
                d.stop()


def test_the_simulator_is_chosen_although_the_setting_names_aliyun(world):
    with Session(world.engine) as s:
        assert calls.voice_channel(s, world.settings.spotchecks) == "demo_voice"


def test_a_due_check_is_called_through_the_simulator_and_recorded_present(world):
    pc = world.automated_check("模拟正常镇", "0838-6211110", world.clock() - timedelta(seconds=30))
    assert world.round_now()["started"] == 1
    [check] = world.wait_for_result(pc)
    assert (check.outcome, check.mode) == ("normal", "automated")
    assert check.answered_at and check.key_at and check.key_at >= check.answered_at
    [call] = world.calls_for(pc)
    assert call.channel == "demo_voice" and call.provider_message_id.startswith("sim-") and call.acked_at


@pytest.mark.parametrize(("phone", "outcome"), [("0838-7770001", "no_answer"), ("0838-7770002", "busy")])
def test_a_line_that_never_answers_is_called_three_times_then_recorded_as_failed(world, phone, outcome):
    pc = world.automated_check(f"模拟{outcome}镇", phone, world.clock() - timedelta(seconds=30))
    world.round_now()
    for n in (1, 2, 3):
        deadline = time.monotonic() + 15
        while len([c for c in world.calls_for(pc) if c.state == "failed"]) < n:  # the simulator's receipt came
            assert time.monotonic() < deadline, f"call {n} got no {outcome} receipt"
            time.sleep(0.2)
        world.clock.offset += timedelta(minutes=5, seconds=1)
        world.round_now()
    [check] = world.wait_for_result(pc, seconds=5)
    assert check.outcome == outcome and "第3次" in check.notes
    assert len(world.calls_for(pc)) == 3


def test_a_callback_with_a_bad_token_is_401_and_changes_nothing(world):
    pc = world.automated_check("伪造模拟镇", "0838-7770001", world.clock() - timedelta(seconds=30))
    world.round_now()
    deadline = time.monotonic() + 15
    while not world.call_ids(pc):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    [call] = world.call_ids(pc)
    forged = {"call_id": call, "event": "key_press", "key": "1", "at": world.clock().isoformat()}
    r = httpx.post(f"{world.app_url}/callbacks/demo_voice?token=guess", json=forged, timeout=10)
    assert r.status_code == 401
    r = httpx.post(f"{world.app_url}/callbacks/demo_voice", json=forged, timeout=10)
    assert r.status_code == 401
    assert not any(c.acked_at for c in world.calls_for(pc))


def test_parse_callback_refuses_a_wrong_token_and_reads_the_events():
    cls = registry.get("simulated_voice")
    assert cls.title == "模拟语音（演示用）" and "模拟" in cls(cls.Config(**FAST)).describe()
    assert TOKEN not in cls(cls.Config(**FAST)).describe()
    n = cls(cls.Config(**FAST))
    body = b'{"call_id": "sim-1", "event": "key_press", "key": "1", "at": "2026-11-20T18:00:09+00:00"}'
    with pytest.raises(CallbackRejected):
        n.parse_callback(CallbackRequest(url="http://x/callbacks/s", query={"token": "nope"}, body=body))
    [r] = n.parse_callback(CallbackRequest(url="http://x/callbacks/s", query={"token": TOKEN}, body=body))
    assert (r.kind, r.key, r.provider_message_id, r.at) == ("key_press", "1", "sim-1",
                                                           datetime(2026, 11, 20, 18, 0, 9, tzinfo=UTC))
    assert [e for _, e in n.script("083877700 01".replace(" ", ""))] == ["no_answer"]
    assert [e for _, e in n.script("08386211110")] == ["answered", "key_press"]
    # a number given a duty code keys it after the confirm key (as a provider reports the call's keys)
    coded = cls(cls.Config(**FAST, duty_codes={"*6211110": "4821"}))
    assert (coded.keys("08386211110"), coded.keys("08381234567")) == ("14821#", "1")


def test_production_refuses_the_simulator_with_a_clear_error(session, monkeypatch):
    monkeypatch.setenv("DUTYDESK_ENVIRONMENT", "production")
    with pytest.raises(Invalid) as err:
        deliveries.create_channel(session=session, actor="test", key="k" * 32, data=ChannelConfigCreate(
            name="sim", kind="simulated_voice", config=FAST))
    assert "生产环境" in err.value.reason
    assert calls.add_demo_voice(session, name="sim", key="k" * 32, actor="test", config=FAST) is None
