"""PostgreSQL restarted while `dutydesk serve` dispatches: everything is delivered, once, with no manual step.

The server restarted is one of this test's own (initdb in a temporary directory, on a free port), so the
restart cuts no other test's connections: not those of the other pytest-xdist worker, nor another run's.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.deliveries import Delivery
from services import deliveries
from tests.peers import free_port
from tests.scale import cluster

pytestmark = pytest.mark.slow
N = 2_000


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL server: trust authentication on 127.0.0.1, its socket in its own directory.
    As root it runs as the postgres account (PostgreSQL refuses to run as root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.home = Path(tempfile.mkdtemp(prefix="dutydesk-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.home, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data, self.port = self.home / "data", free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self.as_user, *args], cwd=self.home, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"

    def ctl(self, action: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.home / "server.log"), "-w",
                  "-t", "60", "-m", "fast", action)

    def ready(self) -> bool:
        return subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                              timeout=30).returncode == 0

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.home}'\n")
        self.ctl("start")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.home, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries missing (/usr/lib/postgresql/*/bin): CI must test it")
        pytest.skip("PostgreSQL's server binaries missing (/usr/lib/postgresql/*/bin)")
    pg = PrivatePostgres(bin_dir)
    try:
        pg.start()
        yield pg
    finally:
        pg.close()


def test_service_recovers_from_a_database_restart(tmp_path):
    with private_postgres() as pg, cluster.fresh_database(pg.url) as (engine, url):
        sink, sink_url = cluster.start_sink(latency=0.02)
        cluster.add_webhook_channel(engine, "hook", sink_url, concurrency=16)
        inst = cluster.Instance(url, tmp_path, "engine-0")
        try:
            inst.ready()
            with Session(engine) as s:
                for i in range(N):
                    deliveries.enqueue(session=s, source="restart", source_id="x", step=str(i),
                                       recipient={"name": f"r{i}"}, channel="hook", subject="通知", text=f"第{i}号")
                s.commit()
            while cluster.get_json(sink_url + "/stats")["received"] < N * 0.2:
                time.sleep(0.05)
            try:
                pg.ctl("restart")
            finally:
                if not pg.ready():
                    pg.ctl("start")  # the service must find it back
            deadline = time.monotonic() + 90
            while True:
                with Session(engine) as s:  # pool_pre_ping replaces the connections the restart cut
                    states = Counter(s.exec(select(Delivery.state)).all())
                if set(states) <= {"sent", "delivered"} or time.monotonic() > deadline:
                    break
                time.sleep(1)
            stats = cluster.get_json(sink_url + "/stats")
            alive = inst.proc.poll() is None
        finally:
            inst.stop()
            cluster.stop_process(sink)
    assert alive, "serve exited instead of waiting for the database"
    assert set(states) <= {"sent", "delivered"} and sum(states.values()) == N, states
    assert stats["unique"] == N and stats["duplicates"] == 0, stats
    log = (tmp_path / "engine-0.log").read_text(errors="replace")
    assert "retrying" in log or "failed" in log, "the outage left no trace in the logs"
