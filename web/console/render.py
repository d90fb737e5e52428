"""Rendering console pages: language, the caller, CSRF token, role checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from web.access import allowed
from web.console.i18n import LANG_COOKIE, pick_language, translate
from web.console.nav import sections
from web.deps import Caller, check_csrf, optional_caller

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
PHONE = re.compile(r"\+?\d[\d\- ]{4,}\d")


def tel(text) -> Markup:
    """Each phone number in `text` as a tel: link (a leader on a phone calls with one tap); the rest escaped."""
    text, out, last = str(text or ""), [], 0
    for m in PHONE.finditer(text):
        out += [escape(text[last:m.start()]),
                Markup('<a href="tel:{}">{}</a>').format(re.sub(r"[^\d+]", "", m.group()), m.group())]
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


templates.env.filters["tel"] = tel


class LoginRedirect(Exception):
    """Raised for anonymous console requests; answered with a redirect to /login."""


def language(request: Request, c: Caller | None = None) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         c.user.language if c else None, request.app.state.settings.web.default_language)


def lang_url(request: Request, code: str) -> str:
    """This page in another language: the same path and query, `lang` replaced."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "notice", "error")]
    return request.url.path + "?" + urlencode([*query, ("lang", code)])


def page(permission: str):
    """A console dependency: the logged-in caller holding `permission`, else login or 403."""

    async def dep(request: Request, c: Caller | None = Depends(optional_caller)) -> Caller:
        if c is None:
            raise LoginRedirect()
        if not allowed(c.user.role, permission):
            raise HTTPException(403, translate("error.forbidden", language(request, c)))
        await check_csrf(request, c)
        return c

    return dep


def words(key: str, lang: str, default: str | None, values: dict) -> str:
    """A message in `lang` with its {placeholders} filled; `default` when the key is unknown."""
    text = translate(key, lang)
    if text == key and default is not None:
        return default
    return text.format(**values) if values else text


@dataclass(frozen=True)
class Say:
    """A row made before the page's language is known (a dashboard panel's): a message key and its
    placeholders, put into words when the page is rendered (`say(row)` in templates)."""

    key: str
    values: dict = field(default_factory=dict)


def say(row, lang: str):
    """A `Say` in `lang`; any other row (text, Markup) as it is."""
    return words(row.key, lang, None, row.values) if isinstance(row, Say) else row


def display_label(kind: str, value, lang: str) -> str:
    """An internal value (enum member or its string) as people call it: `enum.<kind>.<value>` in the words;
    the value itself when no label exists (the zh-CN leak test finds those)."""
    raw = str(getattr(value, "value", value) if value is not None else "")
    return words(f"enum.{kind}.{raw}", lang, raw, {})


def render(request: Request, name: str, c: Caller | None, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with the shell's context; remembers a ?lang= choice in a cookie."""
    lang = language(request, c)
    may = (lambda perm: allowed(c.user.role, perm)) if c else (lambda perm: False)
    context = {
        "request": request, "c": c, "lang": lang, "t": lambda key, default=None, **kw: words(key, lang, default, kw),
        # an internal value shown to people: its display label, never the value itself (enum.<kind>.<value>)
        "label": lambda kind, value: display_label(kind, value, lang),
        "say": lambda row: say(row, lang),
        "csrf": c.login.csrf_token if c and c.login else "",
        "can": may,
        "nav": sections(request.app.state.extensions.menu, may, request.url.path) if c else [],
        "lang_url": lambda code: lang_url(request, code),
        **ctx,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in ("zh-CN", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
