"""The person picker: people grouped by unit, each shown as 姓名（单位·职务）, with a filter box (web/static/app.js)."""

from __future__ import annotations

from sqlmodel import Session, select

from models.directory import Unit


def person_label(name: str, unit: str, title: str) -> str:
    """"钱立新（县政府·副县长）"; the unit or the title alone when the other is unknown."""
    inside = "·".join(x for x in (unit, title) if x)
    return f"{name}（{inside}）" if inside else name


def groups(session: Session, people) -> list[dict]:
    """[{unit, options: [{id, label, person}]}], units by name, people by name within each."""
    units = {u.id: u.name for u in session.exec(select(Unit))}
    out: dict[str, list[dict]] = {}
    for p in people:
        unit = units.get(p.unit_id, "")
        out.setdefault(unit, []).append({"id": str(p.id), "person": p,
                                         "label": person_label(p.name, unit, p.title or "")})
    return [{"unit": u, "options": sorted(opts, key=lambda o: o["person"].name)} for u, opts in sorted(out.items())]
