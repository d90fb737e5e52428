"""`dutydesk audit`: list the audit log (names as on the console), seal, verify and re-key its chain."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from core.tables import formula_safe
from rules.incidents.types import YEARS
from services.access import Actor
from services.audit import chain, reading
from services.audit.checks import Keeper, check
from services.rosters.policy import unit_by_code_or_name
from services.times import office_time
from web.console.audit import view

app = typer.Typer(no_args_is_help=True, help="审计日志：查看、校验、封存、更换密钥 (the audit log: list, verify, seal, re-key)")
COLUMNS = ("number", "at", "actor", "action", "target", "unit", "changes", "note")
HEADER = {"zh-CN": ("编号", "时间", "操作人", "动作", "对象", "单位", "变更内容", "说明"), "en": COLUMNS}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _local(value: str | None, name: str) -> datetime | None:
    """An ISO time; without a zone it is office time (DUTYDESK_TIMEZONE, Asia/Shanghai)."""
    try:
        return office_time(value, get_settings().tz)
    except ValueError as exc:
        typer.echo(f"错误：--{name}：{exc} (not a time within {YEARS[0]}–{YEARS[1]}: {value!r})", err=True)
        raise typer.Exit(2) from None


@app.command("list")
def list_(since: str = typer.Option(None, help="起始时间（含），北京时间，如 2026-12-01 08:00 (from, office time)"),
          until: str = typer.Option(None, help="截止时间（不含），北京时间 (until, exclusive)"),
          actor: str = typer.Option("", help="操作人用户名，含其 API 令牌的操作 (username, incl. its API tokens)"),
          action: str = typer.Option("", help="动作，如 update / login / export (the recorded action)"),
          unit: str = typer.Option("", help="单位代码或名称，如 应急管理局 (unit code or name)"),
          limit: int = typer.Option(50, min=1, max=reading.MAX_PAGE, help="最多列出条数 (at most this many)"),
          fmt: Format = typer.Option(Format.table, "--format", help="输出格式 table / csv / json"),
          lang: str = typer.Option("zh-CN", help="zh-CN / en")) -> None:
    """列出审计日志，最新的在前：操作人、单位、对象显示名称，时间为北京时间，并列出变更前后的字段
    (list the audit log, newest first, with names, office times and each change's before → after)."""
    settings = get_settings()
    tz, lang = settings.tz, ("en" if lang == "en" else "zh-CN")
    filters = dict(since=_local(since, "since"), until=_local(until, "until"), actor=actor.strip(), action=action)
    try:
        with session_scope() as session:
            if unit:
                filters["unit_id"] = str(unit_by_code_or_name(session, unit).id)
            page = reading.list_entries(session=session, by=Actor.system("cli"), filters=reading.Filters(**filters),
                                        limit=limit)
    except ServiceError as exc:
        typer.echo(f"error: {exc.field + ': ' if exc.field else ''}{exc.reason}", err=True)
        raise typer.Exit(1) from exc
    sep = "; " if lang == "en" else "；"
    pending = "pending" if lang == "en" else "待封存"  # not sealed yet: no number (its row id is not one)
    rows = [(e.pos or pending, e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), view.actor_text(e.who, lang),
             view.action_text(e.action, lang), view.target_text(e, lang, tz), e.unit,
             sep.join(f"{f}: {a}" if e.shape == "new" else f"{f}: {b}" if e.shape == "gone" else f"{f}: {b} → {a}"
                      for f, b, a in view.changes_text(e, page.names, lang, tz)), view.note_text(e, lang))
            for e in page.entries]
    if fmt is Format.json:
        typer.echo(json.dumps({"total": page.total, "entries": [dict(zip(COLUMNS, r)) for r in rows]},
                              ensure_ascii=False, indent=1))
    elif fmt is Format.csv:
        out = csv.writer(sys.stdout)
        out.writerow(HEADER[lang])
        out.writerows([formula_safe(v) for v in r] for r in rows)
    else:
        for r in rows:
            typer.echo(f"{'#' if isinstance(r[0], int) else ''}{r[0]}  {r[1]}  {r[2]}  {r[3]}  {r[4]}" + (f"  [{r[5]}]" if r[5] else ""))
            if r[6]:
                typer.echo(f"    {r[6]}")
            if r[7]:
                typer.echo(f"    {r[7]}")
        shown = f"{len(rows)} / {page.total}"
        typer.echo(f"共 {page.total} 条，列出 {len(rows)} 条 (北京时间)" if lang != "en" else
                   f"{shown} entries shown (office time)")


@app.command()
def verify(lang: str = typer.Option("zh-CN", help="zh-CN / en")) -> None:
    """封存待封存的记录，用密钥重算整条链并与锚点比对；逐条指出被修改、删除、未封存的记录及被截去的尾部；有问题时退出码为 1
    (seal pending entries, recompute the chain with the key and compare it with the anchors; name every entry
    edited, deleted or unsealed, and a cut tail. Exit code 1 when anything is wrong)."""
    lang = "en" if lang == "en" else "zh-CN"
    keeper = Keeper.of(get_settings())
    with session_scope() as session:
        row = check(session=session, keeper=keeper, by="cli", now=datetime.now(UTC))
    for p in row.problems:
        typer.echo(p.get("reason_en") or p["reason"] if lang == "en" else p["reason"])
    typer.echo(verify_summary(row, keeper, lang))
    raise typer.Exit(1 if row.problems else 0)


def verify_summary(row, keeper: Keeper, lang: str) -> str:
    """The closing line of `audit verify`, in the CLI's language (zh-CN unless --lang en, like `audit list`)."""
    anchors, path = len(keeper.anchors.read()), keeper.anchors.path
    if lang == "en":
        return (f"{row.checked} entries checked, {len(row.problems)} problems, {row.pending} pending "
                f"(key {keeper.key.id}, {anchors} anchors in {path})")
    return (f"已校验 {row.checked} 条记录，发现问题 {len(row.problems)} 处，待封存 {row.pending} 条"
            f"（密钥 {keeper.key.id}，锚点 {anchors} 个，位于 {path}）")


@app.command()
def seal() -> None:
    """Chain every committed entry not yet sealed (the engine does this every second)."""
    keeper = Keeper.of(get_settings())
    with session_scope() as session:
        n = keeper.seal(session=session, now=datetime.now(UTC))
    typer.echo(f"{n} entries sealed")


@app.command()
def rekey(old_key_file: Path = typer.Option(..., exists=True, dir_okay=False,
                                            help="file holding the key the chain is sealed with now")) -> None:
    """Rotate the chain's key: verify the whole chain under the old key, then re-seal it under the configured
    one (DUTYDESK_AUDIT__KEY or the key file) and anchor the new head. Refused when the chain does not verify."""
    keeper = Keeper.of(get_settings())
    old = chain.ChainKey(old_key_file.read_text(encoding="utf-8").strip().encode())
    try:
        with session_scope() as session:
            n = chain.rekey(session=session, old=old, new=keeper.key, anchors=keeper.anchors, now=datetime.now(UTC))
    except ServiceError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{n} entries re-sealed under key {keeper.key.id} (was {old.id})")
