"""Sentences the services write in zh-CN (audit notes, the timeline's fallback, redirect and unresolved notices) in
the page's language, at display time.

The rows keep the zh-CN text as written: the audit chain is sealed and older databases hold only that text. A zh-CN
page shows it as recorded; an English page reads it back into its parts (step, round, names, reason, report…) and
words it from the catalogue (`note.*` in web/console/audit/words.py). Names, titles and policy names stay as
written, marked as Chinese data. A note that matches no known sentence (a reason people typed) is shown as recorded
(None here)."""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from core.errors import in_language
from rules.directory import MEDIUM_ZH
from rules.incidents import Grade
from rules.incidents.grade import CRITERION_LABELS
from services.incidents.targets import VIA_ZH
from web.console.audit.words import NOTES
from web.console.i18n import translate
from web.console.render import data, display_label, templates, words

_GRADE_BY_LABEL = {g.label: g for g in Grade}
_GRADE_BY_ROMAN = {g.roman: g for g in Grade}
_VIA_BACK = {zh: code for code, zh in VIA_ZH.items()}
_NUMERALS = "一二三四五六七八九十"


def _say(key: str, lang: str, **values) -> Markup:
    return Markup(words(key, lang, None, values)) if any(isinstance(v, Markup) for v in values.values()) \
        else Markup(escape(words(key, lang, None, values)))


def _names(text: str, lang: str) -> Markup:
    """"宋海燕、傅雪莲" as data, joined in `lang`; "无"/"无人" as nobody."""
    if text in ("", "无", "无人"):
        return Markup(escape(translate("note.nobody", lang)))
    return Markup(escape(translate("common.list_sep", lang))).join(data(n) for n in text.split("、"))


def _report(title: str, lang: str) -> str:
    """首报 / 续报十一 / 终报 in `lang`."""
    if title in ("首报", "终报"):
        return translate("inc.report.first" if title == "首报" else "inc.report.final", lang)
    n = _cn_number(title.removeprefix("续报"))
    return words("inc.report.followup", lang, None, {"number": n, "numeral": title.removeprefix("续报")})


def _cn_number(numeral: str) -> int:
    """一 … 九十九 (rules/incidents/deadlines.chinese_numeral, backwards)."""
    if "十" not in numeral:
        return _NUMERALS.index(numeral) + 1
    tens, _, ones = numeral.partition("十")
    return (_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (_NUMERALS.index(ones) + 1 if ones else 0)


def _channel(name: str, lang: str) -> Markup:
    """A channel's label; a channel named by an administrator (sms_duty) as the identifier it is."""
    shown = display_label("channel", name, lang)
    return Markup("<code>{}</code>").format(name) if shown == name else Markup(escape(shown))


def _grade(text: str, lang: str) -> str | None:
    """一般 / 较大 … or "Ⅳ级" / 待定级 in `lang`; None for anything else."""
    if text in ("待定级", "待定"):
        return translate("note.ungraded", lang)
    g = _GRADE_BY_LABEL.get(text) or _GRADE_BY_ROMAN.get(text.removesuffix("级"))
    if g is None:
        return None
    return words("inc.board.grade", lang, None, {"roman": g.roman, "label": display_label("grade", int(g), lang)})


def _pattern(zh: str) -> re.Pattern:
    """A catalogue sentence as a pattern: its {placeholders} as named groups, the rest literal."""
    parts = re.split(r"\{(\w+)\}", zh)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)))


_REASONS = [(_pattern(zh), key) for key, (zh, _) in NOTES.items() if key.startswith("note.reason.")]


def _reason(text: str, lang: str) -> str | None:
    """One of the escalation engine's reasons (rules/incidents/escalation.py) in `lang`."""
    for pattern, key in _REASONS:
        if m := pattern.fullmatch(text):
            return words(key, lang, None, m.groupdict())
    return None


