"""Automated spot checks end to end: a fresh committed database, the real dispatcher, the app and a voice gateway.

The dispatcher reads and writes through its own connections, so these tests cannot live inside the rolled-back
test transaction: each module gets a fresh SQLite file and a fresh PostgreSQL database. The app is served by
uvicorn; the gateway (tests/peers/aliyun.py) takes the IvrCall and its receipt pushes are POSTed to the app's
real /callbacks/{channel} route. Time is a controllable clock shared by the round, the dispatcher and the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from core import db
from core.settings import Settings
from engine.dispatcher import Dispatcher
from models import schema
from models.deliveries import ChannelConfigCreate, Delivery
from models.directory import UnitCreate, UnitType
from models.spotchecks.checks import CheckMode, PhoneCheck, PlannedCheck
from services import deliveries
from services.directory import org
from services.spotchecks import ivr
from services.spotchecks.plans import make_plan
from tests.spotchecks.conftest import SETTINGS

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # 02:00 local: a night check
TOKEN = "cb-spot-token"
CHANNEL = "voice"


@contextlib.contextmanager
def fresh_database(kind: str, tmp_dir, pg_url: str):
    """A migrated, empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        eng = db.make_engine(f"sqlite:///{tmp_dir / 'live.db'}")
        schema.upgrade(eng)
        yield eng
        eng.dispose()
        return
    name = f"dutydesk_live_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = db.make_engine(make_url(pg_url).set(database=name).render_as_string(hide_password=False), pool_size=5)
    try:
        schema.upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Clock:
    """The one notion of now for the round, the dispatcher and the app."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def china(at: datetime) -> str:
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


class VoiceWorld:
    """A county with a voice channel pointed at the gateway; one helper per thing the test does."""

    def __init__(self, engine, settings: Settings, app_url: str, peer, peer_url: str, clock: Clock) -> None:
        self.engine, self.settings, self.app_url, self.peer, self.clock = engine, settings, app_url, peer, clock
        self.key = settings.secret_key.get_secret_value()
        with Session(engine) as s:
            hub = org.create_unit(session=s, actor="test", data=UnitCreate(name="县政府总值班室", code="hub",
                                                                           type=UnitType.county_office))
            self.hub_id = hub.id
            self._town(s, "高观镇", "0838-1234567")
            self.plan_id = make_plan(session=s, quarter="2026Q4", seed=7, actor="test", now=T0, settings=SETTINGS).id
            deliveries.create_channel(session=s, actor="test", key=self.key, data=ChannelConfigCreate(
                name=CHANNEL, kind="aliyun_vms", config={
                    "base_url": peer_url, "access_key_id": "LTAI-test", "access_key_secret": "secret-test",
                    "called_show_number": "057100000000", "start_code": "TTS_SPOT", "confirm_code": "TTS_OK",
                    "text_param": "content", "callback_token": TOKEN, "timeout": 2}))
            s.commit()

    def _town(self, s: Session, name: str, phone: str):
        return org.create_unit(session=s, actor="test", data=UnitCreate(
            name=name, code=f"t{uuid.uuid4().hex[:6]}", type=UnitType.town, parent_id=self.hub_id, duty_phone=phone))

    def automated_check(self, name: str, phone: str, due: datetime) -> PlannedCheck:
        """A town with its automated check planned at `due` (the plan's secret time)."""
        with Session(self.engine, expire_on_commit=False) as s:
            unit = self._town(s, name, phone)
            pc = PlannedCheck(plan_id=self.plan_id, unit_id=unit.id, planned_at=due, mode=CheckMode.automated,
                              reasons=[], why="test")
            s.add(pc)
            s.commit()
            return pc

    def round(self, at: datetime) -> dict[str, int]:
        """The spot-check round as the flow runs it (one transaction)."""
        self.clock.at = at
        with Session(self.engine) as s:
            counts = ivr.run_round(session=s, now=at, settings=SETTINGS)
            s.commit()
        return counts

    def dispatch(self, at: datetime) -> int:
        """A fresh dispatcher (its provider throttle is real time; ours jumps minutes) sends what is due."""
        self.clock.at = at
        d = Dispatcher(self.engine, key=self.key, public_url=self.app_url, poll=0.05, now=self.clock)
        return asyncio.run(d.run_until_idle(timeout=2))

    def push(self, body: bytes, at: datetime, token: str = TOKEN) -> httpx.Response:
        """The gateway's receipt push, POSTed to the app's callback route."""
        self.clock.at = at
        return httpx.post(f"{self.app_url}/callbacks/{CHANNEL}?token={token}", content=body,
                          headers={"Content-Type": "application/json"}, timeout=10)

    def calls_for(self, planned: PlannedCheck) -> list[Delivery]:
        with Session(self.engine) as s:
            return list(s.exec(select(Delivery).where(Delivery.source_id == str(planned.id))
                               .order_by(Delivery.created_at, Delivery.step)))

    def call_ids(self, planned: PlannedCheck) -> list[str]:
        return [d.provider_message_id for d in self.calls_for(planned) if d.provider_message_id]

    def results(self, planned: PlannedCheck) -> list[PhoneCheck]:
        with Session(self.engine) as s:
            return list(s.exec(select(PhoneCheck).where(PhoneCheck.planned_check_id == planned.id)
                               .order_by(PhoneCheck.recorded_at)))

    def planned(self, planned: PlannedCheck) -> PlannedCheck:
        with Session(self.engine) as s:
            return s.get(PlannedCheck, planned.id)


def after(at: datetime, **kw) -> datetime:
    return at + timedelta(**kw)
