"""A legal but heavy .xlsx and a live server taking many of them at once, while /healthz is polled: shared by
tests/security/test_heavy_uploads.py (the mechanism and a generous bound) and bench/bench_heavy_uploads.py (the
figures, before/after)."""

from __future__ import annotations

import contextlib
import functools
import io
import statistics
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session

from core import db
from core.settings import Settings
from models import schema
from models.accounts import Role, UserCreate
from models.directory import UnitCreate, UnitType
from services import accounts
from services.directory import org
from tests.peers import serve
from web import parsing

PASSWORD = "correct-horse-battery"

NS = "http://schemas.openxmlformats.org"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL = f"{NS}/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{NS}/package/2006/content-types">'
                           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                           '<Default Extension="xml" ContentType="application/xml"/>'
                           f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
                           f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" '
                   f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{REL}"><sheets>'
                       '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" '
                                  f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


@functools.cache
def heavy_xlsx(rows: int = 8000, cols: int = 55) -> bytes:
    """One sheet of rows x cols (440,000 cells by default, under the 500,000 of core.spreadsheets.Limits), half
    numbers, half short Chinese strings: ~2 MB, ~20 MB expanded (ratio ~10): legal, and seconds to parse."""
    from core.spreadsheets import column_letter

    letters = [column_letter(c) for c in range(cols)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(f'<worksheet xmlns="{NS}/spreadsheetml/2006/main"><sheetData>'.encode())
            for r in range(1, rows + 1):
                cells = "".join(f'<c r="{letters[c]}{r}" t="inlineStr"><is><t>值班{r * 7 + c}</t></is></c>' if c % 2
                                else f'<c r="{letters[c]}{r}"><v>{r * 31 + c}.5</v></c>' for c in range(cols))
                f.write(f'<row r="{r}">{cells}</row>'.encode())
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


@contextlib.contextmanager
def live(tmp_path, *, accounts_n: int = 4, **web):
    """The app under uvicorn on a fresh SQLite file (real sessions, each request its own), a town and
    `accounts_n` staff accounts (admins and duty officers, who may import its roster); yields (url, unit id,
    [bearer headers])."""
    from dutydesk.composition import build_web_app

    engine = db.make_engine(f"sqlite:///{tmp_path / 'heavy.db'}")
    schema.upgrade(engine)
    headers = []
    with Session(engine) as session:
        unit = org.create_unit(session=session, actor="test", data=UnitCreate(name="高观镇", code="t1",
                                                                             type=UnitType.town)).id
        for i in range(accounts_n):
            user = accounts.create_user(session=session, actor="test", data=UserCreate(
                username=f"heavy{i}", password=PASSWORD, role=Role.admin if i % 2 else Role.duty_officer))
            token, _ = accounts.create_api_token(session=session, user=user, name="heavy", actor="test")
            headers.append({"Authorization": f"Bearer {token}"})
        session.commit()
    settings = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"}, web=web)
    parsing.pool_for(settings).start()  # as `serve` does at startup
    try:
        with serve(build_web_app(settings, engine)) as url:
            yield url, unit, headers
    finally:
        engine.dispose()


def storm(url: str, unit_id, headers: list[dict], data: bytes, per_account: int = 2, english: bool = False) -> dict:
    """`per_account` uploads of `data` from each account at once (a roster import's preview), /healthz polled back
    to back meanwhile; the answers and the /healthz times (s). `english`: every other upload asks for English."""
    times: list[float] = []
    failures: list[int] = []
    stop = threading.Event()

    def poll():
        with httpx.Client(base_url=url, timeout=30) as c:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    ok = c.get("/healthz").status_code == 200
                except httpx.HTTPError:  # a timeout or a dropped connection: counted, never hidden
                    ok = False
                times.append(time.monotonic() - started)
                if not ok:
                    failures.append(1)
                time.sleep(0.01)

    def upload(i: int):
        h = {**headers[i % len(headers)], **({"Accept-Language": "en"} if english and i % 2 else {})}
        with httpx.Client(base_url=url, timeout=120) as c:
            with contextlib.suppress(httpx.HTTPError):
                return h, c.post(f"/api/rosters/{unit_id}/import?dry_run=true", headers=h,
                                 files={"file": ("值班表.xlsx", data, "application/octet-stream")})
        return h, None  # no answer (timed out, connection dropped)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    time.sleep(0.3)  # a few answers before
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(len(headers) * per_account) as ex:
            answers = list(ex.map(upload, range(len(headers) * per_account)))
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        poller.join(30)
    return {"answers": answers, "healthz": times, "healthz_failed": len(failures), "seconds": elapsed}


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p99 in ms."""
    ordered = sorted(times)
    return (statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)
