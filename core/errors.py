"""Typed failures the web, CLI and flows turn into clear messages (never a 500)."""

from __future__ import annotations

import re

# A reason written "中文 (English)" or "中文（English）": the English in brackets at the end, for API clients.
_BILINGUAL = re.compile(r"^(?P<zh>.*[\u4e00-\u9fff].*?)\s*[(（](?P<en>[^()（）\u4e00-\u9fff]*[A-Za-z][^()（）\u4e00-\u9fff]*)[)）]\s*$",
                        re.S)


def in_language(text: str, lang: str) -> str:
    """A bilingual reason ("中文 (English)") in one language, for a page in `lang`; other texts as they are."""
    m = _BILINGUAL.match(text) if isinstance(text, str) else None
    if m is None:
        return text
    return m["en"].strip() if lang == "en" else m["zh"].strip()


class ServiceError(Exception):
    """Base: carries the field at fault and a human reason."""

    status = 400

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.refused_by: str | None = None  # set by an access check: the web audits the refusal ("access_refused")

    def refusing(self, actor: str) -> "ServiceError":
        """This error as an access refusal of `actor` (another unit's record, an action the role may not take)."""
        self.refused_by = actor
        return self

    def as_detail(self, where: str = "body") -> list[dict]:
        """`where`: "path" or "query" when the field is a path or query parameter (the web knows which)."""
        return [{"loc": [where, self.field] if self.field else [where], "msg": self.reason,
                 "type": type(self).__name__}]


class Invalid(ServiceError):
    status = 422


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403


class Gone(ServiceError):
    """Something that existed and is no more: a link already used or expired."""

    status = 410
