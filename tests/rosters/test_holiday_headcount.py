"""A statutory holiday with fewer people than the post's holiday head-count (节假日人数, 2 officers by default:
DOMAIN.md) is said: in the import preview at the day's cell, in what generate answers, and on the roster page
(zh-CN, and in English on an English page)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.spreadsheets import read_workbook
from services.access import Actor
from services.rosters import imports
from services.rosters import policy as pol
from tests.rosters.test_import_checks import _login
from tests.rosters.test_import_layouts import BY, LEADERS, NOW, OFFICERS, title, unit, xlsx  # noqa: F401

HOLIDAYS = [date(2026, 10, d) for d in range(1, 8)]  # 国庆节 2026 (chinesecalendar)


def october(officers_on_holidays: int):
    """The county layout for October 2026: one officer a day, `officers_on_holidays` on 国庆节."""
    def build(wb):
        ws = wb.active
        title(ws, "XX县2026年10月值班表", 4)
        ws.append(["日期", "带班领导", "值班人员", "备注"])
        names, d = list(OFFICERS), date(2026, 10, 1)
        while d.month == 10:
            n = officers_on_holidays if d in HOLIDAYS else 1
            ws.append([f"10月{d.day}日", list(LEADERS)[d.day % 3], "、".join(names[(d.day + i) % 6] for i in range(n)),
                       None])
            d += timedelta(days=1)
    return xlsx(build)


def _preview(session, unit, data):
    return imports.preview_import(session=session, unit_id=unit.id, sheets=read_workbook(data), by=BY,
                                  month="2026-10", now=NOW)


def test_the_preview_warns_of_each_holiday_below_the_holiday_head_count(session, unit):
    p = _preview(session, unit, october(1))
    assert p.ok, [x.text for x in p.problems]  # a warning, not a refusal: the office may know better
    short = [w.text for w in p.warnings if "节假日应安排" in w.text]
    assert short == [f"工作表“Sheet”第{d.day + 2}行C列（值班人员）：{d.isoformat()}（国庆节）值班员 1 人，节假日应安排 2 人"
                     for d in HOLIDAYS]
    assert not [w for w in _preview(session, unit, october(2)).warnings if "节假日应安排" in w.text]


def test_generate_and_the_roster_page_say_which_holidays_fall_short(client, tokens, users, session, roster_unit):
    town = roster_unit["unit"]
    # Three officers on holidays from a pool of four who need a day's rest: the rule cannot be met every day.
    pol.set_post(session=session, unit_id=town.id, name="officer", label="值班员", count=1, holiday_count=3,
                 flood_count=2, by=Actor.system("test"))
    session.commit()
    client.app.state.clock = lambda: NOW
    r = client.post(f"/api/rosters/{town.id}/2026-10/generate", headers=tokens["admin"])
    assert r.status_code == 200, r.text
    said = [w for w in r.json()["warnings"] if "节假日应安排 3 人" in w]
    assert said and all(w[:10] in {d.isoformat() for d in HOLIDAYS} and "（国庆节）值班员" in w for w in said), said
    view = client.get(f"/api/rosters/{town.id}/2026-10", headers=tokens["admin"]).json()
    assert [s["text"] for s in view["holiday_short"]] == said
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={town.id}&month=2026-10", headers={"accept": "text/html"}).text
    box = page.split('id="holiday-short"')[1].split("</div>")[0]
    assert "节假日人数不足" in box and all(w in box for w in said)
    page = client.get(f"/rosters?unit_id={town.id}&month=2026-10&lang=en", headers={"accept": "text/html"}).text
    box = page.split('id="holiday-short"')[1].split("</div>")[0]
    assert "Holidays below the holiday head-count" in box and "(National Day): Duty officer" in box
    assert "国庆" not in box and "节假日" not in box


def test_a_holiday_added_after_the_month_was_planned_shows_on_the_roster_page(client, tokens, users, session,
                                                                               roster_unit):
    """A clerk-tester imported the holiday notice after January was published: the page still called 01-01 工作日.
    It shows the calendar's kind now and says which days changed since the month was planned."""
    from models.rosters.roster import HolidayDay, HolidayKind

    town = roster_unit["unit"]
    client.app.state.clock = lambda: NOW
    # January 2027 planned before the State Council's notice for 2027 (no calendar: 01-01, a Friday, a workday)
    assert client.post(f"/api/rosters/{town.id}/2027-01/generate", headers=tokens["admin"]).status_code == 200
    extra = date(2027, 1, 1)
    session.add(HolidayDay(day=extra, kind=HolidayKind.holiday, name="元旦"))
    session.commit()
    view = client.get(f"/api/rosters/{town.id}/2027-01", headers=tokens["admin"]).json()
    assert view["calendar_changed"] == [{"day": extra.isoformat(), "was": "workday", "now": "holiday"}]
    _login(client, "u_duty_officer")
    page = client.get(f"/rosters?unit_id={town.id}&month=2027-01", headers={"accept": "text/html"}).text
    box = page.split('id="calendar-changed"')[1].split("</div>")[0]
    assert "节假日安排在排班后有变" in box and "2027-01-01：排班时为工作日，现为节假日" in box
    row = page.split('<tr class="dc-holiday"><td>2027-01-01')
    assert len(row) == 2  # the table row reads 节假日 now
    page = client.get(f"/rosters?unit_id={town.id}&month=2027-01&lang=en", headers={"accept": "text/html"}).text
    assert "2027-01-01: planned as Workday, now Holiday" in page


def test_a_holiday_imported_after_the_month_was_planned_raises_the_gap_alert_at_once(client, tokens, users, session,
                                                                                      roster_unit):
    """t15's S1: after the 2027 notice was imported, the dashboard's 值班岗位人数不足 named only the unit imported
    afterwards; every January planned before it (one officer on 元旦, two needed on a holiday) was missing from the
    alert and /metrics until its month was touched again. A holiday change re-checks the stored months it falls in."""
    from core.settings import Settings
    from models.rosters.roster import HolidayDayBase, HolidayKind
    from services.rosters import gaps, holidays

    town = roster_unit["unit"]
    client.app.state.clock = lambda: NOW
    assert client.post(f"/api/rosters/{town.id}/2027-01/generate", headers=tokens["admin"]).status_code == 200
    jan1 = date(2027, 1, 1)
    assert not [g for g in gaps.open_gaps(session, jan1, jan1, town.id) if g.post == "officer"]
    holidays.put_day(session=session, data=HolidayDayBase(day=jan1, kind=HolidayKind.holiday, name="元旦"),
                     actor="clerk", tz="Asia/Shanghai")
    session.commit()
    short = [g for g in gaps.open_gaps(session, jan1, jan1, town.id) if g.post == "officer"]
    assert short and short[0].missing == 1
    alerts = gaps.roster_gaps(session, datetime(2026, 12, 20, tzinfo=UTC), Settings())
    assert any(a.code == "roster_gap" and "2027-01-01" in a.text for a in alerts), [a.text for a in alerts]
    holidays.delete_day(session=session, day=jan1, actor="clerk", tz="Asia/Shanghai")  # a workday again
    session.commit()
    assert not [g for g in gaps.open_gaps(session, jan1, jan1, town.id) if g.post == "officer"]
    from tests.rosters.test_holiday_notice_import import TEXT_2027

    holidays.import_notice(session=session, text=TEXT_2027, actor="clerk", tz="Asia/Shanghai")  # as the tester did
    session.commit()
    assert [g for g in gaps.open_gaps(session, jan1, jan1, town.id) if g.post == "officer"]
