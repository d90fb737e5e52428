"""Generation stored, published, versioned; gaps from leave with a suggested substitute."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import select

from core.errors import Conflict, Invalid, NotFound
from dutydesk.composition import ALERT_SOURCES
from models.audit import AuditEntry
from models.rosters.leave import LeaveCreate
from models.rosters.roster import RosterGap, RosterSlot
from services import alerts
from services.access import Actor
from services.rosters import gaps, leaves, publish
from services.rosters.generate import generate_month
from services.rosters.views import month_view, on_duty_now
from tests.rosters.conftest import MONTH, NOW


def _slots(session, unit):
    return list(session.exec(select(RosterSlot).where(RosterSlot.unit_id == unit.id)))


def test_month_is_stored_with_every_slot_and_publishes_once(session, roster_unit, settings):
    unit = roster_unit["unit"]
    row = generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    slots = _slots(session, unit)
    # 31 days × 1 leader + 1 officer, 2 officers on New Year's Day (2027-01-01 is not in December) -> 62
    assert row.slots == len(slots) == 62 and row.gaps == 0
    assert {s.day for s in slots} == {date(2026, 12, 1) + timedelta(days=i) for i in range(31)}
    view = month_view(session=session, unit_id=unit.id, month=MONTH, tz="Asia/Shanghai", by=Actor.system("test"))
    counts = {c["name"]: c["total"] for c in view["fairness"]}
    assert max(counts[f"值班员{i}"] for i in range(4)) - min(counts[f"值班员{i}"] for i in range(4)) <= 1
    assert "轮到" in view["days"][0].posts["leader"][0]["why"]
    published = publish.publish(session=session, unit_id=unit.id, month=MONTH, now=NOW, by=Actor.system("test"))
    assert published.status.value == "published" and published.version == 1
    with pytest.raises(Conflict):
        generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    with pytest.raises(Conflict):
        publish.publish(session=session, unit_id=unit.id, month=MONTH, now=NOW, by=Actor.system("test"))


def test_change_after_publication_bumps_version_and_is_audited(session, roster_unit):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    publish.publish(session=session, unit_id=unit.id, month=MONTH, now=NOW, by=Actor.system("test"))
    slot = next(s for s in _slots(session, unit) if s.post == "officer")
    old = slot.person_id
    other = next(p for p in roster_unit["officers"] if p.id != old)
    publish.reassign(session=session, slot_id=slot.id, person_id=other.id, by=Actor.system("boss"), reason="临时调整", tz="Asia/Shanghai")
    view = month_view(session=session, unit_id=unit.id, month=MONTH, tz="Asia/Shanghai", by=Actor.system("test"))
    assert view["version"] == 2
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "reassign")).one()
    assert entry.actor == "boss" and entry.before["person_id"] == str(old)
    assert entry.after["version"] == 2


def test_leave_on_rostered_leader_is_a_gap_alert_with_substitute(session, roster_unit, settings):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    slot = next(s for s in _slots(session, unit) if s.post == "leader" and s.day == date(2026, 12, 3))
    leaves.file_leave(session=session, today=NOW.date(), by=Actor.system("test"), data=LeaveCreate(
        person_id=slot.person_id, start_day=date(2026, 12, 3), end_day=date(2026, 12, 3), destination="市里",
        reason="开会", contact="13900000000", arrangements="由副职负责",
        acting_person_id=roster_unit["officers"][0].id), tz="Asia/Shanghai")
    # the acting person cannot hold a leader slot (not in the pool): the slot is open (one who can takes it over:
    # tests/rosters/test_acting_covers.py)
    gap = session.exec(select(RosterGap).where(RosterGap.unit_id == unit.id)).one()
    assert gap.reason == "holder_unavailable" and gap.person_id == slot.person_id and "请假" in gap.text
    found = [a for a in alerts.collect(session=session, now=NOW, settings=settings, sources=ALERT_SOURCES) if a.code == "roster_holder_on_leave"]
    assert found and found[0].count == 1
    subs = gaps.substitutes(session=session, gap_id=gap.id, tz="Asia/Shanghai", by=Actor.system("test"))
    assert subs[0]["eligible"] and subs[0]["person_id"] != str(slot.person_id)
    assert not next(s for s in subs if s["person_id"] == str(slot.person_id))["eligible"]
    # the dashboard alert itself names the unit and the suggested substitute
    assert unit.name in found[0].text and f"建议替班：{subs[0]['name']}" in found[0].text

    # the duty office places the suggested substitute: the slot changes hands, the gap and the alert go, audited
    with pytest.raises(Invalid, match="不在"):  # someone outside the post's pool is refused by name
        publish.fill_gap(session=session, gap_id=gap.id, person_id=roster_unit["officers"][0].id,
                         by=Actor.system("test"), tz="Asia/Shanghai")
    publish.fill_gap(session=session, gap_id=gap.id, person_id=uuid.UUID(subs[0]["person_id"]),
                     by=Actor.system("duty"), tz="Asia/Shanghai")
    session.refresh(slot)
    assert str(slot.person_id) == subs[0]["person_id"] and slot.why["r"] == "substitute"
    assert session.exec(select(RosterGap).where(RosterGap.unit_id == unit.id)).all() == []
    assert not [a for a in alerts.collect(session=session, now=NOW, settings=settings, sources=ALERT_SOURCES)
                if a.code == "roster_holder_on_leave"]
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "reassign")).one()
    assert entry.actor == "duty" and "顶替" in entry.note
    with pytest.raises(NotFound):  # a second click on the same (now gone) gap
        publish.fill_gap(session=session, gap_id=gap.id, person_id=uuid.UUID(subs[0]["person_id"]),
                         by=Actor.system("duty"), tz="Asia/Shanghai")


def test_on_duty_now_names_leader_and_officer(session, roster_unit):
    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    at = NOW.replace(month=12, day=5)  # 10:00 local on Dec 5: the slot of Dec 5
    rows = on_duty_now(session=session, now=at)
    assert len(rows) == 1 and rows[0]["unit"] == unit.name and rows[0]["leader"] and rows[0]["officers"]
    view = month_view(session=session, unit_id=unit.id, month=MONTH, tz="Asia/Shanghai", by=Actor.system("test"))
    dec5 = next(d for d in view["days"] if d.day == date(2026, 12, 5))
    assert rows[0]["leader"] == dec5.posts["leader"][0]["name"]
    early = NOW.replace(month=12, day=5, hour=0)  # 08:00 local: still the slot of Dec 4
    dec4 = next(d for d in view["days"] if d.day == date(2026, 12, 4))
    assert on_duty_now(session=session, now=early)[0]["leader"] == dec4.posts["leader"][0]["name"]


def test_batch_of_units_matches_month_by_month_and_reports_refusals(session, roster_unit, directory):
    """generate_units (flows, CLI, bench): one rules call per unit, state per month; a unit without posts is named."""
    import contextlib

    from models.rosters.roster import RotationState
    from services.rosters.generate import generate_units

    unit, dept = roster_unit["unit"], directory["dept"]
    seen = []
    totals = generate_units(session_factory=lambda: contextlib.nullcontext(session),  # the test's rolled-back session
                            unit_ids=[unit.id, dept.id], months=["2026-11", "2026-12"], actor="test",
                            progress=lambda u, n: seen.append((u, n)), tz="Asia/Shanghai")
    assert totals["units"] == 2 and totals["slots"] == len(_slots(session, unit)) >= 61 * 2
    assert "no duty posts" in totals["errors"][str(dept.id)] and dict(seen)[dept.id] == 0
    stored = {r.month for r in session.exec(select(RotationState).where(RotationState.unit_id == unit.id))}
    assert stored == {"2026-11", "2026-12"}
    whole = sorted((s.day, s.post, s.person_id) for s in _slots(session, unit) if s.day.month == 12)
    generate_month(session=session, unit_id=unit.id, month="2026-12", by=Actor.system("test"), tz="Asia/Shanghai")  # from November's stored state
    again = sorted((s.day, s.post, s.person_id) for s in _slots(session, unit) if s.day.month == 12)
    assert again == whole



def test_a_refused_reassignment_names_the_post_and_not_another_units_person(session, roster_unit, directory):
    """A unit reporter putting a person of another unit on its duty: the refusal says 值班员, not 'officer', and
    does not tell the reporter who that person is (an attacker tester read another unit's names this way)."""
    from models.accounts import Role
    from models.directory import PersonCreate
    from services.directory import org

    unit = roster_unit["unit"]
    generate_month(session=session, unit_id=unit.id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    stranger = org.create_person(session=session, actor="test", data=PersonCreate(
        name="唐文静", unit_id=directory["dept"].id, mobile="13900000999"))
    session.commit()
    slot = next(s for s in _slots(session, unit) if s.post == "officer")
    reporter = Actor("u_town", Role.unit_reporter, unit_id=unit.id)
    with pytest.raises(Invalid) as refused:
        publish.reassign(session=session, slot_id=slot.id, person_id=stranger.id, by=reporter, tz="Asia/Shanghai")
    assert "值班员" in refused.value.reason and "officer岗位" not in refused.value.reason
    assert "唐文静" not in refused.value.reason and "所选人员" in refused.value.reason
    with pytest.raises(Invalid) as office:  # the duty office sees every unit: the name helps it
        publish.reassign(session=session, slot_id=slot.id, person_id=stranger.id, by=Actor.system("duty"),
                         tz="Asia/Shanghai")
    assert "唐文静" in office.value.reason
