"""How flows run when embedded: `dutydesk serve` owns a Prefect server.

ARCHITECTURE.md: relying on Prefect's ephemeral mode orphans a server on
SIGKILL, so embedded mode starts (or reuses) one `prefect server start` on
loopback with its state in the data folder, and stops what it started. The
engine's clock then calls `run_flow`, which runs the async flow against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from flows.schedules import load_flow

log = logging.getLogger("dutydesk.flows")
FLOW_RUNS: dict[tuple[str, str], int] = {}  # (flow target, completed|failed) -> runs in this process (/metrics)


def prefect_env(home: Path, api_url: str) -> dict[str, str]:
    """Environment for Prefect in this deployment: no telemetry, state under `home`."""
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


class PrefectServer:
    """Start, reuse and stop the embedded Prefect server."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.home = (data_dir / "prefect").resolve()
        self.port = port
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.process: subprocess.Popen | None = None
        self.adopted_pid: int | None = None
        self.pidfile = self.home / "server.pid"

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, wait: float = 60.0) -> bool:
        """Reuse a server answering on the port, or start one; True once it answers."""
        os.environ.update(prefect_env(self.home, self.api_url))
        if self.healthy():
            # A server left by a killed `serve` (its pid file names it) is adopted and
            # stopped with us; one started by someone else is only reused.
            self.adopted_pid = self._orphan_pid()
            log.info("reusing Prefect server at %s%s", self.api_url,
                     f" (adopted pid {self.adopted_pid})" if self.adopted_pid else "")
            return True
        self.home.mkdir(parents=True, exist_ok=True)
        logfile = open(self.home / "server.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, **prefect_env(self.home, self.api_url)}, stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pidfile.write_text(str(self.process.pid))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log.error("Prefect server exited with %s; see %s", self.process.returncode, self.home / "server.log")
                return False
            if self.healthy():
                log.info("Prefect server started at %s (pid %s)", self.api_url, self.process.pid)
                return True
            time.sleep(0.5)
        log.error("Prefect server did not answer within %.0f s", wait)
        return False

    def _orphan_pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"prefect" in cmdline and b"server" in cmdline else None

    def stop(self) -> None:
        """Stop the server this process started or adopted (a foreign one is left running)."""
        if self.adopted_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.adopted_pid, signal.SIGTERM)
            self.pidfile.unlink(missing_ok=True)
            log.info("adopted Prefect server stopped")
            return
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.pidfile.unlink(missing_ok=True)
        log.info("Prefect server stopped")


def run_flow(target: str, **params) -> object:
    """Run an async flow to completion in this thread (called from the clock's worker pool)."""
    flow = load_flow(target)
    try:
        result = asyncio.run(flow(**params))
    except Exception:
        FLOW_RUNS[(target, "failed")] = FLOW_RUNS.get((target, "failed"), 0) + 1
        log.exception("flow %s failed", target)  # Prefect records the failed run; the log says it too
        raise
    FLOW_RUNS[(target, "completed")] = FLOW_RUNS.get((target, "completed"), 0) + 1
    return result
