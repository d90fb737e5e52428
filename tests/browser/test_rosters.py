"""Rosters in headless Chromium: the calendar with names, counts and "why this person"; the dashboard's
on-duty table; a leave on tomorrow's duty leader turning into a gap alert with a suggested substitute."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_console import DUTY_PASSWORD, log_in

pytestmark = pytest.mark.browser
HUB = "县政府总值班室"  # its duty leaders are leading cadres, so the leave form lists them


def _tomorrow():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)


def test_calendar_shows_names_counts_and_why(page):
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    on_duty = page.locator("#on-duty tbody tr")
    assert on_duty.count() >= 10  # the demo county: the hub, towns and departments
    assert on_duty.locator("td", has_text=HUB).count() == 1
    leaders = page.locator("#on-duty tbody tr td:nth-child(2)").all_inner_texts()
    assert leaders and all(name.strip() for name in leaders), leaders
    page.screenshot(path="/tmp/dutydesk-on-duty.png", full_page=True)

    page.goto("/rosters")
    unit_id = page.locator("select[name=unit_id] option", has_text=HUB).get_attribute("value")
    day = _tomorrow()
    month = f"{day.year:04d}-{day.month:02d}"
    page.goto(f"/rosters?unit_id={unit_id}&month={month}")
    assert page.locator("#status").get_attribute("data-status") == "published"
    days = calendar.monthrange(day.year, day.month)[1]
    assert page.locator("#roster-table tbody tr").count() == days
    row = page.locator("#roster-table tbody tr", has_text=day.isoformat())
    names = row.locator("details.why summary").all_inner_texts()
    assert len(names) >= 2 and all(n.strip() and n != "?" for n in names)  # a leader and officer(s) by name
    counts = page.locator("#fairness tbody tr")
    assert counts.count() >= 6
    totals = [int(t) for t in page.locator("#fairness tbody tr td:last-child").all_inner_texts()]
    shown = page.locator("#roster-table details.why").count()
    assert sum(totals) == shown and min(totals) >= 1  # every duty counted, nobody left out

    why = row.locator("details.why").first
    assert not why.locator("small").is_visible()
    why.locator("summary").click()
    text = why.locator("small").inner_text()
    assert why.locator("small").is_visible() and any(k in text for k in ("轮到", "补班", "节", "替班")), text
    page.screenshot(path="/tmp/dutydesk-roster-why.png", full_page=True)


def test_leave_on_tomorrows_leader_shows_gap_and_substitute(page):
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    day = _tomorrow()
    month = f"{day.year:04d}-{day.month:02d}"
    page.goto("/rosters")
    unit_id = page.locator("select[name=unit_id] option", has_text=HUB).get_attribute("value")
    view = page.request.get(f"/api/rosters/{unit_id}/{month}").json()  # the console session works for the API
    leader = next(d for d in view["days"] if d["day"] == day.isoformat())["posts"]["leader"][0]
    # the acting person is an officer, outside the leaders' pool: a fellow leader named as acting person covers the
    # slot himself, and then there is no gap (tests/rosters/test_acting_covers.py)
    acting = next(c for c in view["fairness"] if c["person_id"] != leader["person_id"]
                  and not any(x["person_id"] == c["person_id"] for d in view["days"] for x in d["posts"]["leader"]))
    page.goto("/")
    gap_words = f"{leader['name']}请假"
    assert gap_words not in page.locator("#alerts").inner_text()

    page.goto("/leaves")
    form = page.locator("#leave-form")
    form.locator("select[name=person_id]").select_option(value=leader["person_id"])
    form.locator("input[name=start_day]").fill(day.isoformat())
    form.locator("input[name=end_day]").fill(day.isoformat())
    form.locator("input[name=destination]").fill("省应急管理厅")
    form.locator("input[name=reason]").fill("参加全省防汛会商")
    form.locator("input[name=contact]").fill("13900001111")
    form.locator("textarea[name=arrangements]").fill("日常工作由主持工作人员负责")
    form.locator("select[name=acting_person_id]").select_option(value=acting["person_id"])
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()
    assert leader["name"] in page.locator("#leave-list").inner_text()
    # the leave row itself says which of the leader's duties are now uncovered, and links to the gap list
    uncovered = page.locator("#leave-list tr", has_text=leader["name"]).locator("a[data-flag=uncovered]")
    assert uncovered.count() == 1 and day.isoformat() in uncovered.inner_text(), uncovered.all_inner_texts()

    page.goto("/")
    alert = page.locator("#alerts li[data-code=roster_holder_on_leave]")
    text = alert.inner_text()
    assert HUB in text and day.isoformat() in text and gap_words in text and "建议替班：" in text, text
    page.screenshot(path="/tmp/dutydesk-gap-alert.png", full_page=True)
    alert.locator("a").click()
    page.wait_for_url("**/rosters/gaps")
    assert leader["name"] in page.locator("body").inner_text()

    # the duty officer puts the first suggested substitute on the slot: the gap and the alert go, the roster
    # names the substitute on that day, and says why (替班)
    gap = page.locator("#gap-list tbody tr", has_text=day.isoformat()).filter(has_text=gap_words)
    first = gap.locator("ol.subs li.ok").first
    substitute = first.inner_text().split("可替班")[0].strip()
    first.locator("button", has_text="安排").click()
    page.wait_for_load_state()
    assert "已安排替班" in page.locator("body").inner_text()
    assert page.locator("#gap-list tbody tr", has_text=day.isoformat()).filter(has_text=gap_words).count() == 0
    page.goto("/")
    assert page.locator("#alerts li[data-code=roster_holder_on_leave]", has_text=gap_words).count() == 0
    page.goto("/leaves")
    assert page.locator("#leave-list tr", has_text=leader["name"]).locator("a[data-flag=uncovered]").count() == 0
    view = page.request.get(f"/api/rosters/{unit_id}/{month}").json()
    now_on = next(d for d in view["days"] if d["day"] == day.isoformat())["posts"]["leader"][0]
    assert now_on["name"] == substitute and now_on["person_id"] != leader["person_id"], (now_on, substitute)
