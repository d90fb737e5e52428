"""`dutydesk roster` and `dutydesk holidays`: generate, publish, export/import, the holiday table."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import typer
from sqlmodel import col, select

from core.db import session_scope
from core.errors import ServiceError
from core.settings import get_settings
from core.spreadsheets import decode_text, read_workbook
from models.directory import Person, Unit
from models.rosters.roster import DutyPost
from rules.rosters.explain import FESTIVAL_ZH
from rules.rosters.holiday_notice import NO_YEAR
from rules.rosters.sheet_grid import day_list, mappings
from rules.rosters.sheet_weeks import DATED_ROW
from rules.rosters.sheet_layout import COLUMN_HINT, HEADER_HINT
from services.access import Actor
from services.rosters import excel, holidays, ical, imports, publish
from services.rosters import policy as pol
from services.rosters.calendar import calendar_warning, import_warning
from services.rosters.generate import generate_units, parse_month, shift_month
from services.rosters.import_checks import ROLE_WORDS
from services.rosters.views import month_view
from web.console.i18n import translate

app = typer.Typer(no_args_is_help=True, help="duty rosters (值班表); iCal feed URLs: list with `feeds`, revoke with "
                  "`revoke-feed`")
holidays_app = typer.Typer(no_args_is_help=True, help="the admin holiday table (years after the package)")
ACTOR = "cli"
BY = Actor.system(ACTOR)


def _fail(exc: ServiceError) -> None:
    typer.echo(f"error: {exc.field + ': ' if exc.field else ''}{exc.reason}", err=True)
    for p in getattr(exc, "problems", []):
        typer.echo(f"  {_problem_line(p)}", err=True)
    raise typer.Exit(1)


def _problem_line(p: dict) -> str:
    """A refused file's problem as the clerk reads it: its own text names the sheet, row and column."""
    if p.get("text"):
        return p["text"]
    where = f"第{p['row']}行" if p.get("row") else ""
    return f"{where}（{p['column']}）：{p['msg']}" if where else f"{p['column']}：{p['msg']}"


@app.command()
def generate(unit: str = typer.Option(None, help="unit code or name (如 应急管理局)"),
             all: bool = typer.Option(False, "--all", help="every unit with posts"),
             month: str = typer.Option(..., help="YYYY-MM"), months: int = typer.Option(1, help="consecutive months"),
             force: bool = typer.Option(False, help="regenerate published months (new version)")) -> None:
    """Generate rosters for one unit or all units, with a progress bar: every month not yet published is planned;
    a published month is left alone (said so) unless --force. Its report speaks the deployment's language
    (DUTYDESK_WEB__DEFAULT_LANGUAGE: zh-CN, the default, or en)."""
    if not unit and not all:
        typer.echo("error: give --unit CODE|NAME or --all", err=True)
        raise typer.Exit(2)
    if months < 1:
        typer.echo("error: --months must be at least 1", err=True)
        raise typer.Exit(2)
    try:
        parse_month(month)
        parse_month(shift_month(month, months - 1))  # the last month too: 2100-12 for 2 months is refused
        with session_scope() as s:
            ids = [pol.unit_by_code_or_name(s, unit).id] if unit else list(s.exec(select(DutyPost.unit_id).distinct()))
    except ServiceError as exc:
        _fail(exc)
    keys = [shift_month(month, i) for i in range(months)]
    seen: set = set()

    def step(uid, n) -> None:
        if uid not in seen:
            seen.add(uid)
            bar.update(1)

    zh = get_settings().web.default_language == "zh-CN"  # the CLI speaks the deployment's language
    with typer.progressbar(length=len(ids), label=f"{'正在生成' if zh else 'generating'} {keys[0]}..{keys[-1]}") as bar:
        totals = generate_units(session_factory=session_scope, unit_ids=ids, months=keys, actor=ACTOR, force=force,
                                tz=get_settings().timezone, progress=step, chunk=get_settings().rosters.generate_chunk)
    with session_scope() as s:
        named = {str(u.id): f"{u.name} ({u.code})" for u in s.exec(select(Unit).where(
            col(Unit.id).in_({uuid.UUID(k) for k in totals["errors"]} | set(totals["published"]))))}
    warn = "提醒：" if zh else "warning: "
    for uid, done in sorted(totals["published"].items(), key=lambda kv: named.get(str(kv[0]), "")):
        if zh:
            listed = "、".join(f"{m}（第 {v} 版）" for m, v in done)
            typer.echo(f"{named.get(str(uid), uid)}：{listed}已发布，未重新生成（加 --force 重新生成）")
        else:
            listed = ", ".join(f"{m} (version {v})" for m, v in done)
            typer.echo(f"{named.get(str(uid), uid)}: published {listed}: left alone (--force regenerates it)")
    typer.echo(f"{totals['units']} 个单位，{totals['slots']} 人次，{totals['gaps']} 处缺岗" if zh else
               f"{totals['units']} units, {totals['slots']} person-slots, {totals['gaps']} gaps")
    for year, missing in totals["missing_festivals"].items():
        typer.echo(f"{warn}{calendar_warning(year, missing, 'zh-CN' if zh else 'en')}"
                   f"{'（导入：dutydesk holidays notice 文件）' if zh else ' (dutydesk holidays notice FILE)'}", err=True)
    if unit:  # one unit: its holidays below the holiday head-count (节假日人数), as the roster page says them
        with session_scope() as s:
            for key in keys:
                for short in month_view(session=s, unit_id=ids[0], month=key, tz=get_settings().timezone,
                                        by=BY)["holiday_short"]:
                    typer.echo(f"{warn}{short['text'] if zh else shortfall_en(short)}", err=True)
    for uid, why in sorted(totals["errors"].items(), key=lambda kv: named.get(kv[0], kv[0])):
        typer.echo(f"  {named.get(uid, uid)}: {why}", err=True)
    if totals["errors"]:
        raise typer.Exit(1)


