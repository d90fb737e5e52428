"""Rendering console pages: language, the caller, CSRF token, role checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from core.errors import in_language
from rules.incidents.deadlines import chinese_numeral
from rules.directory import dial
from web.access import allowed, home_page
from web.console.forms import FLASH_COOKIE, take_flash
from web.console.i18n import LANG_COOKIE, MESSAGES, field_label, pick_language, translate
from web.console.nav import sections
from web.deps import Caller, Refused, check_csrf, optional_caller

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
# A phone as people write it in free text: full-width digits and dashes too (１３９－００００－００００).
PHONE = re.compile(r"[+＋]?[0-9０-９][0-9０-９\-－— 　]{4,}[0-9０-９]")


def tel(text) -> Markup:
    """Each phone number in `text` as a tel: link (a leader on a phone calls with one tap); the rest escaped.
    The link dials ASCII digits only (rules/directory.py: dial), whatever the text shows."""
    text, out, last = str(text or ""), [], 0
    for m in PHONE.finditer(text):
        out += [escape(text[last:m.start()]),
                Markup('<a href="tel:{}">{}</a>').format(dial(m.group()), m.group())]
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


ACTING = re.compile(r"（代(?P<name>[^）]+)）")
CORRECTION = re.compile(r"更正：等级由(?P<old>\S+?)级调整为(?P<new>\S+?)级")


def zh_names(text, lang: str) -> str:
    """The services' zh-CN name notes in the page's language: "董国华（代宋海燕）" -> "董国华 (for 宋海燕)",
    "（请假）" -> " (on leave)", "更正：等级由Ⅳ级调整为Ⅲ级" -> "Correction: grade Ⅳ changed to Ⅲ"."""
    text = str(text or "")
    if lang != "en":
        return text
    text = ACTING.sub(lambda m: f" (for {m['name']})", text).replace("（请假）", " (on leave)")
    return CORRECTION.sub(lambda m: f"Correction: grade {m['old'].replace('待定', 'ungraded')} changed to "
                                    f"{m['new'].replace('待定', 'ungraded')}", text)


templates.env.filters["tel"] = tel
templates.env.filters["zh_names"] = zh_names
templates.env.filters["in_lang"] = in_language  # a service's "中文 (English)" reason in the page's language
templates.env.filters["cn_numeral"] = chinese_numeral  # 续报一, 续报十一: report titles in zh-CN


class LoginRedirect(Exception):
    """Raised for anonymous console requests; answered with a redirect to /login."""


class HomeRedirect(Exception):
    """Raised when an account opens the front page it may not read: answered with a redirect to its own home page
    (`web.access.home_page`; the wall screen's /wall), not a refusal."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def language(request: Request, c: Caller | None = None, *, browser: bool = False) -> str:
    """The page's language (i18n.pick_language). `browser`: a page opened without an account (the acknowledgement
    link on a leader's phone) also follows the browser's Accept-Language before the configured default."""
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         c.user.language if c else None, request.app.state.settings.web.default_language,
                         accept=request.headers.get("accept-language") if browser else None)


