"""A web-only instance's new message reaches an engine at once on PostgreSQL (LISTEN/NOTIFY), not at its poll.

The dispatcher here polls once a minute and is not woken in-process (as in an engine whose web tier is another
process): the message still arrives within seconds, because the enqueueing transaction sends a NOTIFY that
the engine's listener turns into the dispatcher's wake-up. A rolled-back enqueue wakes nobody.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from sqlmodel import Session

from engine.dispatcher import Dispatcher
from engine.listener import Listener
from services import deliveries
from services.deliveries.outbox import WAKE_PAYLOAD
from services.incidents.wakeups import WAKE_PREFIX
from tests.scale import cluster


def _enqueue(engine, commit: bool = True) -> None:
    with Session(engine) as s:
        deliveries.enqueue(session=s, source="test", source_id=uuid.uuid4().hex[:8], step="1",
                           recipient={"name": "值班员"}, channel="hook", subject="值班通知", text="请确认")
        s.commit() if commit else s.rollback()


def test_a_commit_in_another_process_wakes_the_dispatcher_at_once(tmp_path):
    with cluster.own_database("postgresql", tmp_path) as (engine, url):
        sink, sink_url = cluster.start_sink()
        cluster.add_webhook_channel(engine, "hook", sink_url)
        dispatcher = Dispatcher(engine, key=cluster.KEY, public_url="http://test", poll=60.0)
        dispatcher.start()
        deliveries.WAKE_HOOKS.remove(dispatcher.wake)  # no in-process wake-up: the web tier is "elsewhere"
        listener = Listener(engine, delivery_hooks=[dispatcher.wake])
        try:
            assert dispatcher.ready.wait(30)
            time.sleep(0.5)  # the dispatcher's first pass is over: it sleeps now for its 60 s poll
            listener.start()
            assert listener.ready.wait(10)
            _enqueue(engine, commit=False)
            time.sleep(0.5)
            assert listener.received == 0  # PostgreSQL delivers a NOTIFY only with its commit
            started = time.monotonic()
            _enqueue(engine)
            while cluster.get_json(sink_url + "/stats")["received"] < 1:
                assert time.monotonic() - started < 10, "the message waited for the dispatcher's poll"
                time.sleep(0.01)
            took = time.monotonic() - started
        finally:
            listener.stop()
            dispatcher.stop()
            cluster.stop_process(sink)
        assert listener.received == 1
        print(f"\ncommit → sink through LISTEN/NOTIFY: {took * 1000:.0f} ms")


def test_an_escalation_due_time_reaches_the_escalators_hook(engine):
    seen: list = []
    listener = Listener(engine.execution_options(), incident_hooks=[seen.append], delivery_hooks=[])
    due = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    listener.dispatch(f"{WAKE_PREFIX}{due.isoformat()}")
    listener.dispatch("something else")  # ignored

    def broken():
        raise RuntimeError("boom")

    listener.delivery_hooks.append(broken)
    listener.dispatch(WAKE_PAYLOAD)  # a failing hook is logged, the listener goes on
    assert seen == [due]
