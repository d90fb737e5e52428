"""Importing over days already served (已值班): the preview names each day and who served it; writing them needs
an explicit confirmation (API allow_past, the console's checkbox, the CLI's --allow-past) and is audited; without
it nothing is written. Unchanged served days (an export imported back) need nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from core.spreadsheets import read_workbook
from models.audit import AuditEntry
from models.rosters.duty import Handover
from models.rosters.roster import RosterSlot
from services.access import Actor
from services.rosters import excel, imports
from services.rosters.generate import generate_month
from tests.conftest import PASSWORD
from tests.conftest import run_cli as run
from tests.rosters.conftest import MONTH
from tests.rosters.test_generate_cli import units  # noqa: F401
from web.console.forms import FLASH_COOKIE, read_flash

SERVED_NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # Dec 5, 11:00 Beijing: Dec 1-5 served
SYSTEM = Actor.system("test")


def _officer(session, unit_id, day: date) -> list[str]:
    from models.directory import Person

    session.expire_all()
    return list(session.exec(select(Person.name).join(RosterSlot, RosterSlot.person_id == Person.id).where(
        RosterSlot.unit_id == unit_id, RosterSlot.day == day, RosterSlot.post == "officer")))


def _edited(data: bytes, days: dict[int, str]) -> bytes:
    """The exported month with the officer of some days (day of month -> name) changed."""
    wb = load_workbook(io.BytesIO(data))
    for d, name in days.items():
        wb.active[f"D{d + 2}"] = name  # row 3 is the 1st
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _other(generated, current: list[str]) -> str:
    return next(p.name for p in generated["officers"] if p.name not in current)


@pytest.fixture
def file(client, tokens, session, generated):
    """December exported, the officer of Dec 3 (served) and Dec 10 (not yet) changed."""
    unit = generated["unit"]
    data = client.get(f"/api/rosters/{unit.id}/{MONTH}/export.xlsx", headers=tokens["admin"]).content
    old3, old10 = _officer(session, unit.id, date(2026, 12, 3)), _officer(session, unit.id, date(2026, 12, 10))
    new3, new10 = _other(generated, old3), _other(generated, old10)
    return {"data": _edited(data, {3: new3, 10: new10}), "old3": old3, "new3": new3, "new10": new10, "plain": data}


def test_api_preview_names_the_served_day_and_refuses_without_confirmation(client, tokens, session, generated, file):
    unit = generated["unit"]
    client.app.state.clock = lambda: SERVED_NOW
    url = f"/api/rosters/{unit.id}/{MONTH}/import"
    r = client.post(url + "?dry_run=true", headers=tokens["admin"], files={"file": ("r.xlsx", file["data"])})
    body = r.json()
    assert r.status_code == 200 and body["ok"]
    assert body["served"] == [{"day": "2026-12-03", "served": {"leader": body["served"][0]["served"]["leader"],
                                                               "officer": file["old3"]},
                               "after": {"leader": body["served"][0]["served"]["leader"],
                                         "officer": [file["new3"]]}}]
    warning = next(w["text"] for w in body["warnings"] if "已值班" in w["text"])
    assert "2026-12-03 已值班" in warning and file["old3"][0] in warning and file["new3"] in warning
    r = client.post(url, headers=tokens["admin"], files={"file": ("r.xlsx", file["data"])})
    assert r.status_code == 422 and "2026-12-03" in r.text and "2026-12-10" not in r.text
    assert _officer(session, unit.id, date(2026, 12, 3)) == file["old3"]  # all or nothing: Dec 10 unchanged too
    assert _officer(session, unit.id, date(2026, 12, 10)) != [file["new10"]]
    r = client.post(url + "?allow_past=true", headers=tokens["admin"], files={"file": ("r.xlsx", file["data"])})
    assert r.status_code == 200, r.text
    assert _officer(session, unit.id, date(2026, 12, 3)) == [file["new3"]]
    assert _officer(session, unit.id, date(2026, 12, 10)) == [file["new10"]]
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "overwrite_served")).one()
    assert "2026-12-03" in entry.note and entry.before["2026-12-03"]["officer"] == file["old3"]


def test_an_unchanged_served_day_and_a_future_change_need_no_confirmation(client, tokens, session, generated, file):
    unit = generated["unit"]
    client.app.state.clock = lambda: datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # Dec 3 not begun yet
    r = client.post(f"/api/rosters/{unit.id}/{MONTH}/import", headers=tokens["admin"],
                    files={"file": ("r.xlsx", file["data"])})
    assert r.status_code == 200, r.text
    client.app.state.clock = lambda: SERVED_NOW
    r = client.post(f"/api/rosters/{unit.id}/{MONTH}/import?dry_run=true", headers=tokens["admin"],
                    files={"file": ("r.xlsx", file["data"])})
    assert r.json()["served"] == []  # the same people: nothing served is rewritten


def test_today_counts_as_served_once_handed_over(session, generated, file):
    unit = generated["unit"]
    before_start = datetime(2026, 12, 3, 0, 10, tzinfo=UTC)  # Dec 3, 08:10 Beijing: the slot begins at 08:30
    kw = dict(session=session, unit_id=unit.id, sheets=read_workbook(file["data"]), by=SYSTEM, month=MONTH)
    assert imports.preview_import(now=before_start, **kw).served == []
    incoming = session.exec(select(RosterSlot.person_id).where(RosterSlot.unit_id == unit.id,
                                                               RosterSlot.day == date(2026, 12, 3))).first()
    session.add(Handover(unit_id=unit.id, day=date(2026, 12, 3), incoming_id=incoming,
                         signed_at=datetime(2026, 12, 3, 0, 5, tzinfo=UTC), signed_by="test"))
    session.flush()
    assert [d.day for d in imports.preview_import(now=before_start, **kw).served] == [date(2026, 12, 3)]
    with pytest.raises(excel.ImportRejected) as refused:
        imports.import_roster(now=before_start, tz="Asia/Shanghai", **kw)
    assert any("2026-12-03 已值班" in p["msg"] for p in refused.value.problems)


def _login(client, users):
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303


def test_console_preview_warns_and_the_checkbox_confirms(client, users, session, generated, file):
    unit = generated["unit"]
    client.app.state.clock = lambda: SERVED_NOW
    _login(client, users)
    page = client.get(f"/rosters?unit_id={unit.id}&month={MONTH}")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/rosters/{unit.id}/{MONTH}/upload"
    r = client.post(url, data={"csrf_token": csrf}, files={"file": ("值班表.xlsx", file["data"])})
    assert r.status_code == 200 and 'id="import-served"' in r.text and 'name="allow_past"' in r.text
    assert "2026-12-03 已值班" in r.text and file["old3"][0] in r.text
    token = r.text.split('name="token" value="')[1].split('"')[0]
    r = client.post(url, data={"csrf_token": csrf, "token": token, "confirm": "1"})
    assert r.status_code == 200 and 'id="import-served-refused"' in r.text
    assert _officer(session, unit.id, date(2026, 12, 3)) == file["old3"]
    r = client.post(url, data={"csrf_token": csrf, "token": token, "confirm": "1", "allow_past": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and read_flash(r.cookies.get(FLASH_COOKIE)).get("notice", "").startswith("已导入")
    assert _officer(session, unit.id, date(2026, 12, 3)) == [file["new3"]]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "overwrite_served")).one()


def test_cli_dry_run_warns_and_allow_past_confirms(units, tmp_path):  # noqa: F811
    engine, town = units["engine"], units["town"]
    with Session(engine) as s:  # October 2026 is past whatever the machine's clock says
        generate_month(session=s, unit_id=town, month="2026-10", by=SYSTEM, tz="Asia/Shanghai")
        s.commit()
    path = tmp_path / "oct.xlsx"
    assert run("roster", "export", "--unit", "gg", "--month", "2026-10", "--out", path).exit_code == 0
    with Session(engine) as s:
        old = _officer(s, town, date(2026, 10, 3))
    new = next(f"值班员{i}" for i in range(3) if f"值班员{i}" not in old)
    path.write_bytes(_edited(path.read_bytes(), {3: new}))
    r = run("roster", "import", path, "--unit", "gg", "--month", "2026-10", "--dry-run")
    assert r.exit_code == 0 and "2026-10-03 已值班" in r.output and old[0] in r.output and "--allow-past" in r.output
    r = run("roster", "import", path, "--unit", "gg", "--month", "2026-10")
    assert r.exit_code == 1 and "2026-10-03" in r.output
    with Session(engine) as s:
        assert _officer(s, town, date(2026, 10, 3)) == old
    r = run("roster", "import", path, "--unit", "gg", "--month", "2026-10", "--allow-past")
    assert r.exit_code == 0, r.output
    with Session(engine) as s:
        assert _officer(s, town, date(2026, 10, 3)) == [new]
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "overwrite_served")).one().actor == "cli"
