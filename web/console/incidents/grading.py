"""The grade suggestion's reason in the page's language, from the basis the rule gave (rules/incidents/grade.py).

Incidents logged before the basis was stored have only the zh-CN sentence: it is shown as written, marked as
Chinese data (never a wrong translation)."""

from __future__ import annotations

from markupsafe import Markup, escape

from rules.incidents import Grade
from services.incidents.regrade import needs_regrade
from web.console.i18n import translate
from web.console.render import display_label, templates, words


def _amount(value: int, lang: str) -> str:
    return f"{value:,}" if lang == "en" else str(value)


def basis_text(basis: dict | None, lang: str) -> str | None:
    """The reason the basis gives, in `lang`; None when there is no basis (older incidents: the zh-CN sentence)."""
    basis = basis or {}
    code = basis.get("code")
    if code == "by_hand":
        return words("inc.why.by_hand", lang, None, {"category": translate(f"category.{basis['category']}", lang)})
    if code not in ("reached", "below"):
        return None
    grade = Grade(basis["grade"])
    if code == "reached":
        sep = translate("common.list_sep", lang)
        criteria = sep.join(words(f"inc.why.criterion.{c['name']}", lang, None, {
            "value": _amount(c["value"], lang), "minimum": _amount(c["minimum"], lang)}) for c in basis["criteria"])
        text = words("inc.why.reached", lang, None, {"criteria": criteria, "roman": grade.roman,
                                                      "label": display_label("grade", int(grade), lang)})
    else:
        below = Grade(basis["below"])
        text = words("inc.why.below", lang, None, {"label": display_label("grade", int(below), lang),
                                                    "roman": below.roman})
    if basis.get("unverified"):
        names = translate("common.list_sep", lang).join(translate(f"inc.why.name.{n}", lang)
                                                        for n in basis["unverified"])
        text += words("inc.why.unverified", lang, None, {"names": names})
    return text


def grade_reason(incident, lang: str) -> Markup:
    """Why the suggested grade, worded in `lang` ('死亡人数12人（≥10人），达到重大（Ⅱ级）标准' / '12 deaths …')."""
    text = basis_text(getattr(incident, "suggested_basis", None), lang)
    if text is None:
        return Markup('<span lang="zh-CN" class="suggested-reason">{}</span>').format(incident.suggested_reason or "")
    return Markup('<span class="suggested-reason">{}</span>').format(escape(text))


templates.env.globals["grade_reason"] = grade_reason
templates.env.globals["needs_regrade"] = needs_regrade
