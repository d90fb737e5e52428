"""`dutydesk audit list`: filters, names as on the console, office times, table / csv / json."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session

from models.directory import PersonCreate, PersonUpdate, UnitCreate
from services.audit import record
from services.directory import org
from tests.conftest import run_cli


def _seed(engine):
    with Session(engine) as s:
        town = org.create_unit(session=s, actor="cli", data=UnitCreate(name="高观镇", code="t1"))
        dept = org.create_unit(session=s, actor="cli", data=UnitCreate(name="应急管理局", code="d1"))
        p = org.create_person(session=s, actor="cli", data=PersonCreate(name="李四", unit_id=town.id))
        org.update_person(session=s, person_id=p.id, actor="cli", data=PersonUpdate(unit_id=dept.id))
        record(session=s, actor="engine", action="remind", entity="reminder_notice", unit_id=town.id,
               at=datetime(2026, 12, 1, 16, 30, tzinfo=UTC))
        s.commit()


def test_list_shows_names_labels_and_office_time(cli_db):
    _seed(cli_db)
    r = run_cli("audit", "list", "--action", "update")
    assert r.exit_code == 0, r.output
    assert "修改  人员 李四" in r.output and "单位: 高观镇 → 应急管理局" in r.output and "系统（命令行）" in r.output
    assert "共 1 条" in r.output
    r = run_cli("audit", "list", "--action", "remind", "--unit", "高观镇", "--format", "json")
    data = json.loads(r.output)
    assert data["total"] == 1 and data["entries"][0]["at"] == "2026-12-02 00:30:00"  # Asia/Shanghai
    assert data["entries"][0]["action"] == "提醒" and data["entries"][0]["unit"] == "高观镇"
    assert json.loads(run_cli("audit", "list", "--since", "2026-12-02 00:31", "--action", "remind",
                              "--format", "json").output)["total"] == 0


def test_csv_has_chinese_headers_and_limit(cli_db):
    _seed(cli_db)
    r = run_cli("audit", "list", "--format", "csv", "--limit", "2")
    rows = list(csv.reader(io.StringIO(r.output)))
    assert rows[0][:4] == ["编号", "时间", "操作人", "动作"] and len(rows) == 3
    assert run_cli("audit", "list", "--since", "昨天").exit_code == 2
    assert run_cli("audit", "list", "--unit", "不存在").exit_code == 1
    assert "列出审计日志" in run_cli("audit", "list", "--help").output


def test_verify_speaks_the_cli_language(cli_db, tmp_path, monkeypatch):
    """The closing line of `audit verify` in zh-CN like the rest of the CLI (English with --lang en), a problem's
    reason too."""
    from core import settings as config

    monkeypatch.setenv("DUTYDESK_DATA_DIR", str(tmp_path))  # the anchor file and key live there
    config.get_settings.cache_clear()
    with Session(cli_db) as s:
        record(session=s, actor="cli", action="remind", entity="reminder_notice")
        s.commit()
    r = run_cli("audit", "verify")
    assert r.exit_code == 0, r.output
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("已校验 ") and "发现问题 0 处，待封存 0 条" in last and "entries checked" not in r.output
    assert not any("a" <= ch.lower() <= "z" for ch in last.split("（")[0]), last  # no English sentence before the key
    r = run_cli("audit", "verify", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "entries checked, 0 problems, 0 pending" in r.output and "已校验" not in r.output
    with Session(cli_db) as s:  # an edited entry: its reason in the language asked
        s.exec(text("UPDATE audit_entry SET note = 'x' WHERE action = 'remind'"))
        s.commit()
    zh, en = run_cli("audit", "verify"), run_cli("audit", "verify", "--lang", "en")
    assert zh.exit_code == en.exit_code == 1
    assert "内容被修改" in zh.output and "发现问题 1 处" in zh.output
    assert "内容被修改" not in en.output and "1 problems" in en.output


def test_list_numbers_sealed_entries_as_verify_does_and_pending_ones_as_pending(cli_db, tmp_path, monkeypatch):
    """An entry's number is its chain position (the number verify names it by), never its row id; an entry not
    sealed yet has none and reads 待封存."""
    from core import settings as config

    monkeypatch.setenv("DUTYDESK_DATA_DIR", str(tmp_path))
    config.get_settings.cache_clear()
    with Session(cli_db) as s:
        record(session=s, actor="cli", action="remind", entity="reminder_notice")
        s.commit()
    r = run_cli("audit", "list", "--action", "remind")
    assert r.output.startswith("待封存  "), r.output
    assert json.loads(run_cli("audit", "list", "--format", "json", "--lang", "en").output)["entries"][0]["number"] == \
        "pending"
    assert run_cli("audit", "seal").exit_code == 0
    with Session(cli_db) as s:
        s.exec(text("UPDATE audit_entry SET seq = seq + 100"))  # row ids far from the positions (gaps, as on PostgreSQL)
        pos = s.exec(text("SELECT chain_pos FROM audit_entry WHERE action = 'remind'")).one()[0]
        s.commit()
    assert run_cli("audit", "list", "--action", "remind").output.startswith(f"#{pos}  ")
    assert json.loads(run_cli("audit", "list", "--format", "json").output)["entries"][0]["number"] == pos
