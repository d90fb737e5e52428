"""How an audit entry reads to people (console and CLI alike): who, what, on what, and what changed.

The service (services/audit/reading.py) resolves names; this module turns them and the raw values into words in
zh-CN or English: actors as "张三（值班员）· API 令牌", actions and fields by their labels, enum values by their
display labels, ids by the names they stand for.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import re

from markupsafe import Markup

from core.errors import in_language
from services.audit.reading import Change, EntryView, Who
from services.spotchecks import notes as spot_notes
from web.access import permission_words
from web.console.i18n import translate
from web.console.incidents.grading import basis_text
from web.console.notes import worded

# A field's enum kind when its values have display labels (enum.<kind>.<value>), by entity where it differs.
_ENUM_KIND = {"grade": "grade", "suggested_grade": "grade", "min_grade": "grade", "via": "via", "source": "source",
              "medium": "medium",
              "channel": "channel", "start_half": "half", "end_half": "half", "post": "post", "code_match": "code_match"}
_BY_ENTITY = {("leave", "status"): "leave_status", ("swap", "status"): "swap_status",
              ("planned_check", "status"): "planned_status", ("instruction_item", "status"): "item_status",
              ("incident", "status"): "incident_status", ("incident_report", "kind"): "report_kind",
              ("holiday", "kind"): "holiday_kind", ("contact_method", "kind"): "contact_kind",
              ("roster", "status"): "roster_status", ("ivr_attempt", "result"): "ivr_result",
              ("ivr_attempt", "status"): "ivr_status", ("incident_report", "missing"): "element"}
# Values the console words under another key than enum.<kind>. (its own labels for them), by entity and field,
# then by field alone.
_PREFIX_BY_ENTITY = {("incident", "kind"): "enum.ack_kind.", ("channel", "kind"): "enum.channel.",
                     ("ivr_attempt", "kind"): "enum.receipt.", ("ical_feed", "kind"): "enum.feed_kind.",
                     ("incident_report", "channel"): "enum.report_channel.",
                     ("explanation_request", "status"): "sc.explanation."}
_UNSAID_ZERO = frozenset({("incident_report", "number")})
_PREFIX = {"outcome": "outcome.", "mode": "sc.mode."}
# Pages a target has in the console.
# (A unit's own page is the office's edit form; its people list is what every reader of the log may open.)
_LINKS = {"incident": "/incidents/{id}", "unit": "/people?unit_id={id}", "person": "/people/{id}/contacts"}
LONG = 80


class Shown(str):
    """A value as shown, and what it is: a label in the page's language, a name (data), or a raw value."""

    kind = "raw"

    @classmethod
    def of(cls, text: str, kind: str) -> "Shown":
        out = cls(text)
        out.kind = kind
        return out


def has_cjk(text: Any) -> bool:
    """Does a recorded name read as Chinese (a person, a unit) rather than an identifier (a channel's `broken_hook`)?"""
    return any("\u3400" <= ch <= "\u9fff" for ch in str(text or ""))


def word(key: str, lang: str, default: str | None = None) -> str:
    text = translate(key, lang)
    return default if text == key and default is not None else text


def system_name(name: str, lang: str) -> str:
    """What a system actor is: 引擎 for "engine", 演示数据 for "demo-seed"; else the name as recorded."""
    head = name.partition(":")[0]
    return word(f"audit.system.{name}", lang, "") or word(f"audit.system.{head}", lang, "") or name


def actor_text(who: Who, lang: str) -> str:
    """张三（值班员）, 张三（值班员）· API 令牌 ‘对接平台’, 系统（引擎）."""
    if who.kind == "system":
        what = system_name(who.name, lang)
        return f"{word('audit.who.system', lang)}（{what}）" if lang != "en" else f"System ({what})"
    if who.kind in ("person", "unknown"):
        if who.via:  # 张三（经短信链接）, Zhang San (by text-message link)
            how = word(f"enum.via.{who.via}", lang)
            name = who.name or word("audit.who.anonymous", lang)
            return f"{name}（{word('audit.who.via', lang)}{how}）" if lang != "en" else f"{name} (by {how})"
        return who.name
    role = word(f"role.{who.role.value}", lang) if who.role else ""
    text = (f"{who.name}（{role}）" if lang != "en" else f"{who.name} ({role})") if role else who.name
    if who.kind == "token":
        text += ("· " if lang != "en" else " · ") + word("audit.who.token", lang)
        if who.token:
            text += f" ‘{who.token}’"
    return text


