"""Roster fixtures: the town of the `directory` fixture with posts and pools."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.directory import PersonCreate
from services.access import Actor
from services.directory import org
from services.rosters import policy as pol

# A plain November workday, 10:00 Beijing; 2026-12 is the month generated.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
MONTH = "2026-12"


@pytest.fixture
def roster_unit(session, directory):
    """The town with 4 leaders and 4 officers in rotation order."""
    town = directory["town"]
    leaders = [org.create_person(session=session, actor="test", data=PersonCreate(
        name=f"领导{i}", unit_id=town.id, mobile=f"1390000010{i}", is_leading_cadre=True)) for i in range(4)]
    officers = [org.create_person(session=session, actor="test", data=PersonCreate(
        name=f"值班员{i}", unit_id=town.id, mobile=f"1390000020{i}")) for i in range(4)]
    pol.ensure_default_posts(session=session, unit_id=town.id, actor="test")
    pol.set_pool(session=session, unit_id=town.id, post="leader", people=[p.id for p in leaders], by=Actor.system("test"))
    pol.set_pool(session=session, unit_id=town.id, post="officer", people=[p.id for p in officers], by=Actor.system("test"))
    session.commit()
    return {"unit": town, "leaders": leaders, "officers": officers}


@pytest.fixture
def person_token(session):
    """A bearer header for a new account of `role` linked to `person` (and the person's unit)."""
    from models.accounts import Role, UserCreate
    from services import accounts

    made: dict = {}

    def make(person, role: str = "leader") -> dict:
        if person.id in made:
            return made[person.id]
        user = accounts.create_user(session=session, actor="test", data=UserCreate(
            username=f"p_{str(person.id)[:8]}", password="correct-horse-battery", role=Role(role),
            unit_id=person.unit_id, person_id=person.id))
        token, _ = accounts.create_api_token(session=session, user=user, name="t", actor="test")
        session.commit()
        made[person.id] = {"Authorization": f"Bearer {token}"}
        return made[person.id]

    return make


@pytest.fixture
def generated(session, roster_unit):
    """December generated for the town (draft)."""
    from services.rosters.generate import generate_month

    generate_month(session=session, unit_id=roster_unit["unit"].id, month=MONTH, by=Actor.system("test"), tz="Asia/Shanghai")
    session.commit()
    return roster_unit
