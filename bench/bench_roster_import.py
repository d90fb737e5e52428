"""Benchmark: one unit's year of rosters imported from one workbook with a sheet per month (12 sheets).

The workbook is written the way county offices keep it (merged title, 12月1日 dates, the date and leader
cells merged over the day's officer rows, phones in the name cells, 备注, a merged footer), then read
(python-calamine), parsed, checked against the directory and written, on a fresh SQLite file. Figures: the
file's size and each phase's time; `quick` imports 3 months.
Run: python -m bench.bench_roster_import
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from openpyxl import Workbook

LEADERS = ["张建国", "李明华", "王志强", "赵文军", "钱立新", "孙卫东"]
OFFICERS = ["陈晓燕", "杨帆", "刘洋", "赵敏", "孙磊", "周婷", "吴刚", "郑丽", "冯涛", "何静"]
YEAR = 2025


def workbook(months: int) -> bytes:
    """A year (or `months` months) of one unit's roster, a sheet per month."""
    wb = Workbook()
    wb.remove(wb.active)
    for month in range(1, months + 1):
        ws = wb.create_sheet(f"{month}月")
        ws.append([f"XX县人民政府办公室{YEAR}年{month}月值班表"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
        ws.append(["日期", "星期", "带班领导", "值班人员", "备注"])
        d = date(YEAR, month, 1)
        while d.month == month:
            n = d.toordinal()
            officers = [OFFICERS[n % 10], OFFICERS[(n + 5) % 10]] if d.weekday() >= 5 else [OFFICERS[n % 10]]
            top = ws.max_row + 1
            for i, o in enumerate(officers):
                ws.append([f"{month}月{d.day}日" if i == 0 else None, "星期" + "一二三四五六日"[d.weekday()] if i == 0 else None,
                           LEADERS[n % 6] if i == 0 else None, f"{o}（1390000{OFFICERS.index(o):04d}）",
                           "节假日加强值守" if d.day == 1 and i == 0 else None])
            if len(officers) > 1:
                for col in (1, 2, 3, 5):
                    ws.merge_cells(start_row=top, start_column=col, end_row=ws.max_row, end_column=col)
            d += timedelta(days=1)
        ws.append(["值班电话：0838-1234567（24小时）"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=5)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _unit(session):
    unit = _staffed_unit(session, "高观镇", "t1")
    session.commit()
    return unit


def _staffed_unit(session, name: str, code: str):
    """A unit with the bench's six leaders and ten officers, default posts and pools (not committed)."""
    from models.directory import PersonCreate, UnitCreate
    from services.access import Actor
    from services.directory import org
    from services.rosters import policy as pol

    unit = org.create_unit(session=session, actor="bench", data=UnitCreate(name=name, code=code))
    made = {n: org.create_person(session=session, actor="bench", data=PersonCreate(
        name=n, unit_id=unit.id, mobile=f"1390000{OFFICERS.index(n):04d}" if n in OFFICERS else ""))
        for n in LEADERS + OFFICERS}
    pol.ensure_default_posts(session=session, unit_id=unit.id, actor="bench")
    for post, names in (("leader", LEADERS), ("officer", OFFICERS)):
        pol.set_pool(session=session, unit_id=unit.id, post=post, people=[made[n].id for n in names],
                     by=Actor.system("bench"))
    return unit


def run(quick: bool = False) -> dict:
    from sqlmodel import Session

    from core import db
    from core.spreadsheets import read_workbook
    from models import schema
    from services.access import Actor
    from services.rosters import imports

    months = 3 if quick else 12
    data = workbook(months)
    engine = db.make_engine(f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='bench-import-'), 'bench.db')}")
    schema.upgrade(engine)
    by = Actor.system("bench")
    with Session(engine) as session:
        unit = _unit(session)
        t0 = time.perf_counter()
        sheets = read_workbook(data)
        t1 = time.perf_counter()
        now = datetime(2000, 1, 1, tzinfo=UTC)  # nothing served yet: the bench measures reading and writing
        preview = imports.preview_import(session=session, unit_id=unit.id, sheets=sheets, by=by, now=now)
        t2 = time.perf_counter()
        assert preview.ok, [p.text for p in preview.problems[:5]]
        _, rows = imports.import_roster(session=session, unit_id=unit.id, sheets=sheets, by=by,
                                        tz=os.environ.get("DUTYDESK_TIMEZONE", "Asia/Shanghai"), now=now)
        session.commit()
        t3 = time.perf_counter()
        slots = sum(r.slots for r in rows)
    engine.dispose()
    figures = {"sheets": len(sheets), "file_kb": round(len(data) / 1024, 1),
               "person_slots": slots, "read_s": round(t1 - t0, 3),
               "parse_and_check_s": round(t2 - t1, 3), "import_s (parse, check, write)": round(t3 - t2, 3),
               "total_s": round(t3 - t0, 3)}
    print(figures)
    return figures


if __name__ == "__main__":
    run()
