"""Helpers every console form handler shares: redirect back with a message, errors keyed by field.

A message for the page after a redirect travels in a short-lived flash cookie, shown once (the next page
rendered clears it): a reload or a shared link does not repeat it, and no message sits in a URL."""

from __future__ import annotations

import base64
import json
import re

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from core.errors import Forbidden, NotFound, ServiceError
from web.console.i18n import field_label, translate
from web.problems import bilingual, reason_en, reason_zh

FLASH_COOKIE = "dutydesk_flash"
FLASH_SECONDS = 60  # long enough for the redirect to land, short enough not to show up on a later visit


def back(url: str, error: str = "", notice: str = "") -> RedirectResponse:
    """Redirect (303) to `url`, with an error or notice for the next page in the flash cookie."""
    response = RedirectResponse(url, status_code=303)
    if error or notice:
        body = json.dumps({"error": error} if error else {"notice": notice}, ensure_ascii=False)
        response.set_cookie(FLASH_COOKIE, base64.urlsafe_b64encode(body.encode()).decode(), max_age=FLASH_SECONDS,
                            httponly=True, samesite="strict", path="/")
    return response


def raise_refusal(exc: Exception) -> None:
    """Re-raise a service's refusal, so that it answers the console's refusal page with its status: the ServiceError
    handler (web/app.py) renders it in the page's language and audits an access check's refusal (access_refused).
    404 for what the caller may not see (another unit's record, or one that does not exist: the two answers alike,
    so ids cannot be probed), 403 for what they may see but not change (services/access.py). Never a notice on the
    page or a redirect with a flash: a refused change must read as refused, to a person and to a script alike.
    Anything else (bad input: Invalid, Conflict) returns, for the form to show at its field."""
    if isinstance(exc, NotFound | Forbidden) or getattr(exc, "refused_by", None):
        raise exc


def read_flash(value: str | None) -> dict[str, str]:
    """The flash cookie's message ({"error": …} or {"notice": …}); {} when absent or not ours."""
    if not value:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode()).decode())
    except (ValueError, UnicodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if k in ("error", "notice") and v}


def take_flash(request: Request) -> dict[str, str]:
    return read_flash(request.cookies.get(FLASH_COOKIE))


# A choice field's values are said by their labels on a page (须为以下之一：自然灾害、事故灾难…), never as codes:
# field -> the catalogue's key prefix of its values
CHOICE_WORDS = {"category": "category", "domain_categories": "category"}


def _choice_reason(e: dict) -> str | None:
    """An enum / literal refusal of a known choice field in labels, "中文 (English)"; None for any other."""
    if e.get("type") not in ("enum", "literal_error"):
        return None
    names = [p for p in e.get("loc", ()) if isinstance(p, str)]
    prefix = CHOICE_WORDS.get(names[-1] if names else "")
    values = re.findall(r"'([^']*)'", str((e.get("ctx") or {}).get("expected", "")))
    if prefix is None or not values:
        return None
    zh = "、".join(translate(f"{prefix}.{v}", "zh-CN") for v in values)
    en = ", ".join(translate(f"{prefix}.{v}", "en") for v in values)
    return f"须为以下之一：{zh} (must be one of: {en})"


def field_errors(exc: Exception) -> dict[str, str]:
    """field -> reason for a refused form (pydantic validation or a service's refusal); other errors propagate."""
    if isinstance(exc, ValidationError):
        return {str(e["loc"][-1]) if e["loc"] else "form": _choice_reason(e) or bilingual(e) for e in exc.errors()}
    if isinstance(exc, ServiceError):
        return {exc.field or "form": exc.reason}
    raise exc


def invalid_text(exc) -> str:
    """A form's validation errors as one line, "字段：原因；…" with its English in brackets (a flash message is shown in
    the page's language): the fields as people call them, the reasons from web/problems."""
    def name(e, lang):
        return field_label(str(e["loc"][-1]), lang) if e["loc"] else ""
    zh = "；".join(f"{name(e, 'zh-CN')}：{reason_zh(e)}" for e in exc.errors())
    en = "; ".join(f"{name(e, 'en')}: {reason_en(e)}" for e in exc.errors())
    return f"{zh} ({en.replace('(', '[').replace(')', ']')})"


def form_values(form) -> dict:
    """A submitted form without its CSRF token and empty fields."""
    return {k: v for k, v in form.items() if k != "csrf_token" and v != ""}


def from_form(model, data: dict, *, context: dict | None = None):
    """The model from a submitted form's values, only its own fields: the form's other inputs (the CSRF token, a
    submit button, a tick read on its own) are the page's business, while the model refuses unknown fields as the
    API must (models.types.INPUT)."""
    return model.model_validate({k: v for k, v in data.items() if k in model.model_fields}, context=context)
