"""Phones typed any way (full-width, spaces, +86, dashes) are stored one way, through the API, the console and an
import, and every tel: link on the console dials ASCII digits."""

from __future__ import annotations

import re

from sqlmodel import select

from models.directory import Person
from tests.conftest import PASSWORD
from tests.directory.files import upload, xlsx

TEL = re.compile(r'href="tel:([^"]*)"')


def test_api_stores_one_form_and_the_people_page_links_dial_ascii(client, tokens, users, directory, session):
    r = client.post("/api/people", headers=tokens["admin"], json={
        "name": "张伟", "unit_id": str(directory["town"].id), "mobile": "１３９－０００１－０００２",
        "office_phone": "0851-8888 6666"})
    assert r.status_code == 201, r.text
    assert (r.json()["mobile"], r.json()["office_phone"]) == ("13900010002", "0851-88886666")
    r = client.patch(f"/api/units/{directory['town'].id}", headers=tokens["admin"],
                     json={"duty_phone": "+86 0838 621 0110"})
    assert r.status_code == 200 and r.json()["duty_phone"] == "0838-6210110"
    r = client.post("/api/people", headers=tokens["admin"], json={
        "name": "李娜", "unit_id": str(directory["town"].id), "mobile": "139-abc"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "mobile"
    assert "电话号码格式不正确" in r.json()["detail"][0]["msg"]

    assert client.post("/login", data={"username": "u_admin", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    for page in ("/people", "/units"):
        hrefs = TEL.findall(client.get(page).text)
        assert hrefs and all(re.fullmatch(r"\+?[0-9]+(,[0-9]+)?", h) for h in hrefs), hrefs
    assert "tel:13900010002" in client.get("/people").text and "tel:08386210110" in client.get("/units").text


def test_an_import_stores_phones_typed_any_way_in_one_form(client, tokens, directory, session):
    data = xlsx(["姓名", "单位", "手机", "办公电话"], [
        ["王芳", "t1", "１３９－０００１－０００３", "（0851）8888 6666"],
        ["刘洋", "d1", "+86 139 0001 0004", "0851-8888-6667"],
    ])
    r = client.post("/api/people/import", headers=tokens["admin"], files=upload("people.xlsx", data))
    assert r.status_code == 200, r.text
    session.expire_all()
    found = session.exec(select(Person).where(Person.name.in_(["王芳", "刘洋"])))
    got = {p.name: (p.mobile, p.office_phone) for p in found}
    assert got == {"王芳": ("13900010003", "0851-88886666"), "刘洋": ("13900010004", "0851-88886667")}


def test_a_null_in_a_person_patch_is_refused_at_its_field(client, tokens, directory):
    """The fuzzer's PATCH /api/people/{id} {"name": null} stored a nameless person and failed the answer's own
    schema; null is refused, the person unchanged."""
    person = directory["people"]["t1"]
    for field in ("name", "mobile", "is_leading_cadre"):
        r = client.patch(f"/api/people/{person.id}", headers=tokens["admin"], json={field: None})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, r.text
    assert client.get(f"/api/people/{person.id}", headers=tokens["admin"]).json()["name"] == person.name


def test_an_email_without_its_at_is_refused_in_a_person_patch_as_at_creation(client, tokens, directory):
    """The fuzzer's PATCH {"email": "nonsense"} was stored, and the answer then failed its own schema (500)."""
    person = directory["people"]["t1"]
    r = client.patch(f"/api/people/{person.id}", headers=tokens["admin"], json={"email": "nonsense"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "email", r.text
    assert "邮箱地址格式不正确" in r.text
    r = client.patch(f"/api/people/{person.id}", headers=tokens["admin"], json={"email": "li@county.gov.cn"})
    assert r.status_code == 200 and r.json()["email"] == "li@county.gov.cn", r.text
