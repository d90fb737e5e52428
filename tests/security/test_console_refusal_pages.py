"""A console form posted for another unit's calendar feed or handover is refused with the refusal page (403, in the
page's language) and audited as access_refused, like every other refusal (issue 13): it used to answer 303 back to
the page, with nothing written and nothing recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from models.rosters.duty import FeedToken, Handover
from tests.conftest import PASSWORD


def _count(session, table: str, **where) -> int:
    t = SQLModel.metadata.tables[table]
    q = select(func.count()).select_from(t)
    for k, v in where.items():
        q = q.where(t.c[k] == v)
    session.expire_all()
    return session.execute(q).scalar()


@pytest.mark.parametrize("action,form", [("ical", None), ("open", {"day": "2027-01-21"}),
                                         ("log", {"kind": "note", "content": "平稳"})])
def test_another_units_feed_or_handover_form_is_the_refusal_page_and_audited(client, session, users, directory,
                                                                          action, form):
    assert client.post("/login", data={"username": "u_unit_reporter", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    dept = directory["dept"].id
    url = f"/rosters/{dept}/2027-01/ical" if action == "ical" else f"/handovers/{dept}/{action}"
    before = _count(session, "audit_entry", action="access_refused")
    r = client.post(url, data={**(form or {}), "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 403, (r.status_code, r.headers.get("location"))
    assert '<html lang="zh-CN"' in r.text and "单位填报员只能填报本单位的信息" in r.text
    assert "unit reporters act for their own unit only" not in r.text
    assert _count(session, "audit_entry", action="access_refused") == before + 1
    session.commit()  # the tests' one shared session: the next request's rollback must not take this entry with it
    en = client.post(f"{url}?lang=en", data={**(form or {}), "csrf_token": csrf}, follow_redirects=False)
    assert en.status_code == 403 and "unit reporters act for their own unit only" in en.text
    assert _count(session, "audit_entry", action="access_refused") == before + 2
    assert session.exec(select(FeedToken)).all() == [] and session.exec(select(Handover)).all() == []


def test_another_units_person_and_an_unknown_one_answer_the_same_refusal_page(client, session, users, directory):
    """Through the console a unit reporter adding a contact to another unit's person, or to an id that does not
    exist, gets the same 404 page and nothing is written (before: a redirect back with a notice, so a script saw a
    success and the two answers told which ids exist)."""
    import uuid

    assert client.post("/login", data={"username": "u_unit_reporter", "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    theirs, nobody = directory["people"]["d1"].id, uuid.uuid4()
    before = _count(session, "contact_method")
    pages = []
    for person_id in (theirs, nobody):
        r = client.post(f"/people/{person_id}/contacts/new", follow_redirects=False,
                        data={"kind": "mobile", "value": "13900005559", "csrf_token": csrf})
        assert r.status_code == 404, (r.status_code, r.headers.get("location"))
        assert '<html lang="zh-CN"' in r.text
        pages.append(re.search(r'<p class="error"[^>]*>(.*?)</p>', r.text, re.S).group(1))
        r = client.post(f"/leaves/{uuid.uuid4()}/cancel", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 404, (r.status_code, r.headers.get("location"))
    assert pages[0] == pages[1]
    assert _count(session, "contact_method") == before
