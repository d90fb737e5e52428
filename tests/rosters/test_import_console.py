"""The console's import preview as a clerk uses it: a file of another month than the one on screen is previewed
as that month (or offered, when the file has several), and the ticks of the preview form survive a corrected
column mapping sent back. Forms are submitted as a browser would (lxml's form_values: hidden fields, ticked
boxes, chosen options)."""

from __future__ import annotations

import lxml.html

from tests.rosters.test_import_checks import _login, edited, slots  # noqa: F401
from tests.rosters.test_import_layouts import (EXPECTED, county_one_row_per_day, sheet_per_month, stored,  # noqa: F401
                                               unit, xlsx)
from web.console.forms import FLASH_COOKIE, read_flash


def _open(client, unit, month: str) -> str:
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month={month}", headers={"accept": "text/html"})
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


def _form(html: str, form_id: str = "import-confirm"):
    return lxml.html.fromstring(html).get_element_by_id(form_id)


def _submit(client, form, **changes):
    """POST the form as a browser would, with some fields changed (None: unticked) and a button pressed."""
    action = changes.pop("_action", None) or form.get("action")
    values = dict(form.form_values())
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return client.post(action, data=values,
                       headers={"accept": "text/html"}, follow_redirects=False)


def test_a_file_of_another_month_is_previewed_as_its_month(client, users, session, unit):
    """Viewing November, uploading December's file: the preview is December's, said so, and confirms December."""
    csrf = _open(client, unit, "2026-11")
    r = client.post(f"/rosters/{unit.id}/2026-11/upload", data={"csrf_token": csrf},
                    files={"file": ("12月值班表.xlsx", xlsx(county_one_row_per_day))}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "没有找到值班表" not in r.text and 'id="import-problems"' not in r.text
    said = lxml.html.fromstring(r.text).get_element_by_id("import-other-month").text_content()
    assert "这份文件是 2026-12 的值班表，不是正在查看的 2026-11" in said
    form = _form(r.text)
    assert form.get("action") == f"/rosters/{unit.id}/2026-12/upload"
    assert "平安夜加强值守" in r.text and 'id="confirm-import"' in r.text
    r = _submit(client, form, confirm="1")
    assert r.status_code == 303 and read_flash(r.cookies.get(FLASH_COOKIE))["notice"].startswith("已导入 2026年12月")
    assert r.headers["location"].endswith("month=2026-12")
    session.expire_all()
    assert stored(session, unit)[min(EXPECTED)][1] == EXPECTED[min(EXPECTED)][1]


def test_a_workbook_of_other_months_offers_each_ticked(client, users, session, unit):
    """Viewing October, uploading a workbook of November and December: both months offered, ticked, previewed;
    unticking one previews the other alone (tests/rosters/test_import_months_console.py imports them)."""
    csrf = _open(client, unit, "2026-10")
    r = client.post(f"/rosters/{unit.id}/2026-10/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(sheet_per_month))}, headers={"accept": "text/html"})
    assert "没有找到值班表" not in r.text and 'id="import-problems"' not in r.text
    page = lxml.html.fromstring(r.text)
    ticks = page.get_element_by_id("import-months").xpath(".//input[@name='months']")
    assert [(t.get("value"), t.checked) for t in ticks] == [("2026-11", True), ("2026-12", True)]
    assert page.xpath("//*[@id='import-days-2026-11']") and page.xpath("//*[@id='import-days-2026-12']")
    r = _submit(client, _form(r.text), months="2026-12", again="1")
    page = lxml.html.fromstring(r.text)
    assert page.xpath("//*[@id='import-days-2026-11']") == [] and page.xpath("//*[@id='import-days-2026-12']")
    assert 'id="confirm-import"' in r.text
    assert slots(session, unit) == 0  # nothing written by previews


def test_correcting_a_column_keeps_the_create_missing_tick(client, users, session, unit):
    """The officers' header in words the parser does not know (人员) and a new name in it: the clerk ticks
    创建缺少的人员 in the preview, corrects the column and reads again; the tick is still there and the import
    creates the person."""
    csrf = _open(client, unit, "2026-12")
    url = f"/rosters/{unit.id}/2026-12/upload"
    r = client.post(url, data={"csrf_token": csrf}, files={"file": ("值班表.xlsx", edited(D2="人员", D4="新同志", E4=None))},
                    headers={"accept": "text/html"})
    assert "缺少值班员列" in r.text
    page = lxml.html.fromstring(r.text)
    # One tick on the page, in the preview's form (a tick in the upload form above would not be sent back).
    assert len(page.xpath("//input[@name='create_missing']")) == 1
    assert page.xpath("//form[@id='import-confirm']//input[@name='create_missing']")
    r = _submit(client, _form(r.text), create_missing="1", again="1", **{"col:Sheet1!D": "officer"})
    assert "缺少值班员列" not in r.text
    box = lxml.html.fromstring(r.text).get_element_by_id("create-missing")
    assert box.checked, "the tick was lost in the correction round-trip"
    assert "新同志" in lxml.html.fromstring(r.text).get_element_by_id("import-missing").text_content()
    form = _form(r.text)
    assert form.fields["col:Sheet1!D"] == "officer"  # the correction shown as chosen
    r = _submit(client, form, confirm="1")
    assert r.status_code == 303 and read_flash(r.cookies.get(FLASH_COOKIE))["notice"].startswith("已导入 2026年12月")
    session.expire_all()
    assert stored(session, unit)[min(EXPECTED).replace(day=2)][1] == ["新同志"]


def test_a_tick_given_at_upload_is_kept_through_a_correction(client, users, session, unit):
    csrf = _open(client, unit, "2026-12")
    url = f"/rosters/{unit.id}/2026-12/upload"
    r = client.post(url, data={"csrf_token": csrf, "create_missing": "1"},
                    files={"file": ("值班表.xlsx", edited(D2="人员", D4="新同志", E4=None))}, headers={"accept": "text/html"})
    assert lxml.html.fromstring(r.text).get_element_by_id("create-missing").checked
    r = _submit(client, _form(r.text), again="1", **{"col:Sheet1!D": "officer"})
    assert lxml.html.fromstring(r.text).get_element_by_id("create-missing").checked
    assert 'id="confirm-import"' in r.text
