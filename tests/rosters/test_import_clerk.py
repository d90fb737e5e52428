"""A clerk importing the office's own Excel 值班表 in the console, as an independent tester did: header words
offices use (县领导, 值班人员及电话), a mapping that can always be corrected, 备注 kept as typed, a past month
confirmed, new people and their pools shown, phones taken from the file on request, and a success message
that counts what was imported. Workbooks are built here with openpyxl."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest
from sqlmodel import Session, func, select

from core.spreadsheets import read_workbook
from models.audit import AuditEntry
from models.directory import Person
from models.rosters.roster import RosterSlot
from services.rosters import excel, imports
from services.rosters import policy as pol
from tests.conftest import run_cli
from tests.rosters.test_import_checks import _login, edited, preview, slots  # noqa: F401
from tests.rosters.test_import_console import _form, _open, _submit
from tests.rosters.test_import_layouts import staffed_town
from tests.rosters.test_import_layouts import (BY, EXPECTED, LEADERS, OFFICERS, TZ, do_import, footer, roster,  # noqa: F401
                                               stored, title, unit, wd, xlsx)
from web.console.forms import FLASH_COOKIE, read_flash


def with_phones(people: list[str]) -> str:
    return "、".join(f"{p} {OFFICERS.get(p) or LEADERS[p]}" for p in people)


def county_leaders_and_officers_with_phones(wb):
    """The tester's file: 县领导 for the leader column, officers and phones in one 值班人员及电话 column."""
    ws = wb.active
    ws.title = "12月"
    title(ws, "XX县人民政府办公室2026年12月值班表", 5)
    ws.append(["日期", "星期", "县领导", "值班人员及电话", "备注"])
    for d, (ls, os_, note) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], with_phones(os_), note])
    footer(ws, 5)


def test_county_leader_and_officers_with_phones_headers_are_recognised(session, unit):
    p = preview(session, unit, xlsx(county_leaders_and_officers_with_phones))
    assert p.ok, [x.text for x in p.problems]
    roles = {c.header: c.role for c in p.parsed.columns}
    assert roles["县领导"] == "leader" and roles["值班人员及电话"] == "officer"
    do_import(session, unit, xlsx(county_leaders_and_officers_with_phones))
    assert stored(session, unit) == EXPECTED


def test_the_same_header_with_值守人员及电话_is_the_officers(session, unit):
    def build(wb):
        county_leaders_and_officers_with_phones(wb)
        wb.active["D2"] = "值守人员及电话"
    p = preview(session, unit, xlsx(build))
    assert p.ok and {c.header: c.role for c in p.parsed.columns}["值守人员及电话"] == "officer"


def unknown_headers(wb):
    """A header in none of the words the parser knows: 值日 / 负责同志 / 在岗同志."""
    ws = wb.active
    title(ws, "高观镇2026年12月值班表", 4)
    ws.append(["值日", "星期", "负责同志", "在岗同志"])
    for d, (ls, os_, _note) in EXPECTED.items():
        ws.append([f"{d.month}月{d.day}日", wd(d), ls[0], "、".join(os_)])


def test_an_unrecognised_header_leaves_every_column_correctable(client, users, session, unit):
    """Nothing recognised: the preview still lists each column with every meaning to choose, and the clerk's
    choice imports the month."""
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(unknown_headers))}, headers={"accept": "text/html"})
    assert r.status_code == 200 and "没有识别出表头的各列" in r.text
    form = _form(r.text)
    selects = {s.get("name"): [o.text_content().strip() for o in s.iter("option")] for s in form.iter("select")}
    assert set(selects) == {"col:Sheet!A", "col:Sheet!B", "col:Sheet!C", "col:Sheet!D"}
    for options in selects.values():
        assert {"日期", "星期", "带班领导", "值班员", "电话", "备注", "忽略"} <= set(options)
    r = _submit(client, form, again="1", **{"col:Sheet!A": "date", "col:Sheet!C": "leader", "col:Sheet!D": "officer"})
    assert 'id="import-problems"' not in r.text, lxml.html.fromstring(r.text).get_element_by_id(
        "import-problems").text_content()
    r = _submit(client, _form(r.text), confirm="1")
    assert r.status_code == 303 and "error" not in read_flash(r.cookies.get(FLASH_COOKIE))
    session.expire_all()
    assert {d: v[:2] for d, v in stored(session, unit).items()} == {d: v[:2] for d, v in EXPECTED.items()}


