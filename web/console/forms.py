"""Helpers every console form handler shares: redirect back with a message, errors keyed by field."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from core.errors import ServiceError


def back(url: str, error: str = "", notice: str = "") -> RedirectResponse:
    """Redirect (303) to `url` with an error or notice in its query."""
    sep = "&" if "?" in url else "?"
    tail = f"{sep}error={quote(error)}" if error else (f"{sep}notice={quote(notice)}" if notice else "")
    return RedirectResponse(url + tail, status_code=303)


def invalid_text(exc) -> str:
    """A form's validation errors as one line: "field: reason；field: reason"."""
    return "；".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())


def field_errors(exc: Exception) -> dict[str, str]:
    """field -> reason for a refused form (pydantic validation or a service's refusal); other errors propagate."""
    if isinstance(exc, ValidationError):
        return {str(e["loc"][-1]) if e["loc"] else "form": e["msg"] for e in exc.errors()}
    if isinstance(exc, ServiceError):
        return {exc.field or "form": exc.reason}
    raise exc


def form_values(form) -> dict:
    """A submitted form without its CSRF token and empty fields."""
    return {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
