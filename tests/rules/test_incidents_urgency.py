"""The board's order, as a table of cases (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rules.incidents.urgency import Urgency, board_key

NOW = datetime(2026, 7, 14, 18, 10, tzinfo=UTC)


def _order(rows: dict[str, Urgency]) -> list[str]:
    return sorted(rows, key=lambda k: board_key(rows[k]))


def test_overdue_first_then_the_nearest_deadline_whatever_the_acknowledgement():
    rows = {
        "acked II, 2:59 left": Urgency(False, False, NOW + timedelta(minutes=2, seconds=59), True, 2),
        "unacked IV, 110 min left": Urgency(False, False, NOW + timedelta(minutes=110), False, 4),
        "unacked IV, no deadline": Urgency(False, False, None, False, 4),
        "acked IV, overdue": Urgency(False, True, NOW - timedelta(minutes=1), True, 4),
        "closed I": Urgency(True, False, None, False, 1),
    }
    assert _order(rows) == ["acked IV, overdue", "acked II, 2:59 left", "unacked IV, 110 min left",
                            "unacked IV, no deadline", "closed I"]


def test_at_equal_urgency_unacknowledged_first_then_the_more_severe():
    due = NOW + timedelta(minutes=30)
    rows = {
        "acked I": Urgency(False, False, due, True, 1),
        "unacked IV": Urgency(False, False, due + timedelta(seconds=20), False, 4),  # the same minute
        "unacked III": Urgency(False, False, due, False, 3),
        "both overdue, acked": Urgency(False, True, NOW - timedelta(minutes=5), True, 2),
        "both overdue, unacked": Urgency(False, True, NOW - timedelta(minutes=5), False, 2),
    }
    assert _order(rows) == ["both overdue, unacked", "both overdue, acked", "unacked III", "unacked IV", "acked I"]
