"""A planner process for long roster runs: it plans the next chunks while this process writes the current one.

Planning a chunk (reading its inputs, rotating, building its rows) is pure Python
and holds the GIL; writing it is mostly the database's work. In one process the
two alternate; with the planner in its own process a province uses both cores.
A thread would not do: SQLite's executemany takes the GIL back after every row,
so a writer thread would wait on a busy planner thread for every row.

The planner is a fresh `python` running `serve` (nothing of the caller is
imported or copied: no multiprocessing re-import of the caller's main module).
It only reads, on its own connection (SQLite WAL readers never block the
writer). Requests and plans travel pickled over its stdin/stdout, in order, at
most `ahead` chunks in flight, so memory stays flat in the number of units.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator

from sqlmodel import Session, create_engine

from services.rosters.batch import BatchPlan, plan_batch
from services.rosters.calendar import load_calendar


def usable(url) -> bool:
    """A database another process can open (not an in-memory SQLite)."""
    return not (url.drivername.startswith("sqlite") and url.database in (None, "", ":memory:"))


class Planner:
    """`plans(chunks, ...)` yields each chunk's BatchPlan in order, planned in another process ahead of use."""

    def __init__(self, url, ahead: int = 2) -> None:
        self.ahead = ahead
        self._proc = subprocess.Popen([sys.executable, "-c", _MAIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._send(url.render_as_string(hide_password=False))

    def _send(self, obj) -> None:
        pickle.dump(obj, self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self._proc.stdin.flush()

    def _receive(self) -> BatchPlan:
        try:
            kind, value = pickle.load(self._proc.stdout)
        except EOFError:
            raise RuntimeError(f"the roster planner process exited (code {self._proc.wait()})") from None
        if kind == "error":
            raise RuntimeError(f"the roster planner failed:\n{value}")
        return value

    def plans(self, chunks: list[list[uuid.UUID]], months: list[str], force: bool, tz: str) -> Iterator[BatchPlan]:
        sent = received = 0
        while received < len(chunks):
            while sent < len(chunks) and sent - received < self.ahead:
                self._send((chunks[sent], months, force, tz))
                sent += 1
            yield self._receive()
            received += 1

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()  # end of requests: the planner exits
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()

    def __enter__(self) -> Planner:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self._proc.kill()
        self.close()


_MAIN = "import sys; from services.rosters.planner import serve; serve(sys.stdin.buffer, sys.stdout.buffer)"


def serve(stdin, stdout) -> None:
    """The planner process: a URL, then (unit_ids, months, force, tz) requests until end of input."""
    url = pickle.load(stdin)
    engine = create_engine(url, **({"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}))
    while True:
        try:
            unit_ids, months, force, tz = pickle.load(stdin)
        except EOFError:
            return
        try:
            with Session(engine) as session:
                plan = plan_batch(session=session, unit_ids=unit_ids, months=months, force=force, tz=tz,
                                  calendar=load_calendar(session=session))
                session.rollback()
            reply = ("plan", plan)
        except Exception:  # sent back: the caller raises it with this text
            reply = ("error", traceback.format_exc())
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
