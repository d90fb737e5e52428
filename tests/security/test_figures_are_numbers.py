"""A casualty figure in JSON is a number or 待核实 (issue 13): `"deaths": "3"` used to be read as 3, so a client
quoting its numbers was never told. A console form and the command line, where every value is text a person typed,
still read "3" as 3 (the CLI: tests/incidents/test_cli.py). On SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.records import Incident
from tests.conftest import PASSWORD


def _intake(directory, **kw) -> dict:
    return {"title": "高观镇山体滑坡", "category": "natural_disaster", "unit_id": str(directory["town"].id),
            "received_at": "2026-07-15T02:10:00+08:00", **kw}


def test_json_takes_a_count_as_a_number_or_unverified_and_refuses_a_quoted_number(client, tokens, directory,
                                                                                    session):
    r = client.post("/api/incidents", headers=tokens["duty_officer"], json=_intake(directory, deaths="3"))
    assert r.status_code == 422, r.text
    assert [(p["loc"], p["msg"]) for p in r.json()["detail"]] == [(["body", "deaths"], "“deaths”须为数字（不加引号）或“待核实”")]
    en = client.post("/api/incidents?lang=en", headers=tokens["duty_officer"], json=_intake(directory, missing="2人"))
    assert en.json()["detail"][0]["msg"] == "missing: must be a JSON number, not text, or unverified"
    session.expire_all()
    assert session.exec(select(Incident)).all() == []
    ok = client.post("/api/incidents", headers=tokens["duty_officer"], json=_intake(directory, deaths=3, injured="待核实"))
    assert ok.status_code in (200, 201), ok.text
    inc = session.exec(select(Incident)).one()
    assert inc.deaths == 3 and inc.injured_unverified
    r = client.post(f"/api/incidents/{inc.id}/reports", headers=tokens["duty_officer"],
                    json={"kind": "followup", "content": "续报", "injured": "2"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "injured"]
    r = client.patch(f"/api/incidents/{inc.id}", headers=tokens["duty_officer"], json={"missing": "1"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "missing"]


def test_a_console_form_still_reads_typed_figures(client, users, directory, session):
    assert client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    r = client.post("/incidents/new", follow_redirects=False, data={
        **_intake(directory, received_at="2026-07-15T02:10"), "csrf_token": csrf, "deaths": "3", "injured": "待核实"})
    assert r.status_code == 303, r.text
    inc = session.exec(select(Incident)).one()
    assert inc.deaths == 3 and inc.injured_unverified

