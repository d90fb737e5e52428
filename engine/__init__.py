"""The engine: the latency-critical clock inside `dutydesk serve`.

`PARTS` lists "module:function" starters; each is called once at start with
(clock, settings, db_engine) and registers its wake-ups on the clock. A part
must rebuild its timers from database rows (invariant 1).
"""

PARTS: list[str] = [
    "engine.dispatcher:start",  # deliveries (issue 4): outbox dispatch, retries, crash recovery
    "engine.escalator:start",  # incidents (issue 5): escalation steps and deadline alarms at their due time
    "engine.auditseal:start",  # audit log: chain new entries every second
    "engine.deadman:start",  # scale-out (issue 7): ping ops.deadman_url while escalations are on time
]
