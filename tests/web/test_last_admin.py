"""The office never loses its last admin by a click: an attacker tester demoted the only admin (200), leaving
nobody to manage accounts until someone ran the CLI on the server."""

from __future__ import annotations

from sqlmodel import select

from models.accounts import Role, User


def test_the_last_admin_cannot_be_demoted_or_deactivated_but_one_of_two_can(client, tokens, users, session):
    admin = users["admin"]
    others = session.exec(select(User).where(User.role == Role.admin, User.active, User.id != admin.id)).all()
    for other in others:  # the fixtures' admin alone
        other.active = False
        session.add(other)
    session.commit()
    for change, field in (({"role": "leader"}, "role"), ({"active": False}, "active")):
        r = client.patch(f"/api/users/{admin.id}", headers=tokens["admin"], json=change)
        assert r.status_code == 409, r.text
        (e,) = r.json()["detail"]
        assert e["loc"][-1] == field and "最后一个可用的管理员" in e["msg"]
    session.expire_all()
    assert session.get(User, admin.id).role is Role.admin and session.get(User, admin.id).active
    r = client.post("/api/users", headers=tokens["admin"],
                    json={"username": "admin2", "password": "another-long-passphrase", "role": "admin"})
    assert r.status_code in (200, 201), r.text
    r = client.patch(f"/api/users/{admin.id}", headers=tokens["admin"], json={"role": "leader"})
    assert r.status_code == 200, r.text
