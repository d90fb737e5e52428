"""The holiday import page as an administrator meets it: the notice pasted into the CSV box is told once where it
belongs (not on every line), a notice lacking festivals says so at the top of the page as an alert, and make-up
workdays (调休上班) carry their festival's name (春节调休上班) in the preview and the table."""

from __future__ import annotations

import lxml.html

from tests.conftest import PASSWORD
from tests.rosters.test_holiday_notice_import import NOTICES, TEXT_2027

HINT = "国务院通知全文请粘贴到"


def _admin(client, users) -> str:
    assert client.post("/login", data={"username": users["admin"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get("/rosters/holidays").text
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _error(client) -> str:
    return lxml.html.fromstring(client.get("/rosters/holidays").text).get_element_by_id("error").text_content()


def test_the_notice_pasted_as_csv_is_told_once_where_it_belongs(client, users, session):
    csrf = _admin(client, users)
    client.post("/rosters/holidays", data={"csrf_token": csrf, "csv": TEXT_2027}, follow_redirects=False)
    said = _error(client)
    assert said.count("粘贴到“导入国务院办公厅节假日安排通知”") == 1 and "不是日期" not in said, said
    # A CSV with two bad lines among good ones: each line named, the hint once.
    rows = "2027-02-06,假,春节\n2027/2/7,假,春节\n2027-02-08,假,春节\n二月九日,假,春节\n"
    client.post("/rosters/holidays", data={"csrf_token": csrf, "csv": rows}, follow_redirects=False)
    said = _error(client)
    assert said.count(HINT) == 1 and "第2行" in said and "第4行" in said and said.count("不是日期") == 2, said


def test_missing_festivals_are_an_alert_at_the_top(client, users, session):
    csrf = _admin(client, users)
    text = TEXT_2027.replace("五、端午节：6月9日（周三）放假，共1天。", "")
    r = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": text, "preview": "1"})
    page = lxml.html.fromstring(r.text)
    alert = page.get_element_by_id("notice-missing")
    assert alert.get("role") == "alert" and alert.text_content().startswith("通知缺少：端午节")
    content = page.xpath("//main")[0] if page.xpath("//main") else page.body
    order = [e.get("id") for e in content.iter() if e.get("id") in ("notice-missing", "deadlines", "notice-text")]
    assert order[0] == "notice-missing", order  # above the tables and the form, not below the fold
    assert r.text.count("通知缺少") == 1  # said once, not again among the problems


def test_make_up_workdays_are_named_after_their_festival(client, users, session):
    csrf = _admin(client, users)
    r = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "preview": "1"})
    rows = {tr[0].text_content(): tr[2].text_content() for tr in
            lxml.html.fromstring(r.text).get_element_by_id("notice-preview").iter("tr") if tr[0].tag == "td"}
    assert rows["2027-02-20"] == "春节调休上班" and rows["2027-04-25"] == "劳动节调休上班"
    assert rows["2027-02-05"] == "春节"
    client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": TEXT_2027, "confirm": "1"})
    table = lxml.html.fromstring(client.get("/rosters/holidays").text).get_element_by_id("holiday-table")
    rows = {tr[0].text_content(): tr[2].text_content() for tr in table.iter("tr") if tr[0].tag == "td"}
    assert rows["2027-01-31"] == "春节调休上班"
    table = lxml.html.fromstring(client.get("/rosters/holidays?lang=en").text).get_element_by_id("holiday-table")
    rows = {tr[0].text_content(): tr[2].text_content() for tr in table.iter("tr") if tr[0].tag == "td"}
    assert rows["2027-01-31"] == "Spring Festival make-up workday"


def test_a_builtin_years_make_up_workdays_are_named_in_the_check(client, users, session):
    csrf = _admin(client, users)
    text = (NOTICES / "2026.txt").read_text(encoding="utf-8")
    r = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": text, "preview": "1"})
    checked = lxml.html.fromstring(r.text).get_element_by_id("notice-checked")
    rows = {tr[0].text_content(): (tr[2].text_content(), tr[3].text_content()) for tr in checked.iter("tr")
            if tr[0].tag == "td"}
    assert rows["2026-02-14"] == ("春节调休上班", "一致")


def test_a_notice_without_its_title_year_asks_for_the_year_field_and_imports_with_it(client, users, session):
    """The body of a notice pasted without its title: the page says so in its language and points to the form's own
    年份 field (no 或选择年份 for a field that is not there); with the year filled in it previews and imports."""
    csrf = _admin(client, users)
    body = TEXT_2027.split("\n", 1)[1].replace("2027年", "")
    assert "年部分节假日安排" not in body
    for lang, said in (("zh-CN", "或在下面填写年份"), ("en", "or fill in the year below")):
        r = client.post(f"/rosters/holidays/notice?lang={lang}", data={"csrf_token": csrf, "notice": body})
        page = lxml.html.fromstring(r.text)
        text = page.get_element_by_id("notice-no-year").text_content()
        assert said in text and "或选择年份" not in r.text, text
        assert page.get_element_by_id("notice-year").get("name") == "year"
    r = client.post("/rosters/holidays/notice?lang=en", data={"csrf_token": csrf, "notice": body, "year": "20x7"})
    assert "Year: a year from 2000 to 2100" in lxml.html.fromstring(r.text).get_element_by_id("error").text_content()
    r = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": body, "year": "2027"})
    assert "notice-no-year" not in r.text, r.text.split("notice-summary")[1][:600]
    assert "Import 2027" in r.text
    r = client.post("/rosters/holidays/notice", data={"csrf_token": csrf, "notice": body, "year": "2027",
                                                       "confirm": "1"})
    assert "Imported the 2027 holidays" in r.text
