"""Leave pairs end to end: kept by the duty office (API and console), enforced when leave is filed."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.rosters.conftest import NOW
from web.console.forms import FLASH_COOKIE, read_flash


def _leave(person, other, **extra) -> dict:
    return {"person_id": str(person.id), "start_day": "2026-12-10", "start_half": "am", "end_day": "2026-12-11",
            "end_half": "pm", "destination": "成都", "reason": "学习", "contact": "13900000000",
            "arrangements": "日常工作由副职负责", "acting_person_id": str(other.id), **extra}


def test_second_leave_of_a_pair_needs_a_reason(client, tokens, roster_unit):
    client.app.state.clock = lambda: NOW
    head, deputy, third = roster_unit["leaders"][:3]
    pair = {"person_a": str(head.id), "person_b": str(deputy.id)}
    assert client.post("/api/leave-pairs", headers=tokens["leader"], json=pair).status_code == 403
    r = client.post("/api/leave-pairs", headers=tokens["duty_officer"], json=pair)
    assert r.status_code == 201, r.text
    assert {r.json()["person_a_name"], r.json()["person_b_name"]} == {head.name, deputy.name}
    again = client.post("/api/leave-pairs", headers=tokens["admin"],
                        json={"person_a": str(deputy.id), "person_b": str(head.id)})
    assert again.status_code == 409 and again.json()["detail"][0]["loc"] == ["body", "person_b"]
    same = client.post("/api/leave-pairs", headers=tokens["admin"], json={"person_a": str(head.id),
                                                                          "person_b": str(head.id)})
    assert same.status_code == 422 and same.json()["detail"][0]["loc"] == ["body", "person_b"]

    assert client.post("/api/leaves", headers=tokens["admin"], json=_leave(head, third)).status_code == 201
    r = client.post("/api/leaves", headers=tokens["admin"], json=_leave(deputy, third, start_day="2026-12-11"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "together_reason"] and head.name in detail["msg"]
    assert len(client.get("/api/leaves", headers=tokens["admin"]).json()) == 1  # nothing half-written
    # someone outside the pair may be away at the same time
    assert client.post("/api/leaves", headers=tokens["admin"], json=_leave(third, head)).status_code == 201
    ok = client.post("/api/leaves", headers=tokens["admin"],
                     json=_leave(deputy, third, start_day="2026-12-11", together_reason="县委统一安排赴省培训"))
    assert ok.status_code == 201, ok.text


def test_console_keeps_pairs_and_removal_lifts_the_check(client, users, tokens, roster_unit):
    client.app.state.clock = lambda: NOW
    head, deputy, third = roster_unit["leaders"][:3]
    r = client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303)
    page = client.get("/leave-pairs", headers={"accept": "text/html"})
    assert page.status_code == 200 and "不得同时外出" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/leave-pairs", data={"csrf_token": csrf, "person_a": str(head.id), "person_b": str(deputy.id)},
                    follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"]
    listing = client.get("/leave-pairs", headers={"accept": "text/html"}).text.split('id="pair-list"')[1]
    assert head.name in listing.split("</table>")[0] and deputy.name in listing.split("</table>")[0]
    r = client.post("/leave-pairs", data={"csrf_token": csrf, "person_a": str(head.id), "person_b": ""},
                    follow_redirects=False)
    assert read_flash(r.cookies.get(FLASH_COOKIE))["error"].startswith("人员乙：")  # the form's own label
    pair_id = client.get("/api/leave-pairs", headers=tokens["admin"]).json()[0]["id"]
    assert client.post("/api/leaves", headers=tokens["admin"], json=_leave(head, third)).status_code == 201
    r = client.post(f"/leave-pairs/{pair_id}/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/leave-pairs", headers=tokens["admin"]).json() == []
    assert client.post("/api/leaves", headers=tokens["admin"], json=_leave(deputy, third)).status_code == 201