def _grade_reason(text: str, lang: str) -> str | None:
    """A grade suggestion's zh-CN reason (rules/incidents/grade.reason_zh) read back into its basis, in `lang`."""
    from web.console.incidents.grading import basis_text  # grading imports the incident pages' helpers

    basis: dict = {}
    main, _, unverified = text.partition("；")
    if unverified:
        names = unverified.removesuffix("待核实，未计入").split("、")
        if not unverified.endswith("待核实，未计入") or not all(n in _CRITERIA for n in names):
            return None
        basis["unverified"] = [_CRITERIA[n] for n in names]
    if m := re.fullmatch(r"各项数据均未达到(?P<below>\S+?)标准，建议一般（Ⅳ级）", main):
        if m["below"] not in _GRADE_BY_LABEL:
            return None
        basis.update(code="below", grade=int(Grade.IV), below=int(_GRADE_BY_LABEL[m["below"]]))
    elif m := re.fullmatch(r"(?P<criteria>.+)，达到(?P<label>\S+?)（(?P<roman>\S+?)级）标准", main):
        criteria = []
        for part in m["criteria"].split("、"):
            c = re.fullmatch(r"(?P<name>.+?)(?P<value>\d+)[人元]（≥(?P<minimum>\d+)[人元]）", part)
            if c is None or c["name"] not in _CRITERIA:
                return None
            criteria.append({"name": _CRITERIA[c["name"]], "value": int(c["value"]), "minimum": int(c["minimum"])})
        if m["roman"] not in _GRADE_BY_ROMAN:
            return None
        basis.update(code="reached", grade=int(_GRADE_BY_ROMAN[m["roman"]]), criteria=criteria)
    else:
        return None
    return basis_text(basis, lang)


_CRITERIA = {zh: name for name, zh in CRITERION_LABELS.items()}


def _capital(text: str | None) -> str | None:
    return text[:1].upper() + text[1:] if text else text


def _notified(m, lang):
    reason = _reason(m["reason"], lang)
    return None if reason is None else _say("note.notified", lang, step=m["step"], round=m["round"],
                                            who=_names(m["who"], lang), reason=reason)


def _acked_before(m, lang):
    who = Markup(escape(translate("inc.tl.list_sep", lang))).join(
        _say("inc.tl.acked_at", lang, name=data(n), at=at) for n, at in re.findall(r"([^、（]+)（([\d:]+)）", m["who"]))
    return _say("note.acked_before", lang, step=m["step"], round=m["round"], who=who)


def _ack_timeout(m, lang):
    reason = _reason(m["reason"], lang)
    return None if reason is None else _say("note.ack_timeout", lang, reason=reason, who=_names(m["who"], lang))


def _ack(m, lang):
    via = _VIA_BACK.get(m["via"])
    return None if via is None else _say("note.ack", lang, name=data(m["name"]), via=display_label("via", via, lang),
                                         then=translate("note.ack." + ("stopped" if "停止" in m["then"] else "waiting"), lang))


def _logged(m, lang):
    grade = translate("note.by_hand", lang) if m["grade"] == "人工定级" else _grade(m["grade"], lang)
    if grade is None:
        return None
    proposed = _say("note.logged.proposed", lang, roman=m["roman"]) if m["roman"] else ""
    return _say("note.logged", lang, grade=grade, proposed=proposed, policy=data(m["policy"]))


def _policy_version(m, lang):
    note = Markup(escape(": " if lang == "en" else "：")) + data(m["note"]) if m["note"] else ""
    return _say("note.policy_version", lang, policy=data(m["policy"]), version=m["version"], note=note)


def _report_note(m, lang):
    late = _say("note.late", lang, n=m["late"]) if m["late"] else ""
    return _say("note.report", lang, report=_report(m["report"], lang), late=late)


def _correction(m, lang):
    old, new = _grade(m["old"], lang), _grade(m["new"], lang)
    return None if old is None or new is None else _say("note.correction", lang, old=old, new=new)


def _correction_then(m, lang):
    text = _correction(m, lang)
    if text is None:
        return None
    if m["same"]:
        return _say("note.correction_same", lang, text=text, n=m["n"])
    return _say("note.correction_policy", lang, text=text, old=data(m["from"]), new=data(m["to"]), n=m["n"])


