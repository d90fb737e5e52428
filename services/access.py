"""Who is asking, and what they may see and change: authorization decided once, here and in the services.

The web (API and console) and the CLI build an `Actor` for the caller and pass it as `by=`; every service
operation that reveals or changes unit-scoped data decides from it, so the API and the console cannot
disagree. The route table (web/access.py) only says which roles may reach an endpoint at all.

Rules of thumb the operations follow (DOMAIN.md): the duty office (值班室: admins and duty officers) acts for every
unit; a unit reporter (单位填报员) sees and changes only their own unit; a person (a leader, say) acts on their own
leave and slots.

One rule for refusals, the same in every feature (incidents, rosters, leave, people, spot checks):
- a record the caller may not see (another unit's incident, slot, gap, swap, leave, person, handover, spot check,
  addressed by its id) answers **404**, the same answer as for an id that does not exist, so ids cannot be probed
  (`check_unit`);
- a record the caller may see but not change (a leader and another person's leave or contacts; a swap that only
  its counterpart confirms) answers **403** (`refuse`, after `check_unit`);
- naming another unit itself (a unit reporter asking for another unit's roster, posts or handovers, or choosing it
  for a new record) answers **403**: the county's units are no secret, what they hold is (`check_own_unit`).
Each refusal is marked `refusing(actor)`, so the web audits it as "access_refused".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import Forbidden, NotFound
from models.accounts import STAFF, Role

UNIT_INBOX: frozenset[Role] = frozenset({Role.admin, Role.duty_officer, Role.unit_reporter})


@dataclass(frozen=True)
class Actor:
    name: str  # as the audit log records it: "duty", "token:duty", "system:flows", "cli"
    role: Role
    unit_id: uuid.UUID | None = None  # the user's unit (the only one a unit reporter may touch)
    person_id: uuid.UUID | None = None  # the directory person this account is, if any

    @classmethod
    def system(cls, name: str) -> "Actor":
        """Flows, the engine, the CLI and the demo: they act as the duty office."""
        return cls(name, Role.admin)

    @property
    def office(self) -> bool:
        """The duty office itself (admins and duty officers)."""
        return self.role in STAFF

    @property
    def scope(self) -> uuid.UUID | None:
        """The only unit this actor may see; None means every unit."""
        return self.unit_id if self.role is Role.unit_reporter else None

    @property
    def inbox_unit(self) -> uuid.UUID | None:
        """The unit whose messages (addressed to the unit as a whole, not to a person: a deadline alarm to the
        county office, an instruction forwarded to a town) this actor reads in their console inbox: the unit's
        duty officers, that is its admins, duty officers and unit reporters (a leader, an auditor or the wall
        screen reads only messages to their own person)."""
        return self.unit_id if self.role in UNIT_INBOX else None

    def sees(self, unit_id: uuid.UUID | None) -> bool:
        return self.scope is None or unit_id == self.scope

    def check_unit(self, unit_id: uuid.UUID | None, what: str = "unit", *, field: str = "unit_id",
                   reason: str | None = None) -> None:
        """404 for a record of another unit (a unit reporter does not learn that it exists); `reason`: the words
        the operation answers for an id that does not exist, so that the two answers cannot be told apart."""
        if not self.sees(unit_id):
            raise NotFound(reason or f"未找到该记录 ({what} not found)", field=field).refusing(self.name)

    def check_own_unit(self, unit_id: uuid.UUID | None, *, field: str = "unit_id") -> None:
        """403 when a unit reporter names another unit for something new (their own unit is the only choice)."""
        if not self.sees(unit_id):
            raise Forbidden("单位填报员只能填报本单位的信息 (unit reporters act for their own unit only)",
                            field=field).refusing(self.name)

    def refuse(self, unit_id: uuid.UUID | None, reason: str, what: str = "record", *, field: str) -> None:
        """Refuse a change to a record of `unit_id`: 404 when this actor may not even see it, else 403 (`reason`)."""
        self.check_unit(unit_id, what, field=field)
        raise Forbidden(reason, field=field).refusing(self.name)

    def require_office(self, doing: str, *, field: str | None = None) -> None:
        if not self.office:
            raise Forbidden(f"只有值班室可以{doing}", field=field).refusing(self.name)

    def name_of(self, person) -> str:
        """A person's name for a refusal's text, only when this actor may see the person's unit: a unit reporter
        must not learn who is in another unit from a refusal (else: "所选人员", the person chosen)."""
        return person.name if self.sees(person.unit_id) else "所选人员"

    def acts_for_unit(self, unit_id: uuid.UUID | None) -> bool:
        """The office, or the unit's own reporter: may act on behalf of anyone in the unit."""
        return self.office or (self.role is Role.unit_reporter and unit_id == self.unit_id)

    def is_person(self, person_id: uuid.UUID | None) -> bool:
        return person_id is not None and person_id == self.person_id
