"""A real `dutydesk serve` on a fresh demo database, and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict, *args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "dutydesk.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)  # a deadline: on a busy machine (two workers) the demo seed takes longer
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The base URL of `dutydesk serve` (flows off) on a migrated, demo-seeded SQLite database."""
    home = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {**os.environ, "DUTYDESK_DB__URL": f"sqlite:///{home / 'demo.db'}", "DUTYDESK_DATA_DIR": str(home),
           "DUTYDESK_ENVIRONMENT": "development", "DUTYDESK_FLOWS__MODE": "off", "DUTYDESK_WEB__PORT": str(port)}
    _cli(env, "db", "upgrade")
    _cli(env, "demo", "seed")
    log = open(home / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "dutydesk.cli", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # returns the moment it answers
        while True:
            assert proc.poll() is None, (home / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "dutydesk serve did not get ready in 180 s"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    """Module-scoped on purpose: Playwright's sync API keeps an event loop running in this thread while it
    is open, which breaks every later test that calls asyncio.run."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(10_000)
    blocked: list[str] = []  # what the Content-Security-Policy refused (an inline script or style left somewhere)
    p.on("console", lambda m: blocked.append(f"{p.url}: {m.text}") if "Content Security Policy" in m.text else None)
    yield p
    context.close()
    assert not blocked, "the CSP blocked:\n" + "\n".join(blocked)
