"""The console's navigation: (permission, href, message key), in menu order.

A feature adds its pages with `add`; the shell shows the items the caller may open.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    permission: str
    href: str
    label_key: str
    order: int


ITEMS: list[NavItem] = [
    NavItem("dashboard:read", "/", "nav.dashboard", 0),
    NavItem("directory:read", "/units", "nav.units", 80),
    NavItem("directory:read", "/people", "nav.people", 81),
    NavItem("users:read", "/accounts", "nav.accounts", 90),
    NavItem("audit:read", "/audit", "nav.audit", 95),
]


def add(permission: str, href: str, label_key: str, order: int) -> None:
    if any(i.href == href for i in ITEMS):
        return
    ITEMS.append(NavItem(permission, href, label_key, order))
    ITEMS.sort(key=lambda i: i.order)
