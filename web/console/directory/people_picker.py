"""The person picker: people grouped by unit, each shown as 姓名（单位·职务）, with a filter box (web/static/app.js)."""

from __future__ import annotations

from sqlmodel import Session, select

from models.directory import Unit
from web.console.i18n import translate
from web.console.render import templates

# A title that is the system's own word for a role (the people sheet's 主要负责人 column, is_unit_head), not words an
# administrator chose: on an English page it is the role's label. Any other title is data, shown as typed.
ROLE_TITLES = {"主要负责人": "person.unit_head", "单位主要负责人": "person.unit_head"}


def title_shown(title: str | None, lang: str) -> str:
    """A person's title in `lang`: a built-in role word (ROLE_TITLES) translated, anything else as typed."""
    key = ROLE_TITLES.get(title or "")
    return translate(key, lang) if key and lang == "en" else (title or "")


def person_label(name: str, unit: str, title: str, lang: str = "zh-CN") -> str:
    """"钱立新（县政府·副县长）", on an English page "钱立新 (县政府, 副县长)"; the unit or the title alone when the other
    is unknown."""
    inside = (", " if lang == "en" else "·").join(x for x in (unit, title) if x)
    if not inside:
        return name
    return f"{name} ({inside})" if lang == "en" else f"{name}（{inside}）"


def groups(session: Session, people, lang: str = "zh-CN") -> list[dict]:
    """[{unit, options: [{id, label, person}]}], units by name, people by name within each; a built-in role title
    in `lang` (title_shown)."""
    units = {u.id: u.name for u in session.exec(select(Unit))}
    out: dict[str, list[dict]] = {}
    for p in people:
        unit = units.get(p.unit_id, "")
        out.setdefault(unit, []).append({"id": str(p.id), "person": p,
                                         "label": person_label(p.name, unit, title_shown(p.title, lang), lang)})
    return [{"unit": u, "options": sorted(opts, key=lambda o: o["person"].name)} for u, opts in sorted(out.items())]


templates.env.globals["person_title"] = title_shown
