"""The roster import preview's problems and warnings in the page's language (rules/rosters/sheet_grid.py: Problem).

A problem carries its zh-CN sentence and, for wording it otherwise, a code and values (roster.problem.<code>);
the file's own words (sheet names, headers, names, phones) are shown as written."""

from __future__ import annotations

from jinja2 import pass_context
from markupsafe import Markup, escape

from rules.rosters.sheet_grid import CSV_SHEET, TEXT_SHEET, Problem, day_list, mappings
from web.console.i18n import MESSAGES, translate
from web.console.render import templates

# what the checks name a problem after when it is not a column's header
HEADERS = {"日期": "roster.problem.header.date", "表头": "roster.problem.header.header",
           "年月": "roster.problem.header.year_month", "电话": "roster.problem.header.phone",
           "备注": "roster.problem.header.note"}
POSTS = ("post", "first")  # values that are post names


def _post(name: str, lang: str, labels: dict[str, str]) -> str:
    key = f"enum.post.{name}"
    return translate(key, lang) if lang == "en" and key in MESSAGES else labels.get(name, name)


def _value(key: str, value, lang: str, labels: dict[str, str]):
    sep = translate("common.list_sep", lang)
    if key in POSTS:
        return _post(value, lang, labels)
    if key == "posts":
        return sep.join(_post(v, lang, labels) for v in value)
    if key in ("weekday", "written"):
        return translate(f"rprint.weekday.{value}", lang)
    if key == "month":
        return translate(f"month.name.{value}", lang)
    if key == "what":
        return translate(f"roster.problem.what.{value}", lang)
    if key == "found":
        return sep.join(f"{translate(f'month.name.{m}', lang)} {y}" for y, m in value)
    if key == "more":
        return translate("roster.problem.more", lang) if value else ""
    if isinstance(value, tuple | list):
        return sep.join(str(v) for v in value)
    return value


def problem_text(p: Problem, lang: str, labels: dict[str, str] | None = None) -> str:
    """One problem as a sentence in `lang`: where (sheet, row, column, what it is about), then what is wrong.
    zh-CN, or a problem without a code: the checks' own sentence."""
    key = f"roster.problem.{p.code}"
    if lang != "en" or not p.code or key not in MESSAGES:
        return p.text
    labels = labels or {}
    values = {k: _value(k, v, lang, labels) for k, v in p.params}
    message = translate(key, lang).format(**values)
    if "label" in values:  # a week grid's labelled cell ("带班：…"): the label as written, first
        message = f"{values['label']}: {message}"
    if p.sheet == TEXT_SHEET and not (p.row or p.column or p.header):
        return message  # the whole file: the message says what it is
    where = (translate("roster.problem.csv", lang) if p.sheet == CSV_SHEET
             else translate("roster.problem.text", lang) if p.sheet == TEXT_SHEET
             else translate("roster.problem.sheet", lang).format(sheet=p.sheet))
    if p.row:
        where += translate("roster.problem.row", lang).format(row=p.row)
    if p.column:
        where += translate("roster.problem.column", lang).format(column=p.column)
    header = p.header
    if header in HEADERS:
        header = translate(HEADERS[header], lang)
    elif header in labels.values():
        header = _post(next(n for n, label in labels.items() if label == header), lang, labels)
    return (translate("roster.problem.at_header", lang) if header else translate("roster.problem.at", lang)).format(
        where=where, header=header, message=message)


@pass_context
def import_problem(ctx, p: Problem) -> Markup:
    """The template's `import_problem(p)`: the page's language, the preview's post labels."""
    return Markup(escape(problem_text(p, ctx["lang"], ctx.get("post_labels") or {})))


templates.env.globals["import_problem"] = import_problem
templates.env.globals["import_mappings"] = mappings


@pass_context
def import_dates(ctx, days) -> str:
    """A week grid's column's dates: 12月1日、8日 in zh-CN, 12-01, 12-08 otherwise."""
    return day_list(days) if ctx["lang"] != "en" else ", ".join(d.strftime("%m-%d") for d in days)


templates.env.globals["import_dates"] = import_dates
