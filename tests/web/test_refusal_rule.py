"""One rule for refusals (services/access.py), walked across incidents, rosters, leave, people and spot checks:
another unit's record the caller may not see answers 404, as if absent (so ids cannot be probed); a record they
may see but not change answers 403; another unit named itself answers 403 (units are no secret). Every refusal is
audited as access_refused. (Before: a slot, gap, swap or person of another unit answered 403, an incident 404.)"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import SQLModel

from tests.web.test_scope_walk import MONTH, engine, world  # noqa: F401  (fixtures: the department's records)

HIDDEN, REFUSED = 404, 403


def walk(w: dict) -> list[tuple[str, str, str, dict | None, int]]:
    """(role, method, url, json, status): the town's unit reporter and a leader of the hub on the department's."""
    d, inc = w["dept"], w["incident"]
    rep = [
        ("GET", f"/api/incidents/{inc}", None, HIDDEN),
        ("PATCH", f"/api/incidents/{inc}", {"place": "别处"}, HIDDEN),
        ("POST", f"/api/incidents/{inc}/reports", {"kind": "followup", "content": "续报"}, HIDDEN),
        ("PATCH", f"/api/rosters/slots/{w['slot']}", {"person_id": str(w["officers"][3]), "reason": "调整"}, HIDDEN),
        ("POST", f"/api/rosters/gaps/{w['gap']}/fill", {"person_id": str(w["acting"])}, HIDDEN),
        ("GET", f"/api/rosters/gaps/{w['gap']}/substitutes", None, HIDDEN),
        ("POST", "/api/swaps", {"slot_id": w["free"], "counterpart_id": str(w["free_to"])}, HIDDEN),
        ("POST", f"/api/swaps/{w['confirmed']}/decide", {"approve": True}, HIDDEN),
        ("POST", f"/api/swaps/{w['swap']}/cancel", None, HIDDEN),
        ("POST", f"/api/leaves/{w['leave']}/cancel", None, HIDDEN),
        ("POST", f"/api/leaves/{w['leave']}/return", None, HIDDEN),
        ("GET", f"/api/people/{w['leader']}", None, HIDDEN),
        ("POST", f"/api/people/{w['person']}/contact-methods", {"kind": "mobile", "value": "13900005559"}, HIDDEN),
        ("POST", "/api/ical-feeds", {"kind": "person", "ref_id": str(w["leader"])}, HIDDEN),
        ("POST", f"/api/spotchecks/explanations/{w['explanation']}/answer", {"answer": "已整改"}, HIDDEN),
        ("POST", f"/api/handovers/{w['handover']}/sign", {"done": []}, HIDDEN),
        ("GET", f"/api/rosters/{d}/{MONTH}", None, REFUSED),
        ("PUT", f"/api/rosters/{d}/posts/leader", {"label": "带班领导", "count": 1}, REFUSED),
        ("POST", "/api/handovers", {"unit_id": str(d), "day": "2027-01-20"}, REFUSED),
        ("POST", "/api/ical-feeds", {"kind": "unit", "ref_id": str(d)}, REFUSED),
        ("GET", f"/api/units/{d}", None, REFUSED),
    ]
    leader = [  # sees every unit, changes only what is theirs
        ("POST", f"/api/leaves/{w['leave']}/cancel", None, REFUSED),
        ("POST", f"/api/swaps/{w['swap']}/cancel", None, REFUSED),
        ("POST", f"/api/people/{w['person']}/contact-methods", {"kind": "mobile", "value": "13900005559"}, REFUSED),
        ("POST", "/api/ical-feeds", {"kind": "person", "ref_id": str(w["leader"])}, REFUSED),
    ]
    return [("unit_reporter", *c) for c in rep] + [("leader", *c) for c in leader]


def _refusals(session) -> int:
    table = SQLModel.metadata.tables["audit_entry"]
    session.expire_all()
    return session.execute(select(func.count()).select_from(table).where(table.c.action == "access_refused")).scalar()


def test_another_units_records_are_404_and_what_may_be_seen_but_not_changed_is_403(client, session, tokens, world):
    wrong = []
    for role, method, url, body, status in walk(world):
        before = _refusals(session)
        r = client.request(method, url, headers=tokens[role], json=body)
        if r.status_code != status:
            wrong.append(f"{role} {method} {url}: {r.status_code}, not {status} ({r.text[:120]})")
        elif _refusals(session) != before + 1:
            wrong.append(f"{role} {method} {url}: {status} but not audited as access_refused")
        elif "loc" not in (r.json().get("detail") or [{}])[0]:
            wrong.append(f"{role} {method} {url}: the refusal names no field")
    assert not wrong, "\n".join(wrong)


def test_an_unknown_id_answers_as_another_units_does(client, tokens, world):
    """The 404 for another unit's record is the one for an id that does not exist, word for word: nothing tells
    them apart."""
    nobody = uuid.uuid4()
    for method, template, theirs_id in (("GET", "/api/incidents/{}", world["incident"]),
                                        ("GET", "/api/people/{}", world["leader"]),
                                        ("POST", "/api/swaps/{}/cancel", world["swap"]),
                                        ("POST", "/api/leaves/{}/cancel", world["leave"]),
                                        ("POST", "/api/handovers/{}/sign", world["handover"])):
        answers = []
        for rid in (theirs_id, nobody):
            r = client.request(method, template.format(rid), headers=tokens["unit_reporter"],
                               json={"done": []} if "sign" in template else None)
            assert r.status_code == 404, (template, r.text)
            answers.append([{**p, "msg": p["msg"].replace(str(rid), "…")} for p in r.json()["detail"]])
        assert answers[0] == answers[1], template
