"""The people a roster import writes to the directory: those it creates (and the pools they join), the directory
people it adds to a post's pool, and the phones the clerk chose to take from the file (services/rosters/imports.py
calls these only once the preview has no problem, in the import's transaction). `preview` is that module's
ImportPreview, passed in (this module does not import it back)."""

from __future__ import annotations

import uuid
from sqlmodel import Session

from models.directory import PersonCreate, PersonUpdate
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol


def create_missing(session: Session, unit_id: uuid.UUID, preview, by: Actor) -> dict[str, str]:
    """Create the people the directory lacks and append them to the pool of the post the file gives them."""
    created: dict[str, str] = {}
    added: dict[str, list[uuid.UUID]] = {}
    for m in preview.missing:
        person = org.create_person(session=session, actor=by.name, data=PersonCreate(
            name=m.name, unit_id=unit_id, mobile=m.phone or ""))  # a name alone: no phone yet
        created[m.name] = str(person.id)
        preview.created.append(m.name)
        if m.joins_pool:
            added.setdefault(m.post, []).append(person.id)
    pools = pol.pools_of(session, unit_id)
    for post, ids in added.items():
        pol.set_pool(session=session, unit_id=unit_id, post=post,
                     people=[uuid.UUID(x) for x in pools.get(post, [])] + ids, by=by)
    return created


def update_phones(session: Session, preview, by: Actor) -> None:
    """The directory phones the clerk chose to replace with the file's (each audited as a change of the person)."""
    for x in preview.phones:
        if x.person_id in preview.update_phones:
            org.update_person(session=session, person_id=uuid.UUID(x.person_id), data=PersonUpdate(mobile=x.phone),
                              actor=by.name)


def add_outside(session: Session, unit_id: uuid.UUID, preview, by: Actor) -> None:
    """Append the directory people the file puts on a post to the end of that post's pool (audited by set_pool)."""
    pools = pol.pools_of(session, unit_id)
    added: dict[str, list[str]] = {}
    for o in preview.outside:
        added.setdefault(o.post, []).append(o.person_id)
    for post, ids in added.items():
        pol.set_pool(session=session, unit_id=unit_id, post=post,
                     people=[uuid.UUID(x) for x in pools.get(post, []) + ids], by=by)
