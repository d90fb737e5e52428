"""Typed failures the web, CLI and flows turn into clear messages (never a 500)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: carries the field at fault and a human reason."""

    status = 400

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field

    def as_detail(self) -> list[dict]:
        return [{"loc": ["body", self.field] if self.field else ["body"], "msg": self.reason, "type": type(self).__name__}]


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