def test_a_note_is_kept_exactly_as_typed(session, unit):
    """备注 with full-width punctuation (，（）：) is stored as the clerk typed it, only trimmed."""
    typed = "领导外出，由李明华代班（电话：13900000002）"

    def build(wb):
        county_leaders_and_officers_with_phones(wb)
        wb.active["E5"] = f"  {typed}\n"  # Dec 3
    do_import(session, unit, xlsx(build))
    assert stored(session, unit)[min(EXPECTED).replace(day=3)][2] == typed


# -- a month that is over -----------------------------------------------------------------------------------

AFTER = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)  # December 2026 is over


def test_a_month_that_is_over_is_imported_only_when_confirmed(session, unit):
    data = xlsx(county_leaders_and_officers_with_phones)
    p = imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, month="2026-12",
                               now=AFTER, tz=TZ)
    assert p.ok and p.past == ["2026-12"]
    kw = dict(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY, tz=TZ, month="2026-12", now=AFTER)
    with pytest.raises(excel.ImportRejected) as refused:
        imports.import_roster(**kw)
    assert any("2026年12月已过去" in x["msg"] and "确认导入已过去的月份" in x["msg"] for x in refused.value.problems)
    assert slots(session, unit) == 0
    imports.import_roster(past_ok=True, **kw)
    session.commit()
    assert stored(session, unit) == EXPECTED


def test_a_confirmed_past_month_is_audited_as_such_naming_the_days_and_who_served(session, unit):
    """December imported while coming, then rewritten in January (confirmed): the audit says a month that was
    over was rewritten, which days and who had served them, in zh-CN and in English."""
    from core.errors import in_language
    from services.access import Actor
    from models.accounts import Role
    from services.audit import reading
    from web.console.audit import view

    do_import(session, unit, xlsx(county_leaders_and_officers_with_phones))
    dec3 = min(EXPECTED).replace(day=3)
    served = EXPECTED[dec3][1]
    other = next(o for o in OFFICERS if o not in served)

    def build(wb):
        county_leaders_and_officers_with_phones(wb)
        wb.active["D5"] = with_phones([other])  # Dec 3
    imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(xlsx(build)), by=BY, tz=TZ,
                          month="2026-12", now=AFTER, past_ok=True)
    session.commit()
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "import_past_month")).one()
    assert entry.before == {"2026-12-03": {"leader": EXPECTED[dec3][0], "officer": served}}
    assert entry.after == {"2026-12-03": {"leader": EXPECTED[dec3][0], "officer": [other]}}
    page = reading.list_entries(session=session, by=Actor("u_auditor", Role.auditor), limit=5)
    e = next(x for x in page.entries if x.action == "import_past_month")
    assert view.action_text(e.action, "zh-CN") == "导入改写已过去的月份"
    assert view.action_text(e.action, "en") == "Import rewrote a month that is over"
    assert in_language(entry.note, "zh-CN") == "确认导入已过去的月份 2026年12月，改写已值班日期：2026-12-03"
    assert in_language(entry.note, "en") == "confirmed import of 2026-12, a month that is over; rewrote days already served: 2026-12-03"
    assert ("2026-12-03", f"带班领导 {EXPECTED[dec3][0][0]}；值班员 {'、'.join(served)}",
            f"带班领导 {EXPECTED[dec3][0][0]}；值班员 {other}") in view.changes_text(e, page.names, "zh-CN")


def test_a_past_month_imported_where_none_was_kept_is_audited_too(session, unit):
    """Nothing was on record for December: the confirmed import still says it wrote a month that was over."""
    from core.errors import in_language
    imports.import_roster(session=session, unit_id=unit.id, sheets=read_workbook(xlsx(county_leaders_and_officers_with_phones)),
                          by=BY, tz=TZ, month="2026-12", now=AFTER, past_ok=True)
    session.commit()
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "import_past_month")).one()
    assert entry.before == {} and "2026年12月" in in_language(entry.note, "zh-CN")
    assert "2026-12" in in_language(entry.note, "en") and "over" in in_language(entry.note, "en")


