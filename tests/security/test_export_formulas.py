"""Every export (directory units and people, spot-check records, the roster month; CSV and Excel) neutralises a
cell typed like a formula: in a CSV it starts with an apostrophe, in an .xlsx it is a quoted string, never a
formula. One writer does it for all: core.tables.write."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from core.errors import Invalid
from core.tables import MAX_ROWS, OutSheet, write
from models.directory import Person, Unit
from models.rosters.roster import RosterDayNote
from models.spotchecks.checks import PhoneCheck
from tests.rosters.conftest import MONTH, generated, roster_unit  # noqa: F401 - fixtures of the roster export

PAYLOADS = ["=1+1", "+1", "-1", "@x", "\t=1+1"]


def csv_cells(body: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")) for c in row]


def xlsx_cells(body: bytes) -> list:
    return [c for row in load_workbook(io.BytesIO(body)).active.iter_rows() for c in row]


def assert_neutralised(body: bytes, fmt: str) -> None:
    if fmt == "csv":
        cells = csv_cells(body)
        assert all("'" + p in cells for p in PAYLOADS), [c for c in cells if c.startswith("'")]
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
        return
    cells = {c.value: c for c in xlsx_cells(body) if isinstance(c.value, str)}
    for p in PAYLOADS:
        assert p in cells, p  # the value as typed ...
        assert cells[p].data_type == "s" and cells[p].quotePrefix, p  # ... shown as text, not run
    assert not any(c.data_type == "f" for c in xlsx_cells(body))


@pytest.fixture
def typed(session, directory):
    """Formula-looking text typed into units, people and spot-check notes."""
    person = session.get(Person, directory["people"]["t1"].id)
    person.title, person.email, person.office_phone, person.dingtalk_id, person.wecom_id = PAYLOADS
    unit = session.get(Unit, directory["dept"].id)
    unit.address, unit.duty_phone = PAYLOADS[0], PAYLOADS[1]
    hub = session.get(Unit, directory["hub"].id)
    hub.address, hub.duty_phone = PAYLOADS[2], PAYLOADS[3]
    directory["town"].address = PAYLOADS[4]
    session.add_all([person, unit, hub, directory["town"]])
    for i, p in enumerate(PAYLOADS):
        session.add(PhoneCheck(unit_id=directory["town"].id, mode="manual", outcome="normal", notes=p,
                               started_at=datetime(2026, 3, 1 + i, 2, tzinfo=UTC), recorded_by="duty"))
    session.commit()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("export", ["people", "units", "spotchecks"])
def test_directory_and_spot_check_exports_neutralise_formulas(client, tokens, typed, export, fmt):
    path = {"people": "/api/people/export", "units": "/api/units/export", "spotchecks": "/api/spotchecks/export"}
    r = client.get(f"{path[export]}?format={fmt}", headers=tokens["admin"])
    assert r.status_code == 200, r.text
    assert_neutralised(r.content, fmt)


def test_roster_export_neutralises_formulas(client, tokens, generated, session):  # noqa: F811
    unit = generated["unit"]
    for day, p in enumerate(PAYLOADS, start=1):
        session.add(RosterDayNote(unit_id=unit.id, day=date(2026, 12, day), note=p))
    session.commit()
    r = client.get(f"/api/rosters/{unit.id}/{MONTH}/export.xlsx", headers=tokens["duty_officer"])
    assert r.status_code == 200
    assert_neutralised(r.content, "xlsx")


def test_an_export_past_the_row_limit_is_refused_with_a_reason():
    with pytest.raises(Invalid) as e:
        write(OutSheet("x", ["a"], [["1"]] * (MAX_ROWS + 1)), "csv")
    assert "请缩小导出范围" in e.value.reason
