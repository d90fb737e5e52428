"""Scale-out on PostgreSQL: escalation step lateness p99 and delivery throughput with 1, 2, 3 engine instances.

Each count gets a fresh database, `dutydesk serve --role engine` processes and the loopback webhook sink.
Lateness: N open escalations whose first steps fall due spread over a window after the engines are up
(goal p99 ≤ 1 s). Throughput: M queued deliveries, timed from the engines' start to the last one sent.
Not run in CI: `python -m bench.bench_scale` (10,000 escalations) or `--quick`. Prints wall and CPU time.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import func
from sqlmodel import Session, select

from models.deliveries import Delivery
from models.directory import PersonCreate, UnitCreate, UnitType
from services import deliveries
from services.directory import org
from tests.conftest import PG_URL
from tests.scale import cluster
from tests.scale.helpers import open_escalation
from web.scale_metrics import step_lateness


def _person(engine):
    with Session(engine, expire_on_commit=False) as s:
        hub = org.create_unit(session=s, actor="b", data=UnitCreate(name="市总值班室", code="hub",
                                                                    type=UnitType.county_office))
        p = org.create_person(session=s, actor="b", data=PersonCreate(name="带班领导", unit_id=hub.id))
        s.commit()
        return hub.id, p.id


def _engines(url: str, tmp: Path, n: int) -> list[cluster.Instance]:
    tmp.mkdir(parents=True, exist_ok=True)
    out = [cluster.Instance(url, tmp, f"engine-{i}") for i in range(n)]
    try:
        for inst in out:
            inst.ready(120)
    except BaseException:
        for inst in out:
            inst.stop()
        raise
    return out


def lateness(n: int, escalations: int, window_s: float, tmp: Path) -> dict:
    """Step lateness with `n` engines; first steps due from boot+30 s over `window_s` seconds."""
    with cluster.fresh_database(PG_URL) as (engine, url):
        sink, sink_url = cluster.start_sink()
        cluster.add_webhook_channel(engine, "hook", sink_url)
        unit, person = _person(engine)
        start = datetime.now(UTC)
        lead_s = 30 + escalations / 100  # seeding and boot take time; steps fall due after that
        with Session(engine) as s:
            for i in range(escalations):
                delay_min = (lead_s + window_s * i / escalations) / 60
                open_escalation(s, unit_id=unit, person_id=person, now=start, steps=1, channel="hook",
                                start_delay_minutes=delay_min)
                if i % 200 == 199:
                    s.commit()
            s.commit()
        instances = []
        try:
            instances = _engines(url, tmp / f"lat{n}", n)
            time.sleep(max(0.0, lead_s + window_s + 5 - (datetime.now(UTC) - start).total_seconds()))
            with Session(engine) as s:
                late = sorted(step_lateness(s, start))
        finally:
            for inst in instances:
                inst.stop()
            cluster.stop_process(sink)
    p99 = late[int(len(late) * 0.99) - 1] if late else float("nan")
    return {"instances": n, "steps": len(late), "p50_s": round(statistics.median(late), 3) if late else None,
            "p99_s": round(p99, 3), "max_s": round(late[-1], 3) if late else None}


def throughput(n: int, count: int, tmp: Path) -> dict:
    """Deliveries per second with `n` engines, sink answering in 50 ms (a provider's API)."""
    with cluster.fresh_database(PG_URL) as (engine, url):
        sink, sink_url = cluster.start_sink(latency=0.05)
        cluster.add_webhook_channel(engine, "hook", sink_url)
        with Session(engine) as s:
            for i in range(count):
                deliveries.enqueue(session=s, source="bench", source_id="x", step=str(i), recipient={"name": f"r{i}"},
                                   channel="hook", subject="通知", text=f"第{i}号通知")
            s.commit()
        t0 = time.perf_counter()
        instances = []
        try:
            instances = _engines(url, tmp / f"thr{n}", n)
            t_ready = time.perf_counter()
            while True:
                with Session(engine) as s:
                    left = s.exec(select(func.count()).select_from(Delivery).where(
                        Delivery.state.in_(["queued", "sending"]))).one()
                if not left:
                    break
                time.sleep(0.2)
            elapsed = time.perf_counter() - t_ready
            stats = cluster.get_json(sink_url + "/stats")
        finally:
            for inst in instances:
                inst.stop()
            cluster.stop_process(sink)
    return {"instances": n, "deliveries": count, "per_s": round(count / elapsed), "boot_s": round(t_ready - t0, 1),
            "duplicates": stats["duplicates"]}


def run(quick: bool = False) -> dict:
    escalations, window, count = (500, 20.0, 2_000) if quick else (10_000, 120.0, 20_000)
    wall, cpu = time.perf_counter(), time.process_time()
    out = {"lateness": [], "throughput": [], "machine_cores": os.cpu_count()}
    with TemporaryDirectory() as tmp:
        for n in (1, 2, 3):
            r = lateness(n, escalations, window, Path(tmp))
            out["lateness"].append(r)
            print(f"{n} engine(s): {r['steps']} steps, lateness p50 {r['p50_s']} s, p99 {r['p99_s']} s, max {r['max_s']} s")
        for n in (1, 2, 3):
            r = throughput(n, count, Path(tmp))
            out["throughput"].append(r)
            print(f"{n} engine(s): {r['per_s']}/s over {count} deliveries to a 50 ms sink")
    out["wall_s"], out["cpu_s_this_process"] = round(time.perf_counter() - wall, 1), round(time.process_time() - cpu, 1)
    print(f"wall {out['wall_s']} s, CPU (this process, engines not included) {out['cpu_s_this_process']} s")
    return out


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