def test_the_console_asks_to_tick_a_month_that_is_over(client, users, session, unit):
    client.app.state.clock = lambda: AFTER
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(county_leaders_and_officers_with_phones))},
                    headers={"accept": "text/html"})
    page = lxml.html.fromstring(r.text)
    box = page.get_element_by_id("past-ok")
    assert not box.checked and "确认导入已过去的月份" in page.get_element_by_id("import-past").text_content()
    r = _submit(client, _form(r.text), confirm="1")  # not ticked: nothing written, said why
    assert r.status_code == 200 and 'id="import-past-refused"' in r.text and slots(session, unit) == 0
    r = _submit(client, _form(r.text), confirm="1", past_ok="1")
    assert r.status_code == 303 and "error" not in read_flash(r.cookies.get(FLASH_COOKIE))
    session.expire_all()
    assert slots(session, unit) > 31


def november(wb):
    ws = wb.active
    title(ws, "高观镇2026年11月值班表", 4)
    ws.append(["日期", "星期", "带班领导", "值班人员"])
    for d, (ls, os_, _note) in roster(2026, 11).items():
        ws.append([d, wd(d), ls[0], "、".join(os_)])


def test_the_cli_asks_for_past_ok_for_a_month_that_is_over(cli_db, tmp_path):
    """The CLI runs on the real clock: last November is over whenever the test runs."""
    staffed_town(cli_db)
    path = tmp_path / "11月值班表.xlsx"
    path.write_bytes(xlsx(november))
    r = run_cli("roster", "import", path, "--unit", "t1")
    assert r.exit_code != 0 and "--past-ok" in r.output
    with Session(cli_db) as s:
        assert s.exec(select(func.count()).select_from(RosterSlot)).one() == 0
    assert "--past-ok" in run_cli("roster", "import", "--help").output
    r = run_cli("roster", "import", path, "--unit", "t1", "--past-ok")
    assert r.exit_code == 0, r.output
    assert "已导入 t1 2026-11：30 天" in r.output


# -- new people and their pools, the success message ----------------------------------------------------

def test_the_preview_names_the_people_to_create_and_the_clerk_may_keep_one_out_of_the_pool(client, users, session,
                                                                                           unit):
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf, "create_missing": "1"},
                    files={"file": ("值班表.xlsx", edited(D4="新同志 13911112222", D5="借调人员", E5=None))},
                    headers={"accept": "text/html"})
    page = lxml.html.fromstring(r.text)
    listed = page.get_element_by_id("import-new-people")
    items = {li.xpath(".//span")[0].text_content(): li for li in listed.iter("li")}
    assert set(items) == {"新同志", "借调人员"}
    assert "值班员，13911112222" in items["新同志"].text_content()
    for li in items.values():
        box = li.xpath(".//input[@name='pool_new']")[0]
        assert box.checked and "加入值班员轮换人员" in li.text_content()
    form = _form(r.text)
    values: dict[str, list[str]] = {"confirm": ["1"]}
    for k, v in form.form_values():
        if not (k == "pool_new" and v == "借调人员"):  # the clerk unticks 借调人员
            values.setdefault(k, []).append(v)
    r = client.post(form.get("action"), data=values, headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303
    notice = read_flash(r.cookies.get(FLASH_COOKIE))["notice"]
    assert notice.endswith("新建人员 2 人")
    session.expire_all()
    pool = pol.pools_of(session, unit.id)["officer"]
    made = {p.name: str(p.id) for p in session.exec(select(Person).where(Person.name.in_(["新同志", "借调人员"])))}
    assert made["新同志"] in pool and made["借调人员"] not in pool



def test_ticking_create_missing_then_confirm_imports_without_another_preview(client, users, session, unit):
    """t15's M2: with people to create and the tick not yet given, the preview offered no 确认导入 until
    按此对应重新识别 was pressed. The button is there; the tick sent with it decides, and without it nothing is
    written."""
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", edited(D4="新同志 13911112222"))}, headers={"accept": "text/html"})
    assert 'id="confirm-import"' in r.text
    form = _form(r.text)
    values = {k: v for k, v in form.form_values() if k != "create_missing"}
    refused = client.post(form.get("action"), data={**values, "confirm": "1"}, headers={"accept": "text/html"},
                          follow_redirects=False)
    assert refused.status_code == 200 and "新同志" in refused.text  # nothing written: the problem said again
    session.expire_all()
    assert session.exec(select(Person).where(Person.name == "新同志")).first() is None
    r = client.post(form.get("action"), data={**values, "create_missing": "1", "confirm": "1"},
                    headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert read_flash(r.cookies.get(FLASH_COOKIE))["notice"].endswith("新建人员 1 人")

def test_the_success_message_counts_days_person_slots_and_new_people(client, users, session, unit):
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(county_leaders_and_officers_with_phones))},
                    headers={"accept": "text/html"})
    r = _submit(client, _form(r.text), confirm="1")
    people = sum(len(ls) + len(os_) for ls, os_, _ in EXPECTED.values())
    assert read_flash(r.cookies.get(FLASH_COOKIE)) == {
        "notice": f"已导入 2026年12月 高观镇 值班表：31 天，{people} 人次，新建人员 0 人"}
    page = client.get(r.headers["location"], headers={"accept": "text/html"})
    assert f"已导入 2026年12月 高观镇 值班表：31 天，{people} 人次" in page.text


