"""One sheet per month in the console: the preview offers every month the workbook gives (ticked, the month on
screen first), each with its days and people; 确认导入 writes the ticked months together, and a month with a
problem refuses them all (nothing written, the reason at the top as an alert)."""

from __future__ import annotations

import lxml.html

from tests.rosters.test_import_checks import _login, slots  # noqa: F401
from tests.rosters.test_import_console import _form, _open
from tests.rosters.test_import_layouts import LEADERS, OFFICERS, roster, stored, title, unit, wd, xlsx  # noqa: F401
from web.console.forms import FLASH_COOKIE, read_flash

MONTHS = ("2027-01", "2027-02", "2027-03")


def quarter(bad: str = "", yearless: bool = False):
    """Three sheets 2027年1月/2月/3月, each with a merged title row and phones inside the name cells; `bad`: the
    month whose 5th day gives a date that does not exist; `yearless`: sheets and titles name the month only (1月),
    the year taken from the month on screen."""
    def build(wb):
        for i, ym in enumerate(MONTHS):
            y, m = int(ym[:4]), int(ym[5:])
            ws = wb.active if i == 0 else wb.create_sheet()
            ws.title = f"{m}月" if yearless else f"{y}年{m}月"
            title(ws, f"XX县人民政府办公室{'' if yearless else f'{y}年'}{m}月值班表", 5)
            ws.append(["日期", "星期", "带班领导", "值班人员", "备注"])
            for d, (ls, os_, note) in roster(y, m).items():
                day = f"{m}月{d.day:02d}日" if not (ym == bad and d.day == 5) else f"{m}月32日"
                ws.append([day, wd(d), f"{ls[0]}（{LEADERS[ls[0]]}）", "、".join(f"{o} {OFFICERS[o]}" for o in os_),
                           note or None])
    return build


def _post(client, form, **pressed):
    """The form as a browser sends it: every ticked month (a dict would keep one), and the button pressed."""
    return _send(client, form.get("action"), [*form.form_values(), *pressed.items()])


def _send(client, url: str, pairs):
    data: dict[str, list[str]] = {}
    for k, v in pairs:
        data.setdefault(k, []).append(v)
    return client.post(url, data=data, headers={"accept": "text/html"}, follow_redirects=False)


def _upload(client, unit, month: str, build):
    csrf = _open(client, unit, month)
    return client.post(f"/rosters/{unit.id}/{month}/upload", data={"csrf_token": csrf},
                       files={"file": ("2027年一季度值班表.xlsx", xlsx(build))}, headers={"accept": "text/html"})


def test_the_preview_offers_every_month_and_the_confirm_writes_them_all(client, users, session, unit):
    r = _upload(client, unit, "2027-02", quarter())
    assert r.status_code == 200, r.text
    page = lxml.html.fromstring(r.text)
    ticks = page.xpath("//fieldset[@id='import-months']//input[@name='months']")
    assert [t.get("value") for t in ticks] == ["2027-02", "2027-01", "2027-03"]  # the month on screen first
    assert all(t.checked for t in ticks)
    assert 'id="import-problems"' not in r.text
    for ym in MONTHS:
        days = page.get_element_by_id(f"import-days-{ym}").xpath(".//tbody/tr")
        assert len(days) == len(roster(int(ym[:4]), int(ym[5:])))
        first = days[0].text_content()
        assert ym + "-01" in first and "（139" not in first and " 139" not in first  # phones read out of the names
    assert "2027年1月" in page.get_element_by_id("import-months").text_content()
    r = _post(client, _form(r.text), confirm="1")
    assert r.status_code == 303, r.text
    flash = read_flash(r.cookies.get(FLASH_COOKIE))
    notice = flash.get("notice", str(flash))
    assert notice.startswith("已导入 2027年2月") and "2027年1月" in notice and "2027年3月" in notice
    session.expire_all()
    for ym in MONTHS:
        want = roster(int(ym[:4]), int(ym[5:]))
        got = stored(session, unit, ym)
        assert {d: v[:2] for d, v in got.items()} == {d: v[:2] for d, v in want.items()}, ym


def test_unticked_months_are_left_out(client, users, session, unit):
    r = _upload(client, unit, "2027-01", quarter())
    form = _form(r.text)
    values = [(k, v) for k, v in form.form_values() if not (k == "months" and v == "2027-03")]
    r = _send(client, form.get("action"), [*values, ("again", "1")])
    page = lxml.html.fromstring(r.text)
    assert not page.get_element_by_id("import-month-tick-2027-03").xpath(".//input")[0].checked
    assert page.xpath("//*[@id='import-days-2027-03']") == []
    values = [(k, v) for k, v in _form(r.text).form_values()]
    r = _send(client, form.get("action"), [*values, ("confirm", "1")])
    assert r.status_code == 303
    session.expire_all()
    assert stored(session, unit, "2027-01") and stored(session, unit, "2027-02")
    assert not any(v[0] for v in stored(session, unit, "2027-03").values())


def test_one_bad_sheet_refuses_all_months(client, users, session, unit):
    r = _upload(client, unit, "2027-01", quarter(bad="2027-02"))
    page = lxml.html.fromstring(r.text)
    assert "2027年2月" in page.get_element_by_id("import-problems").text_content()
    r = _post(client, _form(r.text), confirm="1")
    assert r.status_code == 200
    alert = lxml.html.fromstring(r.text).get_element_by_id("import-refused")
    assert alert.get("role") == "alert" and "未导入" in alert.text_content()
    assert r.text.index('id="import-refused"') < r.text.index('id="import-preview"')
    assert slots(session, unit) == 0


def test_nothing_ticked_is_said_and_nothing_written(client, users, session, unit):
    r = _upload(client, unit, "2027-01", quarter())
    form = _form(r.text)
    values = [(k, v) for k, v in form.form_values() if k != "months"]
    r = _send(client, form.get("action"), [*values, ("confirm", "1")])
    assert r.status_code == 200
    assert "请至少勾选一个月份" in lxml.html.fromstring(r.text).get_element_by_id("import-refused").text_content()
    assert slots(session, unit) == 0


def test_the_months_in_english(client, users, session, unit):
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={unit.id}&month=2027-01&lang=en", headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(f"/rosters/{unit.id}/2027-01/upload", data={"csrf_token": csrf},
                    files={"file": ("q1.xlsx", xlsx(quarter()))}, headers={"accept": "text/html"})
    text = lxml.html.fromstring(r.text).get_element_by_id("import-months").text_content()
    assert "Months to import" in text and "2027-03" in text and "年" not in text


def test_sheets_naming_the_month_only_take_the_year_on_screen(client, users, session, unit):
    r = _upload(client, unit, "2027-03", quarter(yearless=True))
    page = lxml.html.fromstring(r.text)
    assert [t.get("value") for t in page.xpath("//input[@name='months']")] == ["2027-03", "2027-01", "2027-02"]
    assert 'id="import-problems"' not in r.text
    r = _post(client, _form(r.text), confirm="1")
    assert r.status_code == 303
    session.expire_all()
    assert all(any(v[0] for v in stored(session, unit, ym).values()) for ym in MONTHS)