def _resuggest(m, lang):
    reason, old, new = _grade_reason(m["reason"], lang), _grade(m["old"], lang), _grade(m["new"], lang)
    return None if None in (reason, old, new) else _say("note.resuggest", lang, old=old, new=new, reason=reason)


def _roster(m, lang):
    span = _say("note.roster_span", lang, first=m["first"], last=m["last"]) if m["last"] else m["first"]
    return _say("note.roster_generated", lang, units=_say("note.roster_units", lang, n=m["units"]) if m["units"] else "",
                span=span, slots=m["slots"], gaps=m["gaps"], force=translate("note.roster_force", lang) if m["force"] else "")


def _default_posts(m, lang):
    names = {zh: key for key, zh in (("leader", "带班领导"), ("officer", "值班员"))}
    posts = m["posts"].split("、")
    if not all(p in names for p in posts):
        return None
    return _say("note.default_posts", lang, posts=translate("common.list_sep", lang).join(
        translate(f"roster.{names[p]}", lang) for p in posts))


def _fallback(m, lang):
    how = translate("note.fallback.inbox", lang) if m["how"] == "发到站内消息" else _say(
        "note.fallback.channel", lang, channel=_channel(m["how"].removeprefix("经").removesuffix("通知"), lang))
    return _say("note.fallback", lang, name=data(m["name"]), how=how)


def _unresolved(m, lang):
    key = _WHO.get(m["what"])
    return None if key is None else _say("note.unresolved", lang, step=m["step"], what=translate(f"note.who.{key}", lang))


def _rule_added(m, lang):
    medium = {zh: code for code, zh in MEDIUM_ZH.items()}.get(m["medium"])
    return None if medium is None else _say("note.rule_added", lang, name=data(m["name"]), n=m["n"],
                                            medium=display_label("medium", medium.value, lang))


