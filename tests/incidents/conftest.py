"""A county for incident tests: duty leader, vice heads per category, the county head; a clock; a recorder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.accounts import Role
from models.directory import PersonCreate
from models.incidents.escalation import Notice
from services.access import Actor
from services.directory import org
from services.incidents import targets

T0 = datetime(2026, 7, 14, 18, 10, tzinfo=UTC)  # 02:10 on 15 July, Asia/Shanghai (flood season, a workday)
DUTY = Actor("duty", Role.duty_officer)  # a duty officer of the office, as the services see them


class Clock:
    """A controllable clock for services, the web app and the engine tick."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> datetime:
        self.now += timedelta(**kw)
        return self.now


class Recorder:
    """Every message the incident feature sent; a test fails on any it did not expect (GoAlert smoke style)."""

    def __init__(self, session) -> None:
        self.session = session
        self.seen: set = set()

    def new(self, purpose: str | None = None) -> list[Notice]:
        self.session.flush()
        rows = [n for n in self.session.exec(select(Notice).order_by(Notice.at, Notice.recipient))
                if n.id not in self.seen]
        self.seen.update(n.id for n in rows)
        return [n for n in rows if purpose is None or n.purpose == purpose]

    def expect(self, purpose: str, *recipients: str) -> list[Notice]:
        """The new messages are exactly these recipients for `purpose`, and nothing else at all."""
        got = self.new()
        assert sorted((n.purpose, n.recipient) for n in got) == sorted((purpose, r) for r in recipients), \
            f"unexpected messages: {[(n.purpose, n.recipient, n.subject) for n in got]}"
        return got

    def expect_none(self) -> None:
        got = self.new()
        assert not got, f"unexpected messages: {[(n.purpose, n.recipient, n.subject) for n in got]}"


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def recorder(session):
    return Recorder(session)


@pytest.fixture
def county(session, directory, monkeypatch):
    """The hub's people: county head, vice head for natural disasters, duty leader on duty now."""
    hub = directory["hub"]
    mk = lambda name, **kw: org.create_person(session=session, actor="test", data=PersonCreate(  # noqa: E731
        name=name, unit_id=hub.id, mobile="13900000009", wecom_id=f"wx-{name}", **kw))
    people = {
        "head": mk("县长赵国华", title="县长", is_unit_head=True, is_leading_cadre=True),
        "vice": mk("副县长钱立新", title="副县长", domain_categories=["natural_disaster"], is_leading_cadre=True),
        "vice_acc": mk("副县长孙德明", title="副县长", domain_categories=["accident"]),
        "leader": mk("带班领导周文静", title="县政府办副主任"),
        "deputy": mk("常务副县长吴振华", title="常务副县长"),
    }
    on_duty = {"hub": [people["leader"]]}
    monkeypatch.setattr(targets, "on_duty_leaders",
                        lambda session, unit_id, at: on_duty["hub"] if unit_id == hub.id else [])
    # the same roster as far ahead as a policy's check looks: the hub's leader is rostered while on_duty names one
    monkeypatch.setattr(targets, "post_rostered", lambda session, unit_id, post, start, end:
                        bool(on_duty["hub"]) if unit_id == hub.id and post == "leader" else False)
    session.commit()
    return {**directory, **people, "on_duty": on_duty}


def landslide(unit_id, received_at, **kw) -> dict:
    """A grade II landslide in a town, as the intake form or API sends it."""
    data = {"title": "高观镇山体滑坡", "category": "natural_disaster", "type": "山体滑坡", "unit_id": str(unit_id),
            "occurred_at": (received_at - timedelta(minutes=25)).isoformat(), "received_at": received_at.isoformat(),
            "place": "高观镇青龙村3组", "source": "高观镇值班室电话报告", "reporter": "李明", "reporter_contact": "13800001111",
            "deaths": 2, "injured": "待核实", "missing": 3, "grade": 2, "grade_override_reason": "失联人员较多，按重大级别响应",
            "scope": "约20户受影响", "measures": "已疏散群众", "leader_on_site": "镇长"}
    data.update(kw)
    return data


def vice_on_leave(session, county, clock) -> None:
    """The natural-disaster vice head (副县长钱立新) on leave today, 常务副县长吴振华 acting for him."""
    from models.rosters.leave import LeaveCreate
    from services.rosters.leaves import file_leave

    day = (clock.now + timedelta(hours=8)).date()  # the local date (15 July)
    file_leave(session=session, by=Actor.system("test"), today=day - timedelta(days=3), tz="Asia/Shanghai",
               data=LeaveCreate(person_id=county["vice"].id, start_day=day - timedelta(days=1),
                                end_day=day + timedelta(days=1), destination="省城", reason="参加培训",
                                contact="13900000009", arrangements="工作由常务副县长主持",
                                acting_person_id=county["deputy"].id))