def shortfall_en(short: dict) -> str:
    """A holiday below its head-count as the English roster page says it: 2026-10-01 (National Day): Duty officer 1,
    2 required on holidays (a built-in post by its English name, a unit's own post as the unit named it)."""
    builtin = {(name, label) for name, label, *_ in pol.DEFAULT_POSTS}
    post = translate(f"enum.post.{short['post']}", "en") if (short["post"], short["label"]) in builtin else short["label"]
    return translate("roster.holiday_short.item", "en").format(
        day=short["day"].isoformat(), festival=translate(f"enum.festival.{short['festival']}", "en"), post=post,
        have=short["have"], need=short["need"])


@app.command("feeds")
def feeds_cmd(unit: str = typer.Option(None, help="unit code: that unit's feeds only")) -> None:
    """List iCal feed URLs (subscriptions): id, kind, whose, created by, valid or revoked (the URLs are secret and
    never shown again)."""
    with session_scope() as s:
        ref = None
        if unit:
            found = s.exec(select(Unit).where(Unit.code == unit)).first()
            if found is None:
                typer.echo(f"error: no unit {unit!r}", err=True)
                raise typer.Exit(1)
            ref = found.id
        for row in ical.list_feeds(session=s, by=BY, kind="unit" if ref else None, ref_id=ref):
            owner = s.get(Person if row.kind == "person" else Unit, row.ref_id)
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "valid"
            typer.echo(f"{row.id}  {row.kind:<6} {getattr(owner, 'name', '?'):<16} {state:<24} by {row.created_by}")


@app.command("revoke-feed")
def revoke_feed_cmd(feed_id: str = typer.Argument(..., help="the feed's id, as `dutydesk roster feeds` shows")) -> None:
    """Revoke an iCal feed URL at once (it answers 404 from then on). Audited as the CLI."""
    try:
        ident = uuid.UUID(feed_id)
    except ValueError:
        typer.echo(f"error: feed_id: {feed_id!r} is not an id", err=True)
        raise typer.Exit(1) from None
    try:
        with session_scope() as s:
            ical.revoke(session=s, feed_id=ident, by=BY, now=datetime.now(UTC))
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"revoked feed {feed_id}")