# -- phones that differ from the directory --------------------------------------------------------------

def test_a_differing_phone_updates_the_directory_only_for_the_person_ticked(client, users, session, unit):
    first = EXPECTED[min(EXPECTED)][1][0]
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", edited(E3="13800000000"))}, headers={"accept": "text/html"})
    offered = lxml.html.fromstring(r.text).get_element_by_id("import-phones")
    assert f"{first}：通讯录 {OFFICERS[first]}，表中 13800000000" in offered.text_content()
    box = offered.xpath(".//input[@name='update_phone']")
    assert len(box) == 1 and not box[0].checked and "以表中电话更新通讯录" in offered.text_content()
    r = _submit(client, _form(r.text), confirm="1", update_phone=box[0].get("value"))
    assert r.status_code == 303
    session.expire_all()
    person = session.exec(select(Person).where(Person.name == first)).one()
    assert person.mobile == "13800000000"
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.entity_id == str(person.id))
                         .order_by(AuditEntry.at.desc())).first()
    assert entry is not None and "13800000000" in str(entry.after)


def test_an_unticked_phone_leaves_the_directory_as_it_is(session, unit):
    first = EXPECTED[min(EXPECTED)][1][0]
    do_import(session, unit, edited(E3="13800000000"))
    assert session.exec(select(Person).where(Person.name == first)).one().mobile == OFFICERS[first]


def test_confirming_a_month_that_is_over_without_the_tick_says_first_that_nothing_was_imported(
        client, users, session, unit):
    """The tester confirmed a past month without ticking 确认导入已过去的月份 and saw no 未导入: the refusal was only
    a line beside the tick, far below the mapping. It now leads the page, says why, and links to the tick."""
    client.app.state.clock = lambda: AFTER
    csrf = _open(client, unit, "2026-12")
    r = client.post(f"/rosters/{unit.id}/2026-12/upload", data={"csrf_token": csrf},
                    files={"file": ("值班表.xlsx", xlsx(county_leaders_and_officers_with_phones))},
                    headers={"accept": "text/html"})
    assert r.status_code == 200 and 'id="import-past"' in r.text and 'id="import-refused"' not in r.text
    r = _submit(client, _form(r.text), confirm="1")
    assert r.status_code == 200
    page = lxml.html.fromstring(r.text)
    refused = page.get_element_by_id("import-refused")
    text = refused.text_content()
    assert text.startswith("未导入，没有写入任何内容：2026-12 已经过去") and "确认导入已过去的月份" in text
    assert refused.get("role") == "alert" and refused.find("a").get("href") == "#import-past"
    order = [e.get("id") for e in page.iter() if e.get("id") in ("import-refused", "import-preview")]
    assert order == ["import-refused", "import-preview"]  # before the preview, under the page's title
    assert slots(session, unit) == 0
