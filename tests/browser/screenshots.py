"""`make screenshots` (python -m tests.browser.screenshots [OUT]): every menu page of every demo role at
1366×800 and at 390×844 with a phone's user agent, on a fresh demo database, into OUT (default
var/screenshots) with an index.html to review them side by side."""

from __future__ import annotations

import html
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from dutydesk.demo import DEMO_ACCOUNTS
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port
from tests.browser.test_phone import PHONE_UA

SIZES = {"desktop": ({"width": 1366, "height": 800}, None), "phone": ({"width": 390, "height": 844}, PHONE_UA)}


def _serve(home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "DUTYDESK_DB__URL": f"sqlite:///{home / 'demo.db'}", "DUTYDESK_DATA_DIR": str(home),
           "DUTYDESK_FLOWS__MODE": "off", "DUTYDESK_WEB__PORT": str(port)}
    for args in (("db", "upgrade"), ("demo", "seed")):
        subprocess.run([sys.executable, "-m", "dutydesk.cli", *args], env=env, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "dutydesk.cli", "serve", "--port", str(port)], env=env,
                            stdout=open(home / "serve.log", "wb"), stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("dutydesk serve did not get ready")


def shoot(out: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots = []
    proc, base = _serve(Path(tempfile.mkdtemp(prefix="dutydesk-shots-")))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for username, password, role, _ in DEMO_ACCOUNTS:
                for size, (viewport, agent) in SIZES.items():
                    context = browser.new_context(base_url=base, viewport=viewport, user_agent=agent,
                                                  is_mobile=agent is not None, locale="zh-CN")
                    page = context.new_page()
                    page.goto("/login")
                    page.fill("input[name=username]", username)
                    page.fill("input[name=password]", password)
                    page.click("button[type=submit]")
                    page.wait_for_url(lambda url: "/login" not in url)
                    paths = ["/" + page.url.split("/", 3)[3]] + [a.get_attribute("href")
                                                                 for a in page.locator("nav#nav a").all()]
                    for path in dict.fromkeys(paths):
                        page.goto(path)
                        page.wait_for_timeout(300)
                        name = f"{username}-{size}-{path.strip('/').replace('/', '_') or 'home'}.png"
                        page.screenshot(path=out / name, full_page=True)
                        wide = page.evaluate("document.documentElement.scrollWidth") > viewport["width"]
                        shots.append({"user": username, "role": role.value, "size": size, "path": path,
                                      "file": name, "wide": wide})
                    context.close()
            browser.close()
    finally:
        proc.terminate()
    rows = "".join(
        f"<tr><td>{html.escape(s['user'])}</td><td>{s['size']}</td><td>{html.escape(s['path'])}</td>"
        f"<td>{'横向滚动!' if s['wide'] else ''}</td><td><a href='{s['file']}'><img src='{s['file']}' "
        f"loading='lazy' width='{240 if s['size'] == 'desktop' else 120}'></a></td></tr>" for s in shots)
    (out / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>dutydesk screenshots</title><table border=1 cellpadding=4>"
        "<tr><th>user</th><th>size</th><th>page</th><th>overflow</th><th>screenshot</th></tr>" + rows + "</table>",
        encoding="utf-8")
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/screenshots")
    taken = shoot(target)
    print(f"{len(taken)} screenshots in {target}/index.html; wider than the screen: "
          f"{[s['file'] for s in taken if s['wide']] or 'none'}")