INCIDENT = frozenset({"incident"})
REPORT = frozenset({"incident_report"})
# (the audit entities the sentence is written for, or None for any; the zh-CN sentence; its wording in `lang`)
SENTENCES: tuple[tuple[frozenset | None, re.Pattern, Callable], ...] = tuple(
    (where, re.compile(p), f) for where, p, f in (
        (INCIDENT, r"第(?P<step>\d+)步（第(?P<round>\d+)轮）通知：(?P<who>.*?)；(?P<reason>[^；]+)", _notified),
        (None, r"第(?P<step>\d+)步（第(?P<round>\d+)轮）的通知对象已确认收到：(?P<who>.+)；本步不再通知，升级通知停止",
         _acked_before),
        (INCIDENT, r"(?P<reason>[^：；]+)：(?P<who>.*?)；未续报则继续升级", _ack_timeout),
        (INCIDENT, r"(?P<reason>[^：；]+)", lambda m, lang: _capital(_reason(m["reason"], lang))),
        (INCIDENT, r"(?P<name>\S+) 经(?P<via>\S+?)确认(?P<then>，升级通知停止|，等待其他人确认)", _ack),
        (INCIDENT, r"(?P<name>\S+) 签收", lambda m, lang: _say("note.receipt", lang, name=data(m["name"]))),
        (frozenset({"instruction"}), r"(?P<name>[^\s；：]+)批示", lambda m, lang: _say("note.instruction", lang, name=data(m["name"]))),
        (INCIDENT, r"接报登记；建议(?P<grade>[^；]+?)(?:；所报(?P<roman>[ⅠⅡⅢⅣ])级待值班室定级)?；升级策略 (?P<policy>.+)", _logged),
        (REPORT, r"(?P<report>首报|终报|续报[一二三四五六七八九十]+)(?:，迟报(?P<late>\d+)分钟)?", _report_note),
        (REPORT, r"(?P<report>首报|终报|续报[一二三四五六七八九十]+)第(?P<n>\d+)次报送(?P<to>.+)",
         lambda m, lang: _say("note.upward_sent", lang, report=_report(m["report"], lang), n=m["n"], to=data(m["to"]))),
        (REPORT, r"(?P<report>首报|终报|续报[一二三四五六七八九十]+)由(?P<caller>.+?)电话报告(?P<reached>.+)",
         lambda m, lang: _say("note.upward_phoned", lang, report=_report(m["report"], lang), caller=data(m["caller"]),
                              reached=data(m["reached"]))),
        (INCIDENT, r"「(?P<title>.+)」并入「(?P<into>.+?)」(?:；(?P<warning>.+))?",
         lambda m, lang: _say("note.merge", lang, title=data(m["title"]), into=data(m["into"]),
                              warning=Markup("; ") + data(m["warning"]) if m["warning"] else "")),
        (INCIDENT, r"更正：等级由(?P<old>\S+?)调整为(?P<new>[^；\s]+)", _correction),
        (INCIDENT, r"更正：等级由(?P<old>\S+?)调整为(?P<new>[^；\s]+)；(?:(?P<same>升级策略不变)，|升级策略由(?P<from>.+)改为(?P<to>.+)；)"
                   r"已通知(?P<n>\d+)人(?:更正)?", _correction_then),
        (INCIDENT, r"新数字重新计算定级建议：(?P<old>\S+?)→(?P<new>\S+?)；(?P<reason>.+)", _resuggest),
        (INCIDENT, r"(?P<reason>.+)", lambda m, lang: _grade_reason(m["reason"], lang)),
        (frozenset({"escalation_policy"}), r"升级策略 (?P<policy>.+?) 第(?P<version>\d+)版(?:：(?P<note>.+))?", _policy_version),
        (frozenset({"escalation_policy"}), r"升级策略 (?P<policy>.+) 启用",
         lambda m, lang: _say("note.policy_enabled", lang, policy=data(m["policy"]))),
        (frozenset({"escalation_policy"}), r"升级策略 (?P<policy>.+) 停用",
         lambda m, lang: _say("note.policy_disabled", lang, policy=data(m["policy"]))),
        (frozenset({"roster"}), r"(?:(?P<units>\d+)个单位，)?(?P<first>\d{4}-\d{2})(?:至(?P<last>\d{4}-\d{2}))?："
                                r"(?P<slots>\d+)个班次，(?P<gaps>\d+)处缺岗(?P<force>（已发布的月份重新生成）)?", _roster),
        (frozenset({"duty_post"}), r"添加默认岗位：(?P<posts>.+)", _default_posts),
        (None, r"(?P<name>\S+?)没有可依靠的个人通知规则（联系方式未验证或未设规则），已按原方式(?P<how>发到站内消息|经\S+通知)",
         _fallback),
        (None, r"(?P<away>\S+?)请假，由(?P<acting>\S+?)主持工作（已在本步通知之列）",
         lambda m, lang: _say("note.redirect", lang, away=data(m["away"]), acting=data(m["acting"]))),
        (None, r"第(?P<step>\d+)步：找不到(?P<what>\S+?)（无人在岗或未配置）", _unresolved),
        (None, r"(?P<year>\d{4}) 年节假日安排（国务院办公厅通知）：(?P<n>\d+) 天",
         lambda m, lang: _say("note.holidays", lang, year=m["year"], n=m["n"])),
        (None, r"(?P<month>\d{4}-\d{2})：从文件导入(?P<slots>\d+)个班次(?:；(?P<also>.+))?",
         lambda m, lang: _say("note.roster_imported", lang, month=m["month"], slots=m["slots"],
                              also=Markup("; ") + data(m["also"]) if m["also"] else "")),
        (None, r"急事请假（(?P<reason>.+)），待审核", lambda m, lang: _say("note.urgent_leave", lang, reason=data(m["reason"]))),
        (None, r"(?P<name>\S+) 新增联系方式（未验证）", lambda m, lang: _say("note.contact_added", lang, name=data(m["name"]))),
        (None, r"(?P<name>\S+) 删除联系方式(?:及其(?P<n>\d+)条通知规则)?",
         lambda m, lang: _say("note.contact_deleted", lang, name=data(m["name"]),
                              rules=_say("note.contact_deleted.rules", lang, n=m["n"]) if m["n"] else "")),
        (None, r"向(?P<name>\S+?)的联系方式发送验证码（(?P<channel>[\w-]+)）",
         lambda m, lang: _say("note.code_sent", lang, name=data(m["name"]), channel=_channel(m["channel"], lang))),
        (None, r"(?P<name>\S+?)的联系方式已验证(?:（(?P<by>\S+?)代为输入验证码）)?",
         lambda m, lang: _say("note.contact_verified", lang, name=data(m["name"]),
                              by=_say("note.contact_verified.by", lang, name=data(m["by"])) if m["by"] else "")),
        (None, r"(?P<name>\S+?)的联系方式验证未通过：(?P<reason>.+)",
         lambda m, lang: _say("note.contact_failed", lang, name=data(m["name"]), reason=data(in_language(m["reason"], lang)))),
        (None, r"(?P<name>\S+?)：(?P<n>\d+)分钟后经(?P<medium>\S+?)通知", _rule_added),
        (None, r"(?P<name>\S+) 删除通知规则", lambda m, lang: _say("note.rule_deleted", lang, name=data(m["name"]))),
        (None, r"(?P<what>设置|更换)(?P<name>\S+?)的值班识别码",
         lambda m, lang: _say("note.duty_code_" + ("set" if m["what"] == "设置" else "replaced"), lang, name=data(m["name"]))),
        (None, r"清除(?P<name>\S+?)的值班识别码", lambda m, lang: _say("note.duty_code_cleared", lang, name=data(m["name"]))),
    ))


