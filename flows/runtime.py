"""How flows run when embedded: `dutydesk serve` owns a Prefect server.

ARCHITECTURE.md: relying on Prefect's ephemeral mode orphans a server on
SIGKILL, so embedded mode starts (or reuses) one `prefect server start` on
loopback with its state in the data folder, and stops what it started. The
engine's clock then calls `run_flow`, which runs the async flow against it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

log = logging.getLogger("dutydesk.flows")


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

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self, wait: float = 60.0) -> bool:
        """Reuse a server answering on the port, or start one; True once it answers."""
        os.environ.update(prefect_env(self.home, self.api_url))
        if self.healthy():
            log.info("reusing Prefect server at %s", self.api_url)
            return True
        self.home.mkdir(parents=True, exist_ok=True)
        logfile = open(self.home / "server.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, **prefect_env(self.home, self.api_url)}, stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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

    def stop(self) -> None:
        """Stop the server this process started (a reused one is left running)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        log.info("Prefect server stopped")


def run_flow(target: str, **params) -> object:
    """Run an async flow to completion in this thread (called from the clock's worker pool)."""
    from flows.schedules import load_flow

    flow = load_flow(target)
    try:
        return asyncio.run(flow(**params))
    except Exception:
        log.exception("flow %s failed", target)  # Prefect records the failed run; the log says it too
        raise
