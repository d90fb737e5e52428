"""Rendering console pages: language, the caller, CSRF token, role checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from web.access import allowed
from web.console.i18n import LANG_COOKIE, pick_language, translate
from web.deps import Caller, check_csrf, optional_caller

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")


class LoginRedirect(Exception):
    """Raised for anonymous console requests; answered with a redirect to /login."""


def language(request: Request, c: Caller | None = None) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         c.user.language if c else None, request.app.state.settings.web.default_language)


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


def render(request: Request, name: str, c: Caller | None, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with the shell's context; remembers a ?lang= choice in a cookie."""
    lang = language(request, c)
    context = {
        "request": request, "c": c, "lang": lang, "t": lambda key: translate(key, lang),
        "csrf": c.login.csrf_token if c and c.login else "",
        "can": (lambda perm: allowed(c.user.role, perm)) if c else (lambda perm: False),
        "nav_items": request.app.state.extensions.menu,
        **ctx,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in ("zh-CN", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
