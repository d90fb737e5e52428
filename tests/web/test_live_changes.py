"""The live pages' change feed: which topics changed since a mark, one poll for every open page."""

from __future__ import annotations

import asyncio

from models.audit import AuditEntry
from services import audit, changes
from web.live import Hub


def test_a_poll_names_the_topics_of_what_changed_and_nothing_twice(session):
    mark = changes.start(session)
    assert changes.poll(session, mark) == set()
    audit.record(session=session, actor="duty", action="create", entity="incident", entity_id="x")
    audit.record(session=session, actor="duty", action="update", entity="roster", entity_id="y")
    session.flush()
    assert changes.poll(session, mark) == {"incidents", "rosters"}
    assert changes.poll(session, mark) == set()  # reported once


def test_an_entry_that_commits_after_a_newer_one_is_still_announced(session):
    mark = changes.start(session)
    late = audit.record(session=session, actor="duty", action="create", entity="leave", entity_id="a")
    newer = audit.record(session=session, actor="duty", action="create", entity="incident", entity_id="b")
    session.flush()
    # as if `late` (a lower seq) were not yet committed when the poll ran: hide it, poll, then show it
    session.delete(late)
    session.flush()
    assert changes.poll(session, mark) == {"incidents"} and mark.audit_seq == newer.seq
    session.add(AuditEntry(seq=newer.seq - 1, actor="duty", action="create", entity="leave", entity_id="a"))
    session.flush()
    assert changes.poll(session, mark) == {"rosters"}


def test_one_poll_feeds_every_open_page():
    async def scenario():
        reads = []

        class FakeHub(Hub):
            def _read(self, mark):
                reads.append(mark)
                return changes.Mark(started=True) if mark is None else {"incidents"}

        hub = FakeHub(session_factory=None, interval=0.01)
        queues = [hub.subscribe() for _ in range(500)]  # 500 open pages
        got = await asyncio.wait_for(asyncio.gather(*(q.get() for q in queues)), 2)
        polls = len(reads)
        for q in queues:
            hub.unsubscribe(q)
        await asyncio.sleep(0.05)
        return got, polls, hub.listeners

    got, polls, left = asyncio.run(scenario())
    assert all(topics == {"incidents"} for topics in got)
    assert polls <= 3  # one poll fed all 500 pages (the first only set the mark)
    assert left == 0


def test_a_failing_poll_is_counted_on_metrics_and_logged(client, caplog):
    class BrokenHub(Hub):
        def _read(self, mark):
            raise RuntimeError("database gone")

    async def scenario():
        hub = BrokenHub(session_factory=None, interval=0.01)
        queue = hub.subscribe()
        await asyncio.sleep(0.1)
        hub.unsubscribe(queue)
        await asyncio.sleep(0.05)
        return hub

    client.app.state.live_hub = asyncio.run(scenario())
    lines = client.get("/metrics").text.splitlines()
    polls = next(line for line in lines if line.startswith('dutydesk_live_failures_total{kind="poll"}'))
    assert float(polls.split()[-1]) >= 2  # every failed tick counts, and the poller kept trying
    assert 'dutydesk_live_failures_total{kind="stream"} 0.0' in lines
    assert any("polling for changes failed" in r.getMessage() for r in caplog.records)
