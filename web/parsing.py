"""Uploaded spreadsheets are parsed in worker processes, never in the web process.

Parsing a legal but heavy workbook is CPU-bound Python (and Rust holding the GIL): in a worker thread of the web
process, eight such uploads at once pushed `/healthz` to ~1.5 s. Here a small pool of processes (spawned, so no
lock of the web process is inherited; `os.nice`d below the web process) does it, bounded three ways:

- at most `web.parse_workers` parses run at once, and at most `web.parse_queue` more wait for a worker;
- one caller (account) holds at most `web.parse_per_caller` of those places, so one account cannot take them all;
- a parse runs at most `web.parse_seconds`: then its worker is stopped (the pool starts fresh ones) and the upload
  is refused naming the time.

An upload past the first two bounds is refused at once with `Busy` (503, `Retry-After`), its reason in zh-CN and
English ("中文 (English)", told apart by the error handlers). The file limits themselves (uncompressed size, cells,
compression ratio) are `core.spreadsheets.Limits`, checked in the worker as before.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

import anyio

from core.errors import Invalid, ServiceError

NICE = 10  # how much lower the workers' priority is than the web process's
RETRY_AFTER = 5  # seconds, told to a refused caller
CHUNK_ROWS = 200  # rows unpickled at a time in the web process


class Busy(ServiceError):
    """Every parsing place is taken (or this caller's share is): try again shortly. Nothing was read or written."""

    status = 503

    def __init__(self, reason: str, *, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(reason, field="file")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


BUSY = ("正在读取的上传表格已达上限，请 {s} 秒后重试，已填写的内容未丢失 "
        "(too many spreadsheets are being read right now; retry in {s} s, nothing you entered is lost)")
BUSY_CALLER = ("您已有 {n} 个表格正在读取，请等其完成后约 {s} 秒再试，已填写的内容未丢失 "
               "(you already have {n} spreadsheets being read; retry when they are done, in about {s} s)")
TOO_SLOW = "读取表格超过 {s:g} 秒，已停止：请拆分文件后分批导入"


def _init_worker(nice: int) -> None:
    """In each worker: a lower priority, and the readers imported once (the first upload need not wait for it)."""
    try:
        os.nice(nice)
    except OSError:  # not permitted: the worker still parses, at the web process's priority
        pass
    import core.spreadsheets  # noqa: F401
    import services.directory.sheet  # noqa: F401


def _started() -> int:
    """A worker's pid, after a moment (the pool's start asks each process for it)."""
    time.sleep(0.05)
    return os.getpid()


def _call(fn: Callable, args: tuple) -> tuple:
    """Run in the worker: the result, or a refusal as plain data (a ServiceError need not pickle), and the pid."""
    try:
        return "ok", _pack(fn(*args)), os.getpid()
    except ServiceError as exc:
        return "refused", (type(exc), exc.reason, exc.field), os.getpid()


def _pack(value: Any) -> Any:
    """A sheet's (or list of sheets') rows pickled in chunks: unpickling 440,000 cells in one call holds the web
    process's GIL for a quarter of a second or more; chunk by chunk (`_unpack`) other requests run in between."""
    sheets = value if isinstance(value, list) else [value]
    if not sheets or not all(isinstance(getattr(s, "rows", None), list) for s in sheets):
        return value
    for sheet in sheets:
        rows = sheet.rows
        sheet.rows = [_Chunk(pickle.dumps(rows[i:i + CHUNK_ROWS])) for i in range(0, len(rows), CHUNK_ROWS)]
    return value


class _Chunk(bytes):
    """Some rows of a sheet, pickled in the worker."""


async def _unpack(value: Any) -> Any:
    for sheet in value if isinstance(value, list) else [value]:
        rows = getattr(sheet, "rows", None)
        if isinstance(rows, list) and rows and all(isinstance(r, _Chunk) for r in rows):
            out = []
            for chunk in rows:
                out.extend(pickle.loads(chunk))
                await anyio.sleep(0)  # the event loop's turn
            sheet.rows = out
    return value


class ParsePool:
    """The bounded pool; one per web process (`pool_for(settings)`). Safe to call from any event loop."""

    def __init__(self, *, workers: int = 2, queue: int = 2, per_caller: int = 2, seconds: float = 30.0,
                 nice: int = NICE) -> None:
        self.workers, self.queue, self.per_caller, self.seconds, self.nice = workers, queue, per_caller, seconds, nice
        self._lock = threading.Lock()  # the counters below: held for a few statements, on the event loop too
        self._start_lock = threading.Lock()  # starting the processes (seconds on a loaded machine), never on the loop
        self._executor: ProcessPoolExecutor | None = None
        self._admitted = 0
        self._running = 0
        self._by_caller: Counter[str] = Counter()
        self.peak_running = 0  # what tests and the bench read: the most parses that ran at once
        self.pids: set[int] = set()  # the worker pids that answered

    def _pool(self) -> ProcessPoolExecutor:
        """The running pool, started (in a worker thread) if need be. Its own lock: the places' lock (`_lock`) is
        taken on the event loop and must never wait for a process start."""
        with self._start_lock:
            if self._executor is None:
                executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_init_worker, initargs=(self.nice,))
                # every worker started before the first parse (called in a worker thread, never on the loop):
                # a process's start (~1 s on a loaded machine) is no part of a parse's time cap
                # each process's own answer, so none is still importing when `start` returns (a short task each,
                # so the second is not answered by the first process while the second starts)
                started: set[int] = set()
                for _ in range(20):
                    started |= {f.result() for f in [executor.submit(_started) for _ in range(self.workers)]}
                    if len(started) >= self.workers:
                        break
                self._executor = executor
            return self._executor

    def start(self) -> None:
        """Start the worker processes now (blocking: call it from a thread; `serve` does at startup)."""
        self._pool()

    def _admit(self, caller: str) -> None:
        with self._lock:
            if self._by_caller[caller] >= self.per_caller:
                raise Busy(BUSY_CALLER.format(n=self._by_caller[caller], s=RETRY_AFTER))
            if self._admitted >= self.workers + self.queue:
                raise Busy(BUSY.format(s=RETRY_AFTER))
            self._admitted += 1
            self._by_caller[caller] += 1

    def _leave(self, caller: str) -> None:
        with self._lock:
            self._admitted -= 1
            self._by_caller[caller] -= 1
            if self._by_caller[caller] <= 0:
                del self._by_caller[caller]

    async def _take_worker(self) -> None:
        """Wait (queued) until a worker is free; the queue is short, so polling it costs nothing worth a lock."""
        while True:
            with self._lock:
                if self._running < self.workers:
                    self._running += 1
                    self.peak_running = max(self.peak_running, self._running)
                    return
            await anyio.sleep(0.02)

    def _free_worker(self) -> None:
        with self._lock:
            self._running -= 1

    def _stop_workers(self, executor: ProcessPoolExecutor) -> None:
        """A parse over its time: kill that pool's processes (the others' parses are refused as busy) and let the
        next upload start a fresh pool."""
        with self._start_lock:
            if self._executor is executor:
                self._executor = None
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    async def run(self, caller: str, fn: Callable, *args: Any) -> Any:
        """`fn(*args)` in a worker process (fn and args picklable, fn importable); Busy when no place is free."""
        self._admit(caller)
        try:
            await self._take_worker()
            try:
                return await self._run_in_worker(fn, args)
            finally:
                self._free_worker()
        finally:
            self._leave(caller)

    async def _run_in_worker(self, fn: Callable, args: tuple) -> Any:
        executor = await anyio.to_thread.run_sync(self._pool)
        try:  # off the event loop: a submit may start a worker process (tens of ms under load)
            future = await anyio.to_thread.run_sync(executor.submit, _call, fn, args)
        except (BrokenProcessPool, RuntimeError):  # stopped a moment ago by another parse's time cap
            await anyio.to_thread.run_sync(self._stop_workers, executor)
            raise Busy(BUSY.format(s=RETRY_AFTER)) from None
        started = time.monotonic()
        try:
            with anyio.fail_after(self.seconds):
                status, value, pid = await asyncio.wrap_future(future)
        except TimeoutError:
            await anyio.to_thread.run_sync(self._stop_workers, executor)
            raise Invalid(TOO_SLOW.format(s=round(time.monotonic() - started)), field="file") from None
        except BrokenProcessPool:
            await anyio.to_thread.run_sync(self._stop_workers, executor)
            raise Busy(BUSY.format(s=RETRY_AFTER)) from None
        self.pids.add(pid)
        if status == "refused":
            cls, reason, field = value
            exc = cls.__new__(cls)
            ServiceError.__init__(exc, reason, field=field)
            raise exc
        return await _unpack(value)


_pools: dict[tuple, ParsePool] = {}
_pools_lock = threading.Lock()


def pool_for(settings) -> ParsePool:
    """The process's pool for these limits (tests build many apps; each set of limits gets one pool)."""
    web = settings.web
    key = (web.parse_workers, web.parse_queue, web.parse_per_caller, web.parse_seconds)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = ParsePool(workers=key[0], queue=key[1], per_caller=key[2], seconds=key[3])
        return _pools[key]


async def parse(request, session, caller: str, fn: Callable, *args: Any) -> Any:
    """`fn(*args)` in the app's parse pool on behalf of `caller` (an account's actor string).

    The request's transaction so far (authentication's own writes: a token's or session's last use) is committed
    first: a parse may wait and run for seconds, and on SQLite an open write transaction would hold the write lock
    (and the process's write gate) all that time, stalling every other writer."""
    if session is not None and session.in_transaction():
        await anyio.to_thread.run_sync(session.commit)
    return await pool_for(request.app.state.settings).run(caller, fn, *args)
