"""Every table of dutydesk, imported here so Alembic sees the whole metadata."""

from models.accounts import ApiToken, LoginFailure, LoginSession, Role, User
from models.audit import AuditEntry
from models.org import Person, Unit, UnitType

__all__ = ["ApiToken", "AuditEntry", "LoginFailure", "LoginSession", "Person", "Role", "Unit", "UnitType", "User"]
