"""Every API operation declares what it answers: a typed schema for each 2xx JSON response (a pydantic model, a
list of them, or a plain value), and for a file or stream its media type. Clients are generated from this document
and the fuzz test (tests/security/test_fuzz.py) checks every answer against it, so an operation without a schema
is an answer nobody checks."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from core.settings import Settings

# Operations whose 2xx answer is a file or a stream, not JSON: each with why, and its media type must be documented.
FILES = {
    ("get", "/metrics"): "Prometheus text exposition format",
    ("get", "/api/units/export"): "the units as .xlsx or .csv",
    ("get", "/api/people/export"): "the people as .xlsx or .csv",
    ("get", "/api/spotchecks/export"): "spot checks as .csv or .xlsx",
    ("get", "/api/spotchecks/circulars/{circular_id}.docx"): "the circular as a Word document",
    ("get", "/api/statistics/yearly.docx"): "the yearly report as a Word document",
    ("get", "/api/rosters/{unit_id}/{month}/export.xlsx"): "the month's roster as a workbook",
    ("get", "/api/incidents/{incident_id}/reports/{report_id}.docx"): "the report as a Word document",
    ("get", "/api/duty-brief.docx"): "the day's duty brief as a Word document",
    ("get", "/api/ical/{token}.ics"): "a roster's calendar feed (text/calendar)",
}
SCALARS = {"string", "integer", "number", "boolean", "null"}


def typed(schema: dict, defs: dict, seen=()) -> bool:
    """A schema that says something: a model with properties, a list of typed items, a scalar, a union of them."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name in seen or typed(defs[name], defs, (*seen, name))
    if "anyOf" in schema or "oneOf" in schema:
        return all(typed(s, defs, seen) for s in schema.get("anyOf", schema.get("oneOf")))
    kind = schema.get("type")
    if kind in SCALARS or "enum" in schema or "const" in schema:
        return True
    if kind == "array":
        return typed(schema.get("items", {}), defs, seen)
    if kind == "object":
        extra = schema.get("additionalProperties")
        return bool(schema.get("properties")) or (isinstance(extra, dict) and typed(extra, defs, seen))
    return False


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    from dutydesk.composition import build_web_app

    settings = Settings(environment="test", data_dir=tmp_path_factory.mktemp("openapi"), flows={"mode": "off"})
    return build_web_app(settings, create_engine("sqlite://")).openapi()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield method, path, op


def test_every_operation_declares_a_typed_answer(spec):
    defs = spec.get("components", {}).get("schemas", {})
    missing = []
    for method, path, op in _operations(spec):
        for code, response in op["responses"].items():
            if not code.startswith("2") or code == "204":
                continue
            content = response.get("content", {})
            if (method, path) in FILES:
                kinds = [k for k in content if k != "application/json"]
                if not kinds or any(content[k].get("schema", {}).get("type") != "string" for k in kinds):
                    missing.append(f"{method.upper()} {path} {code}: a file without its media type and a string "
                                   f"(binary) schema: {content}")
                elif "application/json" in content:  # FastAPI's default left beside the file: clients expect JSON
                    missing.append(f"{method.upper()} {path} {code}: a file that also claims to answer JSON")
                elif any(k.startswith("application/vnd.") and content[k]["schema"].get("format") != "binary"
                         for k in kinds):
                    missing.append(f"{method.upper()} {path} {code}: an Office file not declared binary")
                continue
            schema = content.get("application/json", {}).get("schema")
            if schema is None or not typed(schema, defs):
                missing.append(f"{method.upper()} {path} {code}: {schema}")
    assert not missing, f"{len(missing)} operations answer without a typed schema:\n" + "\n".join(missing)


def test_the_allow_list_names_only_operations_that_exist(spec):
    ops = {(m, p) for m, p, _ in _operations(spec)}
    assert set(FILES) <= ops, set(FILES) - ops
