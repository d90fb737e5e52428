"""A zip-bomb .xlsx uploaded by a unit reporter through the roster import keeps the server responsive: under a real
server (uvicorn, one event loop), /healthz polled back to back answers every time within 2 s (a generous bound on a
loaded 2-core machine: the bomb once froze the server for 17 s), and the upload is refused with a 422 naming the file.
Two bombs: an honest one (1.3 MB of deflated XML that inflates to 200 MB) and one whose zip directory lies about
the sheet's size (a reader trusting it inflates everything)."""

from __future__ import annotations

import contextlib
import functools
import io
import struct
import threading
import time
import zipfile

import httpx
import pytest

from core.settings import Settings
from tests.peers import serve
from web import parsing

ROW = b'<row><c t="s"><v>0</v></c></row>'
HEALTHZ_BOUND = 2.0  # seconds per /healthz answer: the bomb froze it 17 s; 1.03 s seen with a test beside it (xdist)


@functools.cache
def zip_bomb(lie: bool) -> bytes:
    """An .xlsx of ~1.3 MB whose only sheet inflates to 200 MB; with `lie`, its directories declare 4 KB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b"<worksheet><sheetData>")
            chunk = ROW * (1 << 15)
            for _ in range((200 << 20) // len(chunk)):
                f.write(chunk)
            f.write(b"</sheetData></worksheet>")
    data = bytearray(buf.getvalue())
    if lie:  # the uncompressed size in the local header (offset 22) and the central directory (offset 24)
        for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
            i = 0
            while (i := data.find(sig, i)) >= 0:
                n = struct.unpack_from("<H", data, i + name_len_at)[0]
                if bytes(data[i + name_at:i + name_at + n]).endswith(b"sheet1.xml"):
                    struct.pack_into("<I", data, i + size_at, 4096)
                i += 4
    return bytes(data)


@pytest.fixture
def live_server(engine, session, tmp_path, tokens):
    """The app under uvicorn on loopback, on the test's session (only the upload touches the database)."""
    from dutydesk.composition import build_web_app

    @contextlib.contextmanager
    def same_session():
        yield session

    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"})
    parsing.pool_for(settings).start()  # as `serve` does at startup: the workers' start is no part of an upload
    with serve(build_web_app(settings, engine, session_factory=same_session)) as url:
        yield url


@pytest.mark.parametrize("lie", [False, True], ids=["honest", "lying-directory"])
def test_a_zip_bomb_upload_is_refused_naming_the_file_and_healthz_keeps_answering(live_server, tokens, directory, lie):
    data = zip_bomb(lie)
    assert len(data) < 1.5 * 1024 * 1024
    times: list[float] = []
    uploading = threading.Event()
    stop = threading.Event()

    def poll():
        with httpx.Client(base_url=live_server, timeout=30) as c:
            while not stop.is_set():
                started = time.monotonic()
                assert c.get("/healthz").status_code == 200
                if uploading.is_set():
                    times.append(time.monotonic() - started)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        uploading.set()
        with httpx.Client(base_url=live_server, timeout=60) as c:
            r = c.post(f"/api/rosters/{directory['town'].id}/import", headers=tokens["unit_reporter"],
                       files={"file": ("值班表-12月.xlsx", data,
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
        time.sleep(0.2)  # a few answers after the refusal too
    finally:
        stop.set()
        poller.join(30)
    assert r.status_code == 422, r.text
    problem = r.json()["detail"][0]
    assert problem["loc"] == ["body", "file"] and problem["msg"].startswith("值班表-12月.xlsx：")
    assert "已拒绝" in problem["msg"]
    assert times, "no /healthz answered during the upload"
    assert max(times) < HEALTHZ_BOUND, f"/healthz took {max(times):.2f} s during the upload ({len(times)} polls)"


@pytest.mark.parametrize("lie", [False, True], ids=["honest", "lying"])
@pytest.mark.parametrize("what", ["people", "units"])
def test_the_directory_imports_refuse_a_zip_bomb_before_expanding_it(client, tokens, what, lie):
    """The people and units imports read with openpyxl: an attacker tester's 1.4 MB bomb took them 19 s and 3 GB."""
    r = client.post(f"/api/{what}/import?dry_run=true", headers=tokens["admin"],
                    files={"file": ("通讯录.xlsx", zip_bomb(lie), "application/octet-stream")})
    assert r.status_code == 422, r.text
    (e,) = r.json()["detail"]
    assert e["loc"][-1] == "file" and ("压缩" in e["msg"] or "声明的大小不符" in e["msg"]), e
