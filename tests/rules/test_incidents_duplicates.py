"""Likely duplicates at intake, as tables of cases (no database): place text, time window, state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from rules.incidents.duplicates import DuplicatePolicy, Report, likely_duplicates, normalise_place, place_similarity

NOW = datetime(2026, 7, 14, 18, 10, tzinfo=UTC)
TOWN, DEPT = uuid.uuid4(), uuid.uuid4()


def _new(**kw) -> Report:
    base = dict(id=uuid.uuid4(), category="natural_disaster", place="高观镇青龙村3组", received_at=NOW,
                occurred_at=NOW - timedelta(minutes=25), unit_id=DEPT, source="应急局报告")
    return Report(**{**base, **kw})


def _other(**kw) -> Report:
    base = dict(id=uuid.uuid4(), category="natural_disaster", place="高观镇青龙村三组附近", received_at=NOW - timedelta(minutes=40),
                occurred_at=NOW - timedelta(minutes=30), unit_id=TOWN, source="高观镇值班室电话报告")
    return Report(**{**base, **kw})


@pytest.mark.parametrize("a, b, alike", [
    ("高观镇青龙村3组", "高观镇 青龙村 3组", True),  # spaces
    ("高观镇青龙村３组", "高观镇青龙村3组", True),  # full-width digit
    ("高观镇青龙村", "高观乡青龙", True),  # 镇/乡/村 words
    ("青龙村", "高观镇青龙村3组", True),  # the village without its town
    ("高观镇青龙村", "石门乡白岩村", False),
    ("", "高观镇青龙村", False),  # an unknown place is not alike
    ("G318线K2100处", "Ｇ３１８线 Ｋ２１００处", True),  # full-width letters
])
def test_place_text_alike(a, b, alike):
    assert (place_similarity(a, b) >= DuplicatePolicy().min_place_similarity) is alike, (a, b, place_similarity(a, b))


def test_normalised_place_drops_width_spaces_punctuation_and_admin_words():
    assert normalise_place(" 高观镇，青龙村（３组） ") == "高观青龙3"
    assert normalise_place("城关街道东风社区") == "城关东风"


def test_same_category_place_and_window_is_suggested_with_why():
    other = _other()
    (m,) = likely_duplicates(_new(), [other], NOW)
    assert m.id == other.id and m.minutes_apart == 5 and m.other_unit and m.other_source and 0 < m.score <= 1


@pytest.mark.parametrize("change, why", [
    ({"category": "accident"}, "another category"),
    ({"place": "石门乡白岩村"}, "another place"),
    ({"occurred_at": NOW - timedelta(hours=4)}, "outside the window"),
    ({"merged": True}, "already merged"),
    ({"status": "merged"}, "already merged (status)"),
    ({"status": "closed", "closed_at": NOW - timedelta(hours=30)}, "closed long ago"),
])
def test_not_suggested(change, why):
    assert likely_duplicates(_new(), [_other(**change)], NOW) == [], why


def test_recently_closed_is_still_suggested_and_the_incident_itself_never():
    new = _new()
    closed = _other(status="closed", closed_at=NOW - timedelta(hours=2))
    assert [m.id for m in likely_duplicates(new, [closed, new], NOW)] == [closed.id]


def test_window_edges_included_and_without_event_time_the_received_time_counts():
    policy = DuplicatePolicy(window_minutes=60)
    new = _new(occurred_at=None)  # 接报 NOW
    edge = _other(occurred_at=None, received_at=NOW - timedelta(minutes=60))
    past = _other(occurred_at=None, received_at=NOW - timedelta(minutes=61))
    assert [m.id for m in likely_duplicates(new, [edge, past], NOW, policy)] == [edge.id]


def test_the_window_and_limits_are_the_policys():
    new = _new()
    far = _other(occurred_at=NOW - timedelta(hours=5))
    assert likely_duplicates(new, [far], NOW) == []
    assert likely_duplicates(new, [far], NOW, DuplicatePolicy(window_minutes=360))
    many = [_other() for _ in range(8)]
    assert len(likely_duplicates(new, many, NOW)) == DuplicatePolicy().limit


def test_most_alike_first():
    new = _new()
    close = _other(place="高观镇青龙村3组", occurred_at=new.occurred_at)
    looser = _other(place="青龙村", occurred_at=new.occurred_at - timedelta(minutes=90))
    assert [m.id for m in likely_duplicates(new, [looser, close], NOW)] == [close.id, looser.id]


def test_same_unit_and_source_is_still_suggested_but_says_so():
    new = _new()
    twice = _other(unit_id=new.unit_id, source=new.source)  # entered twice by mistake
    (m,) = likely_duplicates(new, [twice], NOW)
    assert not m.other_unit and not m.other_source
