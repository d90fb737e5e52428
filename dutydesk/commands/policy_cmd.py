"""`dutydesk policy`: the office's escalation policies (升级策略) from the shell: list, show, add, edit, enable,
disable. Every edit is saved as a new version; incidents already open keep the policy they started with."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from pydantic import ValidationError

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from dutydesk.commands import policy_words as words
from rules.incidents.types import Category
from services.access import Actor
from services.incidents import policy_edits
from services.incidents.policies import PolicyIn

app = typer.Typer(no_args_is_help=True, help=(
    "升级策略 (escalation policies): who is told about which incidents, in which steps and on which channels, "
    "and how long to wait for 确认收到 before the next step."))
ACTOR = Actor.system("cli")  # the shell acts as the duty office
GRADES = {1: "Ⅰ级", 2: "Ⅱ级及以上", 3: "Ⅲ级及以上", 4: "Ⅳ级及以上"}
FILE_HELP = ("a JSON file: {\"name\": \"夜间升级\", \"categories\": [\"natural_disaster\"], \"min_grade\": 3, "
             "\"steps\": [{\"targets\": [{\"kind\": \"duty_leader_now\"}], \"channels\": [\"wecom\", \"sms\"], "
             "\"wait_minutes\": 10, \"ack\": \"any\"}], \"repeat\": 1, \"ack_timeout_minutes\": 30}")
POLICY_HELP = "the policy's name (as `dutydesk policy list` shows it) or its id"


def _run(fn):
    try:
        with session_scope() as session:
            return fn(session, datetime.now(UTC))
    except ValidationError as exc:
        for line in words.problems(exc):
            typer.echo(line, err=True)
        raise typer.Exit(1) from exc
    except ServiceError as exc:
        field = exc.field
        typer.echo(f"错误：{words.where(tuple(_path(field))) + '：' if field else ''}{exc.reason}", err=True)
        raise typer.Exit(1) from exc


def _path(field: str) -> list:
    return [int(p) if p.isdigit() else p for p in field.split(".")]


def _read(path: Path) -> PolicyIn:
    try:
        return PolicyIn.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        typer.echo(f"错误：文件 {path} 无法读取或不是有效的 JSON (cannot read): {exc}", err=True)
        raise typer.Exit(1) from exc


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _summary(session, row) -> list[str]:
    match = [("、".join(Category(c).label for c in row.categories) if row.categories else "全部类别"), GRADES.get(row.min_grade, "任何等级"),
             {True: "仅敏感事件", False: "仅非敏感事件"}.get(row.sensitive, "敏感与否均可")]
    lines = [f"{row.name}  第{row.version}版  {'启用' if row.enabled else '已停用'}  顺序{row.position}",
             f"  适用：{'，'.join(match)}"]
    lines += [f"  第{i + 1}步：{policy_edits.step_text(session, s)}" for i, s in enumerate(row.steps)]
    extra = [f"延迟{row.start_delay_minutes:g}分钟开始" if row.start_delay_minutes else "",
             f"全部步骤无人确认再重复{row.repeat}轮" if row.repeat else "",
             f"确认后{row.ack_timeout_minutes:g}分钟无续报或反馈则再次提醒" if row.ack_timeout_minutes else ""]
    if any(extra):
        lines.append("  " + "；".join(e for e in extra if e))
    return lines


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="print JSON instead of text")) -> None:
    """Every policy in the order they are tried (the first that fits an incident is used)."""
    def go(session, now):
        rows = policy_edits.list_policies(session=session, by=ACTOR)
        if as_json:
            return json.dumps([{"id": str(r.id), "name": r.name, "version": r.version, "enabled": r.enabled,
                                "position": r.position, "steps": r.steps} for r in rows], ensure_ascii=False, indent=1)
        return "\n".join(line for r in rows for line in _summary(session, r)) or "还没有升级策略（使用内置默认策略）"
    typer.echo(_run(go))


@app.command("show")
def show(policy: str = typer.Argument(..., help=POLICY_HELP)) -> None:
    """One policy in plain words, with every saved version."""
    def go(session, now):
        row = policy_edits.find_policy(session=session, ref=policy, by=ACTOR)
        lines = _summary(session, row) + ["  版本："]
        tz = get_settings().tz  # the office's time (Asia/Shanghai by default), never UTC
        lines += [f"    第{v.version}版  {_aware(v.created_at).astimezone(tz):%Y-%m-%d %H:%M}  {v.created_by}"
                  f"{'  ' + v.note if v.note else ''}"
                  for v in policy_edits.versions(session=session, policy_id=row.id, by=ACTOR)]
        return "\n".join(lines)
    typer.echo(_run(go))


@app.command("add")
def add(file: Path = typer.Option(..., "--file", help=FILE_HELP),
        note: str = typer.Option("", help="why (kept with the version)")) -> None:
    """Add a policy from a JSON file; refused (exit 1, naming the field) when a step reaches nobody: a target that
    resolves to no one, a channel not configured, or only the console inbox for people without a console account."""
    def go(session, now):
        row = policy_edits.create(session=session, data=_read(file), by=ACTOR, now=now, note=note)
        return f"已添加 {row.name}（第{row.version}版）(added, version {row.version}, {row.id})"
    typer.echo(_run(go))


@app.command("edit")
def edit(policy: str = typer.Argument(..., help=POLICY_HELP),
         file: Path = typer.Option(..., "--file", help="the whole policy as it should be from now on; " + FILE_HELP),
         note: str = typer.Option("", help="why it changed (kept with the version)")) -> None:
    """Save a new version of a policy; the old one stays in its history, open incidents keep theirs."""
    def go(session, now):
        row = policy_edits.find_policy(session=session, ref=policy, by=ACTOR)
        row = policy_edits.edit(session=session, policy_id=row.id, data=_read(file), by=ACTOR, now=now, note=note)
        return f"{row.name} 已保存为第{row.version}版 (now version {row.version})"
    typer.echo(_run(go))


def _switch(policy: str, enabled: bool) -> str:
    def go(session, now):
        row = policy_edits.find_policy(session=session, ref=policy, by=ACTOR)
        row = policy_edits.set_enabled(session=session, policy_id=row.id, enabled=enabled, by=ACTOR, now=now)
        return f"{row.name} {'已启用 (enabled)' if row.enabled else '已停用 (disabled)'}"
    return _run(go)


@app.command("enable")
def enable(policy: str = typer.Argument(..., help=POLICY_HELP)) -> None:
    """Use a disabled policy again for new incidents."""
    typer.echo(_switch(policy, True))


@app.command("disable")
def disable(policy: str = typer.Argument(..., help=POLICY_HELP)) -> None:
    """Stop using a policy for new incidents (it is kept, with its versions; this is how a policy is deleted)."""
    typer.echo(_switch(policy, False))
