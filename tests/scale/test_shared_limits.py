"""Three `dutydesk serve --role engine` processes send for one robot: its limit holds for all three together.

A WeCom robot takes 20 messages a minute; with each engine counting its own 20 the provider saw 60 and shut the
robot for ten minutes. Here the robot is a loopback sink behind a channel limited to 5 per 3 s (the same rule,
shorter); 20 messages arrive in the outbox over two seconds, so each engine's poll claims some of them. At the
sink no 3 s holds more than 5 arrivals (less 0.25 s for the time between taking a slot and the request
arriving), every message arrives once, and none is lost.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.deliveries import ChannelConfigCreate, Delivery
from services import deliveries
from tests.scale import cluster

pytestmark = pytest.mark.slow
MESSAGES, COUNT, WINDOW, SLACK = 20, 5, 3.0, 0.25


def most_in_any_window(times: list[float], width: float) -> int:
    times = sorted(times)
    return max((sum(1 for u in times[i:] if u - t < width) for i, t in enumerate(times)), default=0)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_three_engines_keep_one_robots_limit_together(kind, tmp_path):
    with cluster.own_database(kind, tmp_path) as (engine, url):
        sink, sink_url = cluster.start_sink()
        with Session(engine) as s:
            deliveries.create_channel(session=s, actor="test", key=cluster.KEY, data=ChannelConfigCreate(
                name="robot", kind="webhook", rate_count=COUNT, rate_seconds=WINDOW,
                config={"base_url": f"{sink_url}/hook", "timeout": 10}))
            s.commit()
        instances = [cluster.Instance(url, tmp_path, f"engine-{i}") for i in range(3)]
        try:
            for inst in instances:
                inst.ready()
            for i in range(MESSAGES):  # ten a second: the engines' polls (every 0.5 s) each find a few
                with Session(engine) as s:
                    deliveries.enqueue(session=s, source="scale", source_id="limit", step=str(i),
                                       recipient={"name": f"r{i}"}, channel="robot", subject="值班通知",
                                       text=f"第{i}号通知")
                    s.commit()
                time.sleep(0.1)
            deadline = time.monotonic() + MESSAGES / COUNT * WINDOW + 30
            while True:
                with Session(engine) as s:
                    left = s.exec(select(func.count()).select_from(Delivery).where(
                        Delivery.state.in_(["queued", "sending"]))).one()
                if left == 0:
                    break
                assert time.monotonic() < deadline, f"{left} messages never sent"
                time.sleep(0.5)
            stats = cluster.get_json(sink_url + "/stats")
            arrivals = list(cluster.get_json(sink_url + "/times").values())
            alive = all(inst.proc.poll() is None for inst in instances)
        finally:
            for inst in instances:
                inst.stop()
            cluster.stop_process(sink)
        assert alive
        assert stats == {"received": MESSAGES, "unique": MESSAGES, "duplicates": 0}, stats
        busiest = most_in_any_window(arrivals, WINDOW - SLACK)
        assert busiest <= COUNT, f"{busiest} messages reached the robot within {WINDOW - SLACK} s (limit {COUNT})"
        with Session(engine) as s:
            states = set(s.exec(select(Delivery.state)).all())
        assert states == {"sent"}, states
        spread = max(arrivals) - min(arrivals)
        print(f"\n{kind}: {MESSAGES} messages over {spread:.1f} s, at most {busiest} in any {WINDOW - SLACK} s")