# an action whose word depends on what it was done to: an incident's receipt is its 签收 (the office signed for it),
# a phone check's is the call's 回执
_ACTION_OF_ENTITY = {("receipt", "incident"): "sign"}


def action_text(action: str, lang: str, entity: str = "") -> str:
    action = _ACTION_OF_ENTITY.get((action, entity), action)
    return word(f"enum.audit_action.{action}", lang, action)


def action_choices(pairs: list[tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    """The action filter's options, (value, label), one per label: codes that read the same share an option
    (update,edit: 修改), and an action worded by its entity is narrowed to it (receipt@incident: 签收)."""
    by_label: dict[str, list[str]] = {}
    for action, entity in pairs:
        label = action_text(action, lang, entity)
        token = f"{action}@{entity}" if any(a == action for a, _ in _ACTION_OF_ENTITY) else action
        if token not in by_label.setdefault(label, []):
            by_label[label].append(token)
    return sorted(((",".join(sorted(tokens)), label) for label, tokens in by_label.items()), key=lambda c: c[0])


def entity_text(entity: str, lang: str) -> str:
    return word(f"enum.entity.{entity}", lang, entity)


_STEP = re.compile(r"step_(\d+)")


def field_text(name: str, lang: str, entity: str = "") -> str:
    """A field's label: the directory's own words for its records (职务, not 标题), else the shared ones."""
    if entity == "escalation_policy" and (m := _STEP.fullmatch(name)):  # one step of an edited policy: 第2步
        return word("audit.step_n", lang).format(n=m[1])
    if entity in ("unit", "person", "account") and translate(f"{entity}.{name}", lang) != f"{entity}.{name}":
        return translate(f"{entity}.{name}", lang)
    if entity and translate(f"field.{entity}.{name}", lang) != f"field.{entity}.{name}":  # a report's 缺少要素, not 失联
        return translate(f"field.{entity}.{name}", lang)
    return word(f"field.{name}", lang, name)


def _counted(key: str, n: int, lang: str) -> Shown:
    return Shown.of(word(key, lang).format(n=n), "label")


def _post_label(post: str, lang: str) -> str:
    return word(f"enum.post.{post}", lang, post)  # a unit's own post is named as the unit named it


def _people_on_posts(value: dict, lang: str) -> Shown:
    """A roster day as recorded, {"leader": ["黄文静"], "officer": ["张志强", "吴春梅"]}: 带班领导 黄文静；值班员 张志强、吴春梅."""
    sep = word("common.list_sep", lang)
    parts = [f"{_post_label(post, lang)} {sep.join(people)}" for post, people in value.items() if people]
    return Shown.of(word("audit.posts_sep", lang).join(parts) if parts else "—", "name")


def _holiday_days(value: list, lang: str) -> Shown:
    """A year's holidays as recorded, [[day, kind, festival], …]: 35 天：元旦 放假 3 天；春节 放假 9 天、调休上班 2 天；…"""
    festivals: dict[str, dict[str, int]] = {}
    for _day, kind, festival in value:
        counts = festivals.setdefault(str(festival), {})
        counts[kind] = counts.get(kind, 0) + 1
    sep = word("common.list_sep", lang)
    parts = []
    for festival, counts in festivals.items():
        said = [word(f"audit.holiday_{k}", lang).format(n=counts[kind])
                for kind, k in (("holiday", "off"), ("makeup_workday", "makeup")) if counts.get(kind)]
        # stored as chinesecalendar names them (New Year's Day): said in the reader's language
        parts.append(f"{word(f'enum.festival.{festival}', lang, festival)} {sep.join(said)}")
    return Shown.of(word("audit.holiday_days", lang).format(n=len(value), festivals=word("audit.posts_sep", lang)
                                                            .join(parts)), "name")


def _is_holiday_days(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, (list, tuple)) and len(v) == 3
                                           and v[1] in ("holiday", "makeup_workday") for v in value)


def _record_text(name: str, value: Any, lang: str, entity: str = "") -> Shown:
    """A recorded structure (a policy, a basis, a set of figures, a roster day's people, a year's holidays) as a
    short summary, never its JSON."""
    if entity == "roster" and isinstance(value, dict) and value and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()):
        return _people_on_posts(value, lang)
    if entity == "holiday" and name == "days" and _is_holiday_days(value):
        return _holiday_days(value, lang)
    if name == "suggested_basis" and isinstance(value, dict):
        try:
            text = basis_text(value, lang)
        except (KeyError, ValueError, TypeError):
            text = None
        if text:
            return Shown.of(text, "label")
    if isinstance(value, dict) and isinstance(value.get("steps"), list) and value.get("name"):  # a policy
        steps = word("audit.steps", lang).format(n=len(value["steps"]))
        text = f"{value['name']}（{steps}）" if lang != "en" else f"{value['name']} ({steps})"
        return Shown.of(text, "name" if has_cjk(value["name"]) else "label")
    if name == "steps" and isinstance(value, list):
        return _counted("audit.steps", len(value), lang)
    if _STEP.fullmatch(name) and isinstance(value, dict):
        return step_words(value, lang)
    return _counted("audit.recorded", len(value), lang)