@app.command("publish")
def publish_cmd(unit: str = typer.Option(..., help="unit code or name (如 高观镇)"),
                month: str = typer.Option(..., help="YYYY-MM")) -> None:
    """Publish a unit's month (version 1)."""
    try:
        with session_scope() as s:
            row = publish.publish(session=s, unit_id=pol.unit_by_code_or_name(s, unit).id, month=month,
                                  now=datetime.now(UTC), by=BY)
            typer.echo(f"published {unit} {month} version {row.version}")
    except ServiceError as exc:
        _fail(exc)


@app.command()
def export(unit: str = typer.Option(..., help="unit code or name (如 高观镇)"),
           month: str = typer.Option(..., help="YYYY-MM"),
           out: Path = typer.Option(None, help="file to write (default roster-UNIT-MONTH.xlsx)")) -> None:
    """Write the month as .xlsx in the 值班表 layout."""
    try:
        with session_scope() as s:
            data = excel.export_month(session=s, unit_id=pol.unit_by_code_or_name(s, unit).id, month=month,
                                      tz=get_settings().timezone, by=BY)
    except ServiceError as exc:
        _fail(exc)
    path = out or Path(f"roster-{unit}-{month}.xlsx")
    path.write_bytes(data)
    typer.echo(f"wrote {path}")


@app.command("import")
def import_cmd(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                          help="the office's roster: .xlsx, .xls, WPS or .csv (UTF-8 or GB18030)"),
               unit: str = typer.Option(..., help="unit code or name (如 高观镇)"),
               month: str = typer.Option(None, help="YYYY-MM: only this month (default: every month in the file)"),
               dry_run: bool = typer.Option(False, "--dry-run", help="show the roster as understood; write nothing"),
               create_missing: bool = typer.Option(False, "--create-missing",
                                                   help="create people the directory lacks (added to the post's pool)"),
               add_to_pool: bool = typer.Option(False, "--add-to-pool",
                                                help="add directory people the file puts on a post to its pool"),
               allow_past: bool = typer.Option(False, "--allow-past",
                                               help="rewrite days already served (past days, today after the "
                                                    "handover; a month that is over too); audited"),
               past_ok: bool = typer.Option(False, "--past-ok",
                                            help="import a month that is already over (确认导入已过去的月份)"),
               no_pool: list[str] = typer.Option([], "--no-pool",
                                                 help="NAME: a person --create-missing creates who does not join "
                                                      "the post's rotation pool (repeatable)"),
               update_phone: list[str] = typer.Option([], "--update-phone",
                                                      help="NAME: replace the directory's phone with the file's "
                                                           "(audited; repeatable)"),
               column: list[str] = typer.Option([], help="correct the mapping: C=officer, 12月!F=note, E=ignore")) -> None:
    """Import the office's own roster file: every problem is listed (sheet, row, column) and nothing is written."""
    columns = {}
    for item in column:
        key, sep, role = item.partition("=")
        if not sep:
            typer.echo(f"error: --column {item}: write COLUMN=ROLE, e.g. C=officer", err=True)
            raise typer.Exit(2)
        columns[key.strip()] = role.strip()
    try:
        sheets = read_workbook(file.read_bytes(), name=file.name)
        with session_scope() as s:
            kw = dict(session=s, unit_id=pol.unit_by_code_or_name(s, unit).id, sheets=sheets, by=BY, month=month,
                      columns=columns, create_missing=create_missing, add_to_pool=add_to_pool, now=datetime.now(UTC))
            try:
                preview = imports.preview_import(**kw)
            except ServiceError as exc:
                if exc.field == "columns":
                    exc.field = "--column"
                raise
            kw["pool_new"] = {m.name for m in preview.missing} - set(no_pool)
            kw["update_phones"] = {x.person_id for x in preview.phones if x.name in set(update_phone)}
            preview = imports.preview_import(tz=get_settings().timezone, **kw)
            _show_preview(preview)
            for line in preview.republish_lines():  # said before anything is written, dry run or not
                typer.echo(f"提醒：{line}")
            if preview.past and not (past_ok or allow_past):
                typer.echo(f"{'、'.join(preview.past)} 已过去：确认导入请加 --past-ok", err=True)
            if preview.served and not allow_past:
                typer.echo(f"{len(preview.served)} 天已值班，导入将改写："
                           f"{'、'.join(d.day.isoformat() for d in preview.served)}；确认请加 --allow-past（记入审计）",
                           err=True)
            if not preview.ok:
                typer.echo(f"文件有 {len(preview.problems)} 处问题，未导入任何内容", err=True)
            if dry_run or not preview.ok:
                raise typer.Exit(0 if preview.ok else 1)
            done, rows = imports.import_roster(tz=get_settings().timezone, allow_past=allow_past, past_ok=past_ok,
                                               **kw)
            labels = {p["name"]: p["label"] for p in done.posts}
            for m in done.missing:
                pool = f"，加入{labels.get(m.post, m.post)}轮换人员" if m.joins_pool else "，未加入轮换人员"
                typer.echo(f"已创建 {m.name}{' ' + m.phone if m.phone else ''}{pool}")
            for x in done.phones:
                if x.person_id in done.update_phones:
                    typer.echo(f"{x.name} 的电话：{x.directory} → {x.phone}")
            for row in rows:
                if row.month in done.unchanged:
                    typer.echo(f"{unit} {row.month}：{imports.UNCHANGED}")
                else:
                    days, slots = done.counts(row.month)
                    again = (f"；本月已发布：已生成新版本（版本{row.version}）并推送给订阅者"
                             if row.month in done.republished else "")
                    typer.echo(f"已导入 {unit} {row.month}：{days} 天，{slots} 人次，新建人员 {len(done.created)} 人{again}")
    except ServiceError as exc:
        _fail(exc)


