"""The console's navigation entries: (permission, href, message key), in menu order.

The composition root (`dutydesk/composition.py`) lists every entry; the shell shows those the caller may open.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    permission: str
    href: str
    label_key: str
    order: int


def menu(*items: NavItem) -> tuple[NavItem, ...]:
    """The entries in menu order; two entries for one page are a wiring mistake."""
    hrefs = [i.href for i in items]
    twice = {h for h in hrefs if hrefs.count(h) > 1}
    if twice:
        raise ValueError(f"menu entries listed twice: {sorted(twice)}")
    return tuple(sorted(items, key=lambda i: i.order))