def step_words(step: dict, lang: str) -> Shown:
    """One recorded policy step as the policy page says it: 通知 当班带班领导、张三 · 企业微信 → 短信 · 等待确认10分钟 ·
    须全部确认 (its people by the names recorded with them; its channels as configured)."""
    who = []
    for t in step.get("targets", []):
        kind, ref = t.get("kind", ""), t.get("ref", "")
        if kind == "person":
            who.append(t.get("name") or word("pol.unknown_person", lang))
        elif kind == "role":
            who.append(word("pol.target.role", lang).format(role=word(f"role.{ref}", lang, ref)))
        else:
            who.append(word(f"pol.target.{kind}" + (".incident" if ref == "incident" else ""), lang, kind))
    titles = step.get("channel_titles") or {}
    chans = " → ".join((titles.get(c) if titles.get(c, c) != c else word(f"enum.channel.{c}", lang, c)) for c in step.get("channels") or []
                       ) or word("pol.personal_rules", lang)
    wait = word("pol.wait_n", lang).format(n=f"{float(step.get('wait_minutes') or 0):g}")
    text = (f"{word('pol.notify', lang)}{word('common.list_sep', lang).join(who)} · {chans} · {wait} · "
            f"{word('pol.ack.' + (step.get('ack') or 'any'), lang)}")
    return Shown.of(text, "label")


def value_text(entity: str, name: str, value: Any, names: dict[str, str], lang: str, tz: tzinfo | None = None,
               actors: dict[str, Who] | None = None) -> Shown:
    """A recorded value as people read it: labels for enums, names for ids, 是/否 for booleans, actors as in the
    actor column, a short summary for a recorded structure; else as recorded."""
    if value is None or value == "" or value == []:
        return Shown.of("—", "label")
    if isinstance(value, bool):
        return Shown.of(word("common.yes" if value else "common.no", lang), "label")
    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
        return _record_text(name, value, lang, entity)
    if isinstance(value, list):
        parts = [value_text(entity, name, v, names, lang, tz, actors) for v in value]
        kind = "name" if all(p.kind == "name" for p in parts) else "raw"
        return Shown.of(word("common.list_sep", lang).join(parts), kind)
    text = str(value)
    if entity == "access" and name == "field":  # the field a refusal was about: by its label
        return _field(text, lang, "")
    if text in names:
        return Shown.of(names[text], "name")
    if actors and text in actors:
        who = actors[text]
        return Shown.of(actor_text(who, lang), "name" if who.kind != "system" else "label")
    key = {"role": f"role.{text}", "category": f"category.{text}", "domain_categories": f"category.{text}",
           "categories": f"category.{text}", "language": f"audit.language.{text}"}.get(name)
    if name == "type" and entity == "unit":
        key = f"unit.type.{text}"
    kind = _BY_ENTITY.get((entity, name)) or _ENUM_KIND.get(name)
    if kind:
        key = f"enum.{kind}.{text}"
    prefix = _PREFIX_BY_ENTITY.get((entity, name)) or (None if kind else _PREFIX.get(name))
    if prefix:
        key = prefix + text
    if key and translate(key, lang) != key:
        return Shown.of(translate(key, lang), "label")
    if isinstance(value, (int, float)) or (len(text) == 10 and text[:4].isdigit() and text[4] == text[7] == "-"):
        return Shown.of(text, "label")  # a number or a day reads as itself in either language
    if len(text) > 19 and text[:4].isdigit() and text[10:11] == "T":  # an ISO time: as the office reads it
        try:
            at = datetime.fromisoformat(text)
            return Shown.of((at.astimezone(tz) if tz and at.tzinfo else at).strftime("%Y-%m-%d %H:%M"), "label")
        except ValueError:
            pass
    text = text if len(text) <= LONG else text[:LONG - 1] + "…"
    return Shown.of(text, "name" if has_cjk(text) else "raw")


def _field(name: str, lang: str, entity: str) -> Shown:
    text = field_text(name, lang, entity)
    return Shown.of(text, "raw" if text == name else "label")