def _cli_words(p) -> str:
    """A preview problem's text with the console's instructions put as this command's options (t15: the CLI
    pointed at a box "below")."""
    column = p.column or "D"
    return (p.text.replace(COLUMN_HINT, f"请用 --column {column}=leader、officer、phone、note 或 ignore "
                                                f"指定此列是带班领导、值班员、电话、备注还是忽略")
            .replace(HEADER_HINT, "请用 --column 指定各列，如 --column A=date --column C=officer"))


def _week_row(c, labels) -> str:
    """A week grid's row as a clerk reads it: a week's row (第1周) holds dates by weekday and the people beside them,
    a labelled row (带班) the people of one post; never "第1周 → 值班员" as if the week were a person."""
    post = labels.get(c.role, c.role)
    if c.role == "date":
        return f"行 工作表“{c.sheet}”的“{c.header}”：按星期排列的日期行"
    if re.fullmatch(r"第\S{1,3}周", c.header) or c.header == DATED_ROW:
        return f"行 工作表“{c.sheet}”的“{c.header}”：按星期排列的日期行，格中的人员为{post}"
    return f"行 工作表“{c.sheet}”中标为“{c.header}”的行：{post}"


def _show_preview(preview) -> None:
    """The roster as understood: one line per day, then the mapping, warnings and problems."""
    labels = {**ROLE_WORDS, **{p["name"]: p["label"] for p in preview.posts}}
    for d in preview.days:
        people = "  ".join(f"{labels[post]}:" + "、".join(x["name"] + ("?" if x["status"] == "missing" else "")
                                                          for x in xs) for post, xs in d["posts"].items() if xs)
        typer.echo(f"{d['day']} {d['weekday']}  {people}" + (f"  备注:{d['note']}" if d["note"] else ""))
    for m in mappings(preview.parsed):
        if m.layout == "list":
            for c in m.columns:
                typer.echo(f"列 {c.sheet}!{c.column}（{c.header}）→ {labels.get(c.role, c.role)}")
            continue
        for c in m.columns:  # a week grid: its rows are posts (corrected with --column 工作表!行标签=officer) ...
            typer.echo(_week_row(c, labels))
        for c, days in m.dates:  # ... and its weekday columns the dates under them
            typer.echo(f"列 {c.sheet}!{c.column}（{c.header}）→ 日期 {day_list(days)}")
    for year, lacking in preview.calendar_missing.items():
        typer.echo(f"提醒：{import_warning(year, lacking)}（导入：dutydesk holidays notice 文件）", err=True)
    for w in preview.warnings:
        typer.echo(f"提醒：{w.text}", err=True)
    if preview.missing:
        typer.echo("不在通讯录中：" + "、".join(m.name for m in preview.missing)
                   + ("" if preview.create_missing else "（加 --create-missing 一并创建）"), err=True)
    for p in preview.problems:
        typer.echo(f"问题：{_cli_words(p)}", err=True)


