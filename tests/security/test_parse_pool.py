"""The parse pool (web/parsing.py) by its mechanism: the parse runs in another process, at most `workers` at once,
at most `workers + queue` admitted, at most `per_caller` for one account; the rest refused at once with Busy (503,
Retry-After, zh-CN and English); a parse over its time is stopped and the pool starts afresh."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from core.errors import Invalid, in_language
from core.spreadsheets import SpreadsheetRejected, read_workbook
from web.parsing import Busy, ParsePool


def _gather(*coros):
    async def main():
        return await asyncio.gather(*coros, return_exceptions=True)
    return asyncio.run(main())


def test_the_parse_runs_in_another_process_and_a_refusal_comes_back_as_itself():
    pool = ParsePool(workers=1, queue=0)
    assert asyncio.run(pool.run("a", os.getpid)) != os.getpid()
    with pytest.raises(SpreadsheetRejected) as e:
        asyncio.run(pool.run("a", read_workbook, b"%PDF-1.4 not a sheet"))
    assert e.value.field == "file" and "PDF" in e.value.reason and e.value.status == 422


def test_one_account_holds_at_most_its_share_and_the_whole_at_most_workers_plus_queue():
    pool = ParsePool(workers=2, queue=1, per_caller=2)

    async def later(caller, delay):
        await asyncio.sleep(delay)  # after the first ones are admitted
        return await pool.run(caller, time.sleep, 0)

    got = _gather(pool.run("a", time.sleep, 1.5), pool.run("a", time.sleep, 1.5), later("a", 0.1),
                  later("b", 0.2), later("c", 0.3))
    assert got[:2] == [None, None]
    assert isinstance(got[2], Busy) and "您已有 2 个表格正在读取" in got[2].reason  # a's third: its share is taken
    assert got[3] is None  # b: the queue's place
    assert isinstance(got[4], Busy) and got[4].status == 503  # c: nothing free
    assert got[4].headers == {"Retry-After": "5"} and got[4].field == "file"
    assert in_language(got[4].reason, "en").startswith("too many spreadsheets are being read")
    assert in_language(got[4].reason, "zh-CN").startswith("正在读取的上传表格已达上限")
    assert pool.peak_running == 2 and os.getpid() not in pool.pids
    assert pool._admitted == 0 and not pool._by_caller  # every place given back


def test_a_parse_over_its_time_is_stopped_and_the_next_one_runs():
    pool = ParsePool(workers=1, queue=0, seconds=1.0)
    first = asyncio.run(pool.run("a", os.getpid))
    started = time.monotonic()
    with pytest.raises(Invalid) as e:
        asyncio.run(pool.run("a", time.sleep, 60))
    assert time.monotonic() - started < 30 and "读取表格超过" in e.value.reason and e.value.field == "file"
    assert asyncio.run(pool.run("a", os.getpid)) not in (first, os.getpid())  # a fresh worker
    assert pool._admitted == 0 and pool._running == 0