def changes_text(e: EntryView, names: dict[str, str], lang: str, tz: tzinfo | None = None
                 ) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each changed field; a field recorded twice (a person's id and their name,
    both 经办人) is shown once."""
    rows: list[tuple[str, str, str]] = []
    for c in e.changes:
        if (e.entity, c.field) in _UNSAID_ZERO and not c.before and not c.after:
            continue  # a first or final report's number (0): only a follow-up has one (续报N)
        if c.field == "steps" and any(_STEP.fullmatch(x.field) for x in e.changes):
            continue  # a policy edit says each changed step (第2步 … → …), not 共 2 步 → 共 2 步
        row = (_field(c.field, lang, e.entity), value_text(e.entity, c.field, c.before, names, lang, tz, e.actors),
               value_text(e.entity, c.field, c.after, names, lang, tz, e.actors))
        if row not in rows:
            rows.append(row)
    return rows


# A permission code in a refusal recorded before refusals named it in words: "（spotchecks:write）", "may not x:y".
_PERMISSION = re.compile(r"(?<=（)([a-z_]+:[a-z_]+)(?=）)|(?<=may not )([a-z_]+:[a-z_]+)")


# Notes a service writes in English (kept as recorded: the sealed chain) -> zh-CN, for a zh-CN page
_ENGLISH_NOTES = {"password changed": "密码已修改"}
_IMPORTED = re.compile(r"(?P<file>.+): (?P<created>\d+) created, (?P<updated>\d+) updated")


def _english_note_zh(note: str) -> str | None:
    if note in _ENGLISH_NOTES:
        return _ENGLISH_NOTES[note]
    if m := _IMPORTED.fullmatch(note):
        return f"{m['file']}：新增 {m['created']} 条，更新 {m['updated']} 条"
    return None


_CHECKED_BY = {"cli": ("命令行", "command line"), "housekeeping": ("每晚自动校验", "nightly check")}


def checked_by(by: str, lang: str) -> str:
    """Who ran a verification, in the page's language: 命令行 (`dutydesk audit verify`), 每晚自动校验, or the account
    (a token's: the account · API 令牌)."""
    if by in _CHECKED_BY:
        return _CHECKED_BY[by][1 if lang == "en" else 0]
    if by.startswith("token:"):
        return f"{by.removeprefix('token:')} · {word('audit.who.token', lang)}"
    return by


def note_said(e: EntryView, lang: str) -> Markup | None:
    """The note worded in the page's language when a service wrote it (web/console/notes.py); None otherwise."""
    return worded(e.note, lang, e.entity)


def note_text(e: EntryView, lang: str) -> str | Markup:
    """The entry's note; a reason recorded in both languages ("中文 (English)") in the page's only (a spot check's
    older terse note, "2026Q4 failures=2", in words first); a permission code in words; a sentence a service wrote
    in zh-CN (an escalation's, an acknowledgement's, a roster's…) worded in English on an English page, its names
    as Chinese data (web/console/notes.py, Markup)."""
    said = note_said(e, lang)
    if said is not None:
        return said
    if lang != "en" and (zh := _english_note_zh(e.note or "")) is not None:
        return zh
    text = in_language(spot_notes.in_words(e.entity, e.note), lang)
    return _PERMISSION.sub(lambda m: permission_words(m[0])[0 if m[1] else 1], text)


def target_extra(e: EntryView, lang: str, tz: tzinfo | None = None) -> str:
    """What goes with the target's name, in the page's language: a report's kind, a check's time."""
    parts = [word(e.target_label, lang)] if e.target_label else []
    if e.target_at is not None:
        parts.append((e.target_at.astimezone(tz) if tz and e.target_at.tzinfo else e.target_at)
                     .strftime("%Y-%m-%d %H:%M"))
    return " ".join(parts)


def target_text(e: EntryView, lang: str, tz: tzinfo | None = None) -> str:
    what = entity_text(e.entity, lang)
    if e.target:
        extra = target_extra(e, lang, tz)
        return f"{what} {e.target}" + (f" {extra}" if extra else "")
    return f"{what} {e.entity_id[:8]}" if e.entity_id else what


def target_link(e: EntryView) -> str | None:
    pattern = _LINKS.get(e.entity)
    return pattern.format(id=e.entity_id) if pattern and e.target else None


__all__ = ["Change", "action_choices", "action_text", "checked_by", "actor_text", "changes_text", "entity_text", "field_text", "note_said", "note_text",
           "system_name", "target_extra", "target_link", "target_text", "value_text"]