@holidays_app.command("import")
def holidays_import(file: Path) -> None:
    """Import `date,kind,name` CSV rows (kind holiday/makeup_workday or 假/班; UTF-8 or GB18030), all or nothing."""
    try:
        with session_scope() as s:
            n = holidays.import_csv(session=s, data=file.read_bytes(), actor=ACTOR, tz=get_settings().timezone)
        typer.echo(f"已导入 {n} 天")
    except ServiceError as exc:
        _fail(exc)


NO_YEAR_CLI = NO_YEAR.replace("或选择年份", "或加 --year 年份（如 --year 2027）")


@holidays_app.command("notice")
def holidays_notice(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                                help="the State Council notice as text (UTF-8 or GB18030)"),
                    year: int = typer.Option(None, help="the year, when the notice's title is missing"),
                    dry_run: bool = typer.Option(False, "--dry-run", help="show what the notice says; write nothing")
                    ) -> None:
    """Import the State Council's holiday notice (国务院办公厅关于20XX年部分节假日安排的通知) as published: every
    festival's days off and make-up workdays replace the year's days in the table; refused while anything is unclear.

    Exit codes (with or without --dry-run):

    0  read in full (and imported, unless --dry-run)

    1  problems: a date that does not exist or disagrees with the built-in data, a weekday as make-up workday,
    a year the package already covers; or the import was refused

    3  not a holiday notice: no year, no festival item (一、元旦：……); nothing found

    4  a festival of the seven is missing (通知缺少：…)
    """
    try:
        text = decode_text(file.read_bytes())
    except ServiceError as exc:
        _fail(exc)
    found = holidays.preview_notice(text=text, year=year)
    if found.year is None or not found.festivals:  # not a notice at all: say so, not "seven festivals missing"
        for line in found.problems:
            if not line.startswith("通知缺少"):
                typer.echo(f"问题：{line.replace(NO_YEAR, NO_YEAR_CLI)}", err=True)
        typer.echo("这段文字不是国务院办公厅节假日安排通知，未导入任何内容", err=True)
        raise typer.Exit(3)
    for d in found.days:
        typer.echo(f"{d.day}  {'放假' if d.kind == 'holiday' else '上班'}  {FESTIVAL_ZH.get(d.name, d.name)}")
    for line in found.notes:
        typer.echo(f"说明：{line}")
    for line in found.other_problems:  # the missing festivals are said once, below
        typer.echo(f"问题：{line.replace(NO_YEAR, NO_YEAR_CLI)}", err=True)
    if found.missing:
        typer.echo(f"通知缺少：{'、'.join(found.missing)}（一年七个节日齐全才导入）", err=True)
    if not found.ok:
        typer.echo("未导入任何内容", err=True)
        raise typer.Exit(4 if found.missing else 1)
    if dry_run:
        raise typer.Exit(0)
    try:
        with session_scope() as s:
            holidays.import_notice(session=s, text=text, year=year, actor=ACTOR, tz=get_settings().timezone)
    except ServiceError as exc:
        _fail(exc)
    typer.echo(f"已导入 {found.year} 年节假日安排 {len(found.days)} 天")


@holidays_app.command("list")
def holidays_list(year: int = typer.Option(None)) -> None:
    """List the admin table."""
    try:
        with session_scope() as s:
            days = holidays.list_days(session=s, year=year)
    except ServiceError as exc:
        _fail(exc)
    for h in days:
        typer.echo(f"{h.day}  {h.kind.value:<15} {FESTIVAL_ZH.get(h.name, h.name)}")
