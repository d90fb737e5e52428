"""Engine processes for bench_delivery: N dispatchers on one database, as `dutydesk serve --role engine` ×N.

Claims are atomic (invariant 2), so several engines share the outbox; each one here is a Dispatcher
in its own process (its own GIL). A commit in another process does not wake them: they poll.
Run one: python -m bench.delivery_workers DB_URL KEY POLL — prints "ready", then on SIGTERM
stops (finishing its sends) and prints the CPU seconds it spent after "ready".
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path


def start(db_url: str, key: str, count: int, poll: float = 0.02) -> list[subprocess.Popen]:
    """`count` engine processes, returned once every one has loaded its channels."""
    procs = [subprocess.Popen([sys.executable, "-m", "bench.delivery_workers", db_url, key, str(poll)],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
             for _ in range(count)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", "engine process did not start"
    return procs


def stop(procs: list[subprocess.Popen]) -> float:
    """Stop them; the CPU seconds they spent between "ready" and the stop."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
    cpu = 0.0
    for p in procs:
        out, _ = p.communicate(timeout=60)
        cpu += float(out.strip().splitlines()[-1])
    return cpu


def main(db_url: str, key: str, poll: float) -> None:
    from core import db
    from engine.dispatcher import Dispatcher

    dispatcher = Dispatcher(db.make_engine(db_url), key=key, public_url="http://bench", poll=poll,
                            batch=200, max_inflight=512)
    dispatcher.start()
    assert dispatcher.ready.wait(60)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    c0 = time.process_time()
    print("ready", flush=True)
    while not stopping:
        time.sleep(0.05)
    dispatcher.stop()
    print(f"{time.process_time() - c0:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
