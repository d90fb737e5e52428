"""The incident scenario in headless Chromium on the demo: intake form, board countdown, timeline, signed ack link."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime, timedelta

import pytest

from core.settings import get_settings
from rules.rosters.policy import RosterPolicy, slot_at
from tests.browser.test_console import DUTY_PASSWORD, log_in

pytestmark = pytest.mark.browser


def _ack_url(tmp_path_factory, incident_id: str, timeout: float = 15.0) -> str:
    """The signed link of the first escalation message (the engine writes it right after intake)."""
    db = next(tmp_path_factory.getbasetemp().glob("serve*/demo.db"))
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            row = c.execute("SELECT ack_url FROM delivery WHERE source = 'incident' AND source_id = ? "
                            "AND ack_url IS NOT NULL ORDER BY created_at LIMIT 1", (incident_id,)).fetchone()
        if row:
            return row[0]
        assert time.monotonic() < deadline, "no escalation message with an ack link"
        time.sleep(0.3)


def _leaders_to_notify(tmp_path_factory, category: str) -> set[str]:
    """Today's duty leader of the county office and the vice head in charge of `category`:
    one person on the days the rotation puts that vice head on duty."""
    db = next(tmp_path_factory.getbasetemp().glob("serve*/demo.db"))
    # the duty day that holds this moment: at 00:30 it is still yesterday's (handover at 08:30)
    today = slot_at(RosterPolicy(tz=get_settings().timezone), datetime.now(get_settings().tz))[0].isoformat()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        on_duty = c.execute("SELECT p.name FROM roster_slot s JOIN person p ON p.id = s.person_id "
                            "JOIN unit u ON u.id = s.unit_id WHERE u.code = 'county' AND s.day = ? "
                            "AND s.post = 'leader'", (today,)).fetchall()
        in_charge = c.execute("SELECT name FROM person WHERE domain_categories LIKE ?",
                              (f'%"{category}"%',)).fetchall()
    return {name for (name,) in on_duty + in_charge}


def test_duty_officer_logs_a_landslide_and_a_leader_acknowledges_by_link(page, tmp_path_factory):
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/incidents/new")
    now = datetime.now(get_settings().tz)
    page.fill("input[name=title]", "石桥镇黄泥村山体滑坡")
    page.select_option("select[name=category]", "natural_disaster")
    page.fill("input[name=type]", "山体滑坡")
    page.select_option("select[name=unit_id]", label="石桥镇")
    page.fill("input[name=received_at]", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=occurred_at]", (now - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=place]", "石桥镇黄泥村2组")
    page.fill("input[name=deaths]", "12")
    page.fill("input[name=missing]", "待核实")
    page.select_option("select[name=grade]", "2")
    page.fill("input[name=grade_override_reason]", "按重大级别响应")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/[0-9a-f-]{36}$"))
    incident_id = page.url.rsplit("/", 1)[1]

    # the incident page: the timeline names the duty leader and the 分管 vice head, notified at once in the inbox;
    # every county leader has a console account in the demo, so each message reads "已送达" (one without an account
    # would read 发送失败（无控制台账号）: tests/incidents/test_inbox_without_account.py)
    expected = _leaders_to_notify(tmp_path_factory, "natural_disaster")
    notified = page.locator("#timeline tr[data-kind=escalation]")
    for _ in range(30):  # the rows appear queued; the engine delivers them a moment later
        shown = notified.all_inner_texts()
        if len(shown) >= len(expected) and all("已送达" in t for t in shown):
            break
        page.wait_for_timeout(500)
        page.reload()
    texts = notified.all_inner_texts()
    assert len(texts) == len(expected) and all("第1次通知" in t and "控制台收件箱" in t for t in texts), texts
    assert all("已送达" in t for t in texts), texts
    assert {name for name in expected if any(name in t for t in texts)} == expected, (texts, expected)
    assert page.locator("#timeline tr[data-kind=unresolved]").count() == 0
    page.screenshot(path="/tmp/dutydesk-incident.png", full_page=True)

    # the board: the incident with a countdown that ticks in the browser
    page.goto("/incidents")
    row = page.locator("tr", has_text="石桥镇黄泥村山体滑坡")
    countdown = row.locator(".countdown").first
    first = countdown.inner_text()
    assert re.search(r"\d", first), first
    page.wait_for_timeout(2100)
    assert countdown.inner_text() != first, "the countdown does not move"
    page.screenshot(path="/tmp/dutydesk-board.png", full_page=True)

    # the signed link: no login needed, single use
    url = _ack_url(tmp_path_factory, incident_id)
    leader = page.context.browser.new_context(base_url=page.url.split("/incidents")[0], locale="zh-CN").new_page()
    leader.goto(url)
    leader.click("form button[type=submit]")
    assert "已确认收到" in leader.locator("#done").inner_text()
    leader.goto(url)  # used: it says who acknowledged when, with no second button
    assert "已确认收到" in leader.locator("#done").inner_text() and leader.locator("button").count() == 0
    leader.screenshot(path="/tmp/dutydesk-ack-used.png")
    leader.context.close()

    page.goto(f"/incidents/{incident_id}")
    assert "确认" in page.locator("#timeline").inner_text()


def test_a_step_due_this_second_reads_as_being_sent_and_one_a_minute_late_as_overdue(page):
    """A tester saw "下一步 超时 0:41" in red on every incident just saved: its first step was due at once and the
    engine fires it a moment later. A step due within the last minute is being sent; a minute late it is late."""
    log_in(page, "duty", DUTY_PASSWORD)
    page.wait_for_url("**/")
    page.evaluate("""() => {
      const now = Date.now(), add = (id, kind, offset) => {
        const el = document.createElement('span');
        el.className = 'countdown'; el.id = id; el.dataset.due = new Date(now + offset).toISOString();
        if (kind) el.dataset.kind = kind;
        document.querySelector('main').appendChild(el);
      };
      add('step-now', 'step', -5000); add('step-late', 'step', -120000); add('deadline-late', '', -5000);
    }""")
    page.wait_for_timeout(1_500)  # a tick of the countdowns
    assert page.locator("#step-now").inner_text() == "正在发送"
    late = page.locator("#step-late")
    assert "超时" in late.inner_text() and "overdue" in late.get_attribute("class")
    assert "超时" in page.locator("#deadline-late").inner_text()  # a report deadline has no grace
