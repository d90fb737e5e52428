"""An unknown JSON field is refused, not dropped (issue 13): `{"titel": ...}` used to open an incident without a
title's typo ever being noticed. Every API input model forbids extra fields; the console's forms, which carry other
inputs (CSRF token, buttons), still work. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine
from sqlmodel import select

from core.settings import Settings
from models.directory import Person
from models.incidents.records import Incident
from tests.conftest import PASSWORD


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    from dutydesk.composition import build_web_app

    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("openapi"), flows={"mode": "off"})
    return build_web_app(settings, create_engine("sqlite://")).openapi()


def _models(schema: dict, defs: dict, seen: set):
    """Every object model a JSON body schema reaches (nested models, list items, unions)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield name
            yield from _models(defs[name], defs, seen)
        return
    for part in (*schema.get("anyOf", ()), *schema.get("oneOf", ()), *schema.get("allOf", ()),
                 *schema.get("properties", {}).values()):
        yield from _models(part, defs, seen)
    if isinstance(schema.get("items"), dict):
        yield from _models(schema["items"], defs, seen)


def test_every_json_body_refuses_unknown_fields(spec):
    defs = spec["components"]["schemas"]
    loose = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            for name in _models(body["schema"], defs, set()):
                if defs[name].get("type") == "object" and defs[name].get("additionalProperties") is not False:
                    loose.append(f"{method.upper()} {path}: {name}")
    assert not loose, "input models that drop unknown fields silently:\n" + "\n".join(loose)


def _intake(directory, **kw) -> dict:
    return {"title": "高观镇山体滑坡", "category": "natural_disaster", "unit_id": str(directory["town"].id),
            "received_at": "2026-07-15T02:10:00+08:00", **kw}


def test_a_misspelt_field_is_a_422_naming_it_and_nothing_is_opened(client, tokens, directory, session):
    body = _intake(directory)
    body["titel"] = body.pop("title")
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json=body)
    assert r.status_code == 422, r.text
    problems = {tuple(p["loc"]): p["msg"] for p in r.json()["detail"]}
    assert "未知字段" in problems[("body", "titel")] and "titel" in problems[("body", "titel")]
    en = client.post("/api/incidents?lang=en", headers=tokens["duty_officer"], json=_intake(directory, extra=1))
    assert en.status_code == 422
    assert [p["msg"] for p in en.json()["detail"]] == ["extra: unknown field, not accepted"]
    nested = client.post("/api/incidents", headers=tokens["duty_officer"],
                         json=_intake(directory, deaths=0, first_report=True, first_reprot_channel="phone"))
    assert nested.status_code == 422 and nested.json()["detail"][0]["loc"] == ["body", "first_reprot_channel"]
    session.expire_all()
    assert session.exec(select(Incident)).all() == []
    ok = client.post("/api/incidents", headers=tokens["duty_officer"], json=_intake(directory))
    assert ok.status_code in (200, 201), ok.text


def test_a_misspelt_field_in_a_person_edit_is_refused_and_the_person_is_unchanged(client, tokens, directory,
                                                                                   session):
    person = directory["people"]["t1"]
    r = client.patch(f"/api/people/{person.id}", headers=tokens["admin"], json={"titel": "镇长"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "titel"]
    session.expire_all()
    assert session.get(Person, person.id).title == ""


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def test_console_forms_with_other_inputs_still_save(client, users, directory, session):
    """A form posts its CSRF token, its submit button and ticks the page reads itself: not model fields."""
    csrf = _login(client, "u_duty_officer")
    r = client.post("/incidents/new", follow_redirects=False, data={
        **_intake(directory, received_at="2026-07-15T02:10"), "csrf_token": csrf, "submit": "save",
        "first_report": "on", "first_report_channel": "phone"})
    assert r.status_code == 303, r.text
    inc = session.exec(select(Incident)).one()
    r = client.post(f"/incidents/{inc.id}/reports", follow_redirects=False, data={
        "csrf_token": csrf, "kind": "followup", "content": "续报：已转移群众", "send_upward": "on", "action": "send"})
    assert r.status_code == 303, r.text
    admin = _login(client, "u_admin")
    person = directory["people"]["t1"]
    r = client.post(f"/people/{person.id}/edit", follow_redirects=False, data={
        "csrf_token": admin, "name": person.name, "unit_id": str(person.unit_id), "title": "副镇长",
        "mobile": person.mobile, "save": "1"})
    assert r.status_code == 303, r.text
    session.expire_all()
    assert session.get(Person, person.id).title == "副镇长"
