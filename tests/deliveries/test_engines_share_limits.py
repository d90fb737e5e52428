"""Three engine processes (`dutydesk serve --role engine`, real subprocesses) send for one robot, a loopback sink.

A WeCom robot takes 20 messages a minute; with each engine counting its own 20 the provider saw 60 and shut the
robot for ten minutes. Here the same rule runs shorter (5 per 3 s) so the test takes seconds, on a SQLite file
and on PostgreSQL: three times the limit queued at once reaches the sink at most 5 in any window, every message
once; and a provider's 429 Retry-After met by one engine holds all three. (tests/scale/test_shared_limits.py
trickles messages in instead.)
"""

from __future__ import annotations

import time
import urllib.request

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.deliveries import ChannelConfigCreate, Delivery
from services import deliveries
from tests.scale import cluster

pytestmark = pytest.mark.slow
COUNT, WINDOW = 5, 3.0
SLACK = 0.25  # between an engine taking its slot and the request reaching the sink


def most_in_any_window(times: list[float], width: float) -> int:
    times = sorted(times)
    return max((sum(1 for u in times[i:] if u - t < width) for i, t in enumerate(times)), default=0)


def _enqueue(engine, n: int, start: int = 0) -> None:
    with Session(engine) as s:
        for i in range(start, start + n):
            deliveries.enqueue(session=s, source="test", source_id="limit", step=str(i), recipient={"name": f"r{i}"},
                               channel="robot", subject="值班通知", text=f"第{i}号通知")
        s.commit()


def _drain(engine, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with Session(engine) as s:
            left = s.exec(select(func.count()).select_from(Delivery).where(
                Delivery.state.in_(["queued", "sending"]))).one()
        if left == 0:
            return
        assert time.monotonic() < deadline, f"{left} messages never sent"
        time.sleep(0.25)


class Robot:
    """The sink behind a channel `robot`, and three engines sending for it."""

    def __init__(self, kind: str, tmp_path, **channel) -> None:
        self.kind, self.tmp_path, self.channel = kind, tmp_path, channel

    def __enter__(self):
        self._db = cluster.own_database(self.kind, self.tmp_path)
        self.engine, url = self._db.__enter__()
        self.sink, self.url = cluster.start_sink()
        with Session(self.engine) as s:
            deliveries.create_channel(session=s, actor="test", key=cluster.KEY, data=ChannelConfigCreate(
                name="robot", kind="webhook", config={"base_url": f"{self.url}/hook", "timeout": 10}, **self.channel))
            s.commit()
        self.instances = [cluster.Instance(url, self.tmp_path, f"engine-{i}") for i in range(3)]
        for inst in self.instances:
            inst.ready()
        return self

    def __exit__(self, *exc) -> None:
        self.alive = all(inst.proc.poll() is None for inst in self.instances)
        for inst in self.instances:
            inst.stop()
        cluster.stop_process(self.sink)
        self._db.__exit__(*exc)

    def states(self) -> set[str]:
        with Session(self.engine) as s:
            return set(s.exec(select(Delivery.state)).all())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_three_times_the_limit_queued_at_once_reaches_the_robot_at_its_limit(kind, tmp_path):
    messages = 3 * COUNT  # the 60 queued for a robot of 20 a minute
    with Robot(kind, tmp_path, rate_count=COUNT, rate_seconds=WINDOW) as robot:
        _enqueue(robot.engine, messages)  # one commit: every engine finds all of them due at its next poll
        _drain(robot.engine, messages / COUNT * WINDOW + 30)
        stats = cluster.get_json(robot.url + "/stats")
        arrivals = sorted(cluster.get_json(robot.url + "/times").values())
        states = robot.states()
    assert robot.alive
    assert stats == {"received": messages, "unique": messages, "duplicates": 0}, stats  # none lost, none twice
    assert states == {"sent"}, states
    first = sum(1 for t in arrivals if t - arrivals[0] < WINDOW - SLACK)
    busiest = most_in_any_window(arrivals, WINDOW - SLACK)
    assert first <= COUNT, f"{first} of {messages} reached the robot in its first {WINDOW} s (limit {COUNT})"
    assert busiest <= COUNT, f"{busiest} messages reached the robot within {WINDOW - SLACK} s (limit {COUNT})"
    spread = arrivals[-1] - arrivals[0]
    assert spread >= (messages / COUNT - 1) * WINDOW - SLACK  # deferred to the next windows, not sent early
    print(f"\n{kind}: {messages} queued at once, {first} in the first {WINDOW} s window, at most {busiest} in any "
          f"{WINDOW - SLACK} s; all {messages} within {spread:.1f} s")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_providers_retry_after_holds_every_engine(kind, tmp_path):
    """One engine meets a 429 with Retry-After: 4; the other two stop too, instead of meeting their own."""
    hold, messages = 4.0, 24
    with Robot(kind, tmp_path) as robot:  # no limit of our own: only the provider's word holds the engines
        urllib.request.urlopen(urllib.request.Request(f"{robot.url}/refuse?seconds={hold:g}", method="POST"),
                               timeout=5).read()
        for i in range(messages):  # ten a second over 2.4 s: every engine's polls find some
            _enqueue(robot.engine, 1, start=i)
            time.sleep(0.1)
        _drain(robot.engine, hold + 30)
        stats = cluster.get_json(robot.url + "/stats")
        hits = cluster.get_json(robot.url + "/hits")
        states = robot.states()
    assert robot.alive
    (refused_at,) = hits["refused"]
    # the sends already on the wire when the 429 came back, and one hold-read's freshness (0.2 s), may arrive
    during = [t - refused_at for t in hits["hits"] if 0.5 < t - refused_at < hold - SLACK]
    assert during == [], f"{len(during)} messages reached the provider during its {hold} s pause"
    assert stats == {"received": messages, "unique": messages, "duplicates": 0}, stats  # the refused one resent
    assert states == {"sent"}, states
    after = min(t - refused_at for t in hits["hits"] if t > refused_at + 0.5)
    print(f"\n{kind}: 429 Retry-After {hold:g} s at one engine; next message at the provider after {after:.2f} s; "
          f"{len(hits['hits'])} requests for {messages} messages")