def worded(text: str | None, lang: str, entity: str | None = None) -> Markup | None:
    """A service's zh-CN sentence in `lang` (names and titles as Chinese data); None on a zh-CN page, and for a
    sentence this table does not know (shown as recorded)."""
    text = (text or "").strip()
    if lang != "en" or not text:
        return None
    for where, pattern, word in SENTENCES:
        if where is not None and entity not in where:
            continue
        if (m := pattern.fullmatch(text)) and (out := word(m, lang)) is not None:
            return Markup(out)
    return None


def shown(text: str | None, lang: str, entity: str | None = None) -> Markup:
    """A service's sentence in the page's language (`worded`), else as written, marked as Chinese data."""
    return worded(text, lang, entity) or data(text or "")


_WHO = {"当班带班领导": "duty_leader_now", "分管领导": "category_leader", "主要领导": "unit_head"}


def whom(recipient: str | None, lang: str) -> Markup:
    """A notice's recipient: a person's name as data; the role a step could not resolve (当班带班领导, the
    unresolved notice's recipient) in the page's language."""
    key = _WHO.get(recipient or "")
    return Markup(escape(translate(f"note.who.{key}", lang))) if key else data(recipient or "")


def builtin_title(name: str) -> str | None:
    """The title a built-in channel named after its kind is set up with (the inbox's 控制台收件箱): on an English page
    the channel's label is shown instead; a title an administrator gave is the administrator's words."""
    from notifiers import registry  # the plugin registry only when a channel is named, not at every page's import

    if name not in registry.BUILTINS:
        return None
    return getattr(registry.get(name), "title", None)




_PERSON = re.compile(r"(?P<name>[^（）、]+)(?:（代(?P<acting_for>[^）]+)）|(?P<leave>（请假）))?")


def people(text: str | None, lang: str) -> Markup:
    """A services' list of people ("董国华（代宋海燕）、何振华", "宋海燕（请假）"): each name as Chinese data, the
    acting and leave notes and the separator in the page's language."""
    parts = []
    for piece in (text or "").split("、"):
        m = _PERSON.fullmatch(piece.strip())
        if m is None:
            parts.append(data(piece))
            continue
        line = data(m["name"])
        if m["acting_for"]:
            line += _say("inc.tl.acting_for", lang, name=data(m["acting_for"]))
        elif m["leave"]:
            line += Markup(escape(translate("note.on_leave", lang)))
        parts.append(line)
    return Markup(escape(translate("common.list_sep", lang))).join(parts) if text else Markup("")


templates.env.globals.update(service_note=shown, whom=whom, builtin_title=builtin_title, people=people)
