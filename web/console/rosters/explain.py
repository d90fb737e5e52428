"""The rosters' "why this person", gaps and substitutes in the page's language.

rules/rosters/explain.py (and rules/rosters/review.py, services/rosters/views.py) write these texts in zh-CN
only, from templates with placeholders; here each stored text is read back through the same templates into its
kind and values, and said again from the English table below. A part no template matches stays as written,
marked as Chinese data (never a wrong translation)."""

from __future__ import annotations

import re
from functools import cache

from markupsafe import Markup, escape

from rules.rosters.explain import GAP_ZH, PICK_ZH, SKIP_ZH
from rules.rosters.policy import DAY_CLASS_ZH
from web.console.render import data, display_label, templates

# English for rules.rosters.explain.PICK_ZH / GAP_ZH, by the same codes and placeholders
PICK_EN = {
    "turn": "{person}'s turn in the {cls} rotation",
    "debt": "{person} was skipped on a {cls} turn before: made up first{left}",
    "holiday_fresh": "{festival}: {person} did not serve the last {festival}; {detail} holiday duties so far, festival rotation",
    "holiday_prev": "{festival}: everyone else available served the last {festival}; {person} has the fewest holiday duties ({detail})",
    "holiday_again": "{festival}: everyone else available is already on; {person} ({detail} holiday duties) again",
    "substitute": "{person} can stand in: {detail} {cls} duties so far, rested enough, no other post in this slot",
}
GAP_EN = {
    "empty_pool": "{post}: nobody in the pool, {missing} short",
    "pool_exhausted": "{post}: not enough people available, {missing} short",
    "below_required": "{post}: {have} on duty, {required} required",
    "holder_unavailable": "{post}: {person} is {why}, needs a stand-in",
    "double_post": "{person} holds two posts in the same slot",
}
SKIP_EN = {
    "leave": "on leave", "rest": "not rested enough since the last duty", "other_post": "already on another post in this slot",
    "unavailable": "unavailable", "business_trip": "on a business trip", "sick": "on sick leave", "training": "in training",
}
CLASS_EN = {"workday": "workday", "weekend": "weekend", "holiday": "holiday"}
# services/rosters/views.explain: slots changed by hand, with the note people wrote
MANUAL = {"值班室调整": "changed by the duty office", "换班": "swapped", "从Excel导入": "imported from Excel", "替班": "stand-in"}
SKIP_PART = ("跳过{person}：{why}", "skipped {person}: {why}")
NOT_SUBSTITUTE = ("{person}不可替班：{why}", "{person} cannot stand in: {why}")  # rules/rosters/review.Candidate
LEFT = re.compile(r"^（仍欠(?P<n>\d+)次）$")
SLOT = re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2})(?: 第(?P<n>\d+)班)? (?P<rest>.+)$")


@cache
def _pattern(template: str) -> re.Pattern:
    """A zh-CN template as a pattern: each {name} a named group."""
    out, last = [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(re.escape(template[last:m.start()]))
        name = m.group(1)
        if f"(?P<{name}>" in "".join(out):
            out.append(f"(?P={name})")
        elif name == "why":  # a skip reason: one of its words (a name before it has no separator)
            out.append("(?P<why>" + "|".join(re.escape(w) for w in sorted(SKIP_ZH.values(), key=len, reverse=True)) + ")")
        else:
            out.append(f"(?P<{name}>.*?)")
        last = m.end()
    out.append(re.escape(template[last:]))
    return re.compile("^" + "".join(out) + "$", re.S)


def _value(name: str, value: str, lang: str):
    if name == "cls":
        code = next((c.value for c, zh in DAY_CLASS_ZH.items() if zh == value), None)
        return CLASS_EN.get(code, value) if code else data(value)
    if name == "why":
        code = next((c for c, zh in SKIP_ZH.items() if zh == value), None)
        return SKIP_EN[code] if code in SKIP_EN else data(value)
    if name == "festival":
        shown = display_label("festival", value, lang)
        return shown if shown != value else data(value)
    if name == "left":
        m = LEFT.match(value)
        return f" ({m['n']} still owed)" if m else (data(value) if value else "")
    if name in ("detail", "missing", "have", "required"):
        return value
    return data(value)  # names of people and posts


def _say(part: str, pairs, lang: str) -> Markup | None:
    for zh, en in pairs:
        m = _pattern(zh).match(part)
        if m:
            values = {k: _value(k, v, lang) for k, v in m.groupdict().items()}
            return escape(en).format(**values)
    return None


def _parts(text: str, pairs, lang: str) -> Markup:
    out = []
    for part in (text or "").split("；"):
        if part:
            out.append(_say(part, pairs, lang) or _say(part, [SKIP_PART], lang) or data(part))
    return Markup("; ").join(out)


def why(text: str, lang: str) -> Markup | str:
    """A slot's "why this person"."""
    if lang != "en":
        return text
    head, _, note = (text or "").partition("：")
    if head in MANUAL:
        return Markup(escape(MANUAL[head])) + (Markup(": ") + data(note) if note else Markup(""))
    return _parts(text, [(PICK_ZH[k], PICK_EN[k]) for k in PICK_EN], lang)


def gap(text: str, lang: str) -> Markup | str:
    """A gap's text: the slot, what is short and who could not serve."""
    if lang != "en":
        return text
    m = SLOT.match(text or "")
    if not m:
        return _parts(text, [(GAP_ZH[k], GAP_EN[k]) for k in GAP_EN], lang)
    first, _, rest = m["rest"].partition("；")
    slot = m["day"] + (f", slot {m['n']}" if m["n"] else "")
    said = _parts(first, [(GAP_ZH[k], GAP_EN[k]) for k in GAP_EN], lang)
    return Markup("{} {}").format(slot, said) + (Markup("; ") + _parts(rest, [], lang) if rest else Markup(""))


def substitute(text: str, lang: str) -> Markup | str:
    """A suggested substitute's reason."""
    if lang != "en":
        return text
    return _parts(text, [(PICK_ZH["substitute"], PICK_EN["substitute"]), NOT_SUBSTITUTE], lang)


templates.env.globals.update(roster_why=why, roster_gap=gap, roster_substitute=substitute)
