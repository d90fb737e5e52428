"""Eight legal but heavy .xlsx uploads at once (440,000 cells each, seconds to parse) from four accounts, against a
real server (uvicorn) while /healthz is polled back to back: the parses run in the parse pool's processes (never
the web process), at most `parse_workers` at once; what fits (workers + queue, at most two per account) gets its
normal answer, the rest 503 with Retry-After and the reason in the caller's language; /healthz keeps answering.
The console's roster upload, refused as busy, shows the page again with the reason and the file kept."""

from __future__ import annotations

import os
import statistics

import lxml.html
import pytest

from tests.rosters.test_import_checks import _login  # noqa: F401
from tests.rosters.test_import_layouts import county_one_row_per_day, unit, xlsx  # noqa: F401
from tests.security.heavy_upload import heavy_xlsx, live, storm
from web import parsing

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_heavy_uploads_at_once_are_parsed_elsewhere_bounded_and_healthz_keeps_answering(tmp_path):
    # 165,000 cells: seconds to parse, so that the eight overlap; the time cap far off (niced workers on a loaded
    # machine can take many times their usual time, and the cap would then refuse an admitted upload)
    with live(tmp_path, parse_workers=2, parse_queue=2, parse_per_caller=2, parse_seconds=600) as (url, unit_id,
                                                                                                   headers):
        out = storm(url, unit_id, headers, heavy_xlsx(rows=3000), per_account=2, english=True)
        pool = next(p for k, p in parsing._pools.items() if k == (2, 2, 2, 600))
    answers = out["answers"]
    assert all(r is not None for _, r in answers) and out["healthz_failed"] == 0
    admitted = [(h, r) for h, r in answers if r.status_code != 503]
    refused = [(h, r) for h, r in answers if r.status_code == 503]
    assert 2 <= len(admitted) and refused, [r.status_code for _, r in answers]
    for _, r in admitted:  # the normal answer: the file read, then the unit's missing posts named
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "unit"], r.text
    for h, r in refused:
        assert r.headers["retry-after"] == "5"
        (d,) = r.json()["detail"]
        assert d["loc"] == ["body", "file"] and d["type"] == "Busy"
        if h.get("Accept-Language") == "en":
            assert d["msg"].startswith(("too many spreadsheets", "you already have")), d
        else:
            assert d["msg"].startswith(("正在读取的上传表格已达上限", "您已有")) and "(" not in d["msg"], d
    assert 1 <= pool.peak_running <= 2 and pool.pids and os.getpid() not in pool.pids
    assert pool._admitted == 0 and not pool._by_caller
    times = out["healthz"]
    assert len(times) > 20
    # generous bounds on a loaded 2-core machine (figures: bench/bench_heavy_uploads.py): a parse in the web
    # process's threads put /healthz at ~1.5 s
    assert statistics.median(times) < 0.2 and max(times) < 5.0, (statistics.median(times), max(times))


def test_the_console_upload_refused_as_busy_shows_the_form_again_with_the_file_kept(client, users, unit,
                                                                                    monkeypatch):
    full = parsing.ParsePool(workers=1, queue=0)
    monkeypatch.setattr(parsing, "pool_for", lambda settings: full)
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month=2026-12", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    full._admitted = 1  # every place taken
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf, "create_missing": "1"},
                    files={"file": ("12月值班表.xlsx", xlsx(county_one_row_per_day))}, headers={"accept": "text/html"})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "正在读取的上传表格已达上限" in r.text and "too many spreadsheets" not in r.text
    form = lxml.html.fromstring(r.text).xpath(f'//form[@action="/rosters/{unit.id}/2026-12/upload"]')[0]
    values = dict(form.form_values())
    assert values["token"] and values["create_missing"] == "1"  # the file kept, the tick as sent
    full._admitted = 0
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data=values, headers={"accept": "text/html"})
    assert r.status_code == 200 and 'id="import-preview"' in r.text  # sent again without choosing the file again
    full._admitted = 1
    r = client.post(f"/rosters/{unit.id}/2026-12/upload?lang=en", data=values, headers={"accept": "text/html"})
    assert r.status_code == 503 and "too many spreadsheets are being read" in r.text and "正在读取" not in r.text