def lang_url(request: Request, code: str) -> str:
    """This page in another language: the same path and query, `lang` replaced."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "notice", "error")]
    return request.url.path + "?" + urlencode([*query, ("lang", code)])


def page(permission: str, *, front: bool = False):
    """A console dependency: the logged-in caller holding `permission`, else login or 403. `front`: the console's
    front page, from which an account that may not read it goes to its own home page instead of a 403."""

    async def dep(request: Request, c: Caller | None = Depends(optional_caller)) -> Caller:
        if c is None:
            raise LoginRedirect()
        if front and not allowed(c.user.role, permission) and home_page(c.user.role) != request.url.path:
            query = request.url.query  # the language switch (/?lang=en) and the like go along to the home page
            raise HomeRedirect(home_page(c.user.role) + (f"?{query}" if query else ""))
        if not allowed(c.user.role, permission):
            raise Refused(c.actor, 403, translate("error.forbidden", language(request, c)))
        await check_csrf(request, c)
        return c

    return dep


def page_briefly(permission: str):
    """`page(permission)` for a response that stays open (a live event stream): the caller is read in a
    session of its own, closed before the response starts, so an open stream holds neither a database
    connection nor one of the `db.pool_size` admissions every other request waits for."""

    async def dep(request: Request) -> Caller:
        def read() -> Caller | None:
            with request.app.state.read_session_factory() as session:
                return optional_caller(request, session)  # sessions do not expire on commit: still readable

        c = await run_in_threadpool(read)
        if c is None:
            raise LoginRedirect()
        if not allowed(c.user.role, permission):
            raise Refused(c.actor, 403, translate("error.forbidden", language(request, c)))
        return c

    return dep


def words(key: str, lang: str, default: str | None, values: dict) -> str:
    """A message in `lang` with its {placeholders} filled; `default` when the key is unknown."""
    text = translate(key, lang)
    if text == key and default is not None:
        return default
    if values and any(isinstance(v, Markup) for v in values.values()):
        return escape(text).format(**values)  # data marked up (`data`, `ident`): kept, the rest escaped
    return text.format(**values) if values else text


def data(value) -> Markup:
    """Text written by people (names, places, notes) inside a sentence: shown as is, marked as data."""
    return Markup('<span lang="zh-CN">{}</span>').format(value)


def ident(value) -> Markup:
    """An identifier (a username, a code) inside a sentence: shown as is."""
    return Markup("<code>{}</code>").format(value)


@dataclass(frozen=True)
class Say:
    """A row made before the page's language is known (a dashboard panel's): a message key and its
    placeholders, put into words when the page is rendered (`say(row)` in templates)."""

    key: str
    values: dict = field(default_factory=dict)


def say(row, lang: str):
    """A `Say` in `lang` (its values may be `Say`s too); a list: its parts said and joined (markup kept, text
    escaped); any other row (text, Markup) as it is."""
    if isinstance(row, list | tuple):
        return Markup("").join(escape(say(part, lang)) for part in row)
    if not isinstance(row, Say):
        return row
    return words(row.key, lang, None, {k: say(v, lang) for k, v in row.values.items()})


def display_label(kind: str, value, lang: str) -> str:
    """An internal value (enum member or its string) as people call it: `enum.<kind>.<value>` in the words;
    the value itself when no label exists (the zh-CN leak test finds those)."""
    raw = str(getattr(value, "value", value) if value is not None else "")
    return words(f"enum.{kind}.{raw}", lang, raw, {})


def render(request: Request, name: str, c: Caller | None, status_code: int = 200, *, lang: str | None = None,
           **ctx: Any) -> HTMLResponse:
    """Render a template with the shell's context; remembers a ?lang= choice in a cookie. `lang`: the page's
    language when the caller decided it otherwise (the acknowledgement page: `language(..., browser=True)`)."""
    lang = lang or language(request, c)
    flash = take_flash(request)  # a message from the form handler that redirected here: shown once
    for key, text in flash.items():
        if not ctx.get(key):
            ctx[key] = text
    for key in ("message", "error", "notice", "problem"):  # a service's bilingual reason, in the page's language
        if isinstance(ctx.get(key), str):
            ctx[key] = in_language(ctx[key], lang)
    if isinstance(ctx.get("errors"), dict):
        ctx["errors"] = {k: in_language(v, lang) if isinstance(v, str) else v for k, v in ctx["errors"].items()}
    may = (lambda perm: allowed(c.user.role, perm)) if c else (lambda perm: False)
    context = {
        "request": request, "c": c, "lang": lang, "t": lambda key, default=None, **kw: words(key, lang, default, kw),
        # an internal value shown to people: its display label, never the value itself (enum.<kind>.<value>)
        "label": lambda kind, value: display_label(kind, value, lang),
        "say": lambda row: say(row, lang),
        "data": data, "ident": ident,
        "csrf": c.login.csrf_token if c and c.login else "",
        "can": may,
        "nav": sections(request.app.state.extensions.menu, may, request.url.path) if c else [],
        "lang_url": lambda code: lang_url(request, code),
        **ctx,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") in ("zh-CN", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def field_reason(exc, request: Request, c: Caller | None) -> str:
    """A service's refusal for a flash message: the field as people call it, then the reason (page's language)."""
    lang = language(request, c)
    reason = in_language(exc.reason, lang)
    colon = ": " if lang == "en" else "："
    return f"{field_label(exc.field, lang)}{colon}{reason}" if exc.field else reason


# What is not the console: the API, machines' endpoints (ops, live events, provider callbacks) and the docs.
NOT_CONSOLE = ("/api/", "/static/", "/healthz", "/readyz", "/metrics", "/events", "/callbacks/", "/openapi.json",
               "/docs", "/favicon.ico")


def wants_page(request: Request) -> bool:
    """A refused console request answers a console page (the reason in the page's language), whoever asks: a browser,
    curl or a script that did not say otherwise. JSON only for the API and machines' endpoints, or for a client
    that asks for JSON and not HTML (Accept: application/json)."""
    path = request.url.path
    if path == "/api" or path.startswith(NOT_CONSOLE):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "json" not in accept


def refused_page(scope, status: int, problem: dict) -> HTMLResponse | None:
    """The request boundary's refusal (web/boundary.py) of a browser's console request, as a page: which field and
    why, in the page's language, with a link back to the form (the browser's back button keeps what was typed).
    None for the API and other clients, which get the JSON refusal."""
    request = Request(scope)
    if not wants_page(request):
        return None
    lang = language(request)
    loc = problem.get("loc") or []
    reason = translate(f"refused.{problem.get('type')}", lang).format(**problem.get("ctx", {}))
    field = str(loc[-1]) if len(loc) > 1 else ""
    message = (translate("refused.field", lang).format(field=field_label(field, lang), reason=reason) if field
               else translate("refused.form", lang).format(reason=reason))
    referer = urlsplit(request.headers.get("referer", ""))
    ours = referer.netloc == request.headers.get("host", "") and referer.path.startswith("/") \
        and not referer.path.startswith("//")
    back_to = referer.path + (f"?{referer.query}" if referer.query else "") if ours else "/"
    return render(request, "refused.html", None, status_code=status, message=message, field=field, back_to=back_to)
