"""The console's navigation entries: (permission, href, message key), in menu order.

The composition root (`dutydesk/composition.py`) lists every entry; the shell shows those the caller may open.
"""

from __future__ import annotations

from dataclasses import dataclass


GROUPS = ("duty", "rosters", "checks", "system")  # menu sections, in order; titles are `navgroup.<name>`


@dataclass(frozen=True)
class NavItem:
    permission: str
    href: str
    label_key: str
    order: int
    group: str = "duty"


def menu(*items: NavItem) -> tuple[NavItem, ...]:
    """The entries in menu order; two entries for one page are a wiring mistake."""
    hrefs = [i.href for i in items]
    twice = {h for h in hrefs if hrefs.count(h) > 1}
    if twice:
        raise ValueError(f"menu entries listed twice: {sorted(twice)}")
    unknown = {i.group for i in items} - set(GROUPS)
    if unknown:
        raise ValueError(f"menu groups not in nav.GROUPS: {sorted(unknown)}")
    return tuple(sorted(items, key=lambda i: (GROUPS.index(i.group), i.order)))


def sections(items: tuple[NavItem, ...], may, path: str) -> list[tuple[str, list[tuple[NavItem, bool]]]]:
    """The entries the caller `may` open, per group, each with whether it is the current page (the longest
    entry that is `path` or a folder of it)."""
    shown = [i for i in items if may(i.permission)]
    best = max((i.href for i in shown if path == i.href or (i.href != "/" and path.startswith(i.href + "/"))),
               key=len, default=None)
    out: list[tuple[str, list[tuple[NavItem, bool]]]] = []
    for item in shown:
        if not out or out[-1][0] != item.group:
            out.append((item.group, []))
        out[-1][1].append((item, item.href == best))
    return out
