"""Calendar feeds as a clerk meets them (tester's findings): a unit reporter asking for a person feed of their own
unit is told to choose the unit's feed, in one rule and without contradicting it."""

from __future__ import annotations


def test_a_person_feed_of_ones_own_unit_points_to_the_units_feed(client, tokens, directory):
    mine = directory["people"]["t1"]
    r = client.post("/api/ical-feeds", headers=tokens["unit_reporter"], json={"kind": "person", "ref_id": str(mine.id)})
    assert r.status_code == 403, r.text
    msg = r.json()["detail"][0]["msg"]
    assert "只能订阅本人的值班日历；本单位的请选择“本单位”" in msg and "（或本单位）" not in msg
    r = client.post("/api/ical-feeds", headers={**tokens["unit_reporter"], "Accept-Language": "en"},
                    json={"kind": "person", "ref_id": str(mine.id)})
    assert "kind unit" in r.json()["detail"][0]["msg"] and "本单位" not in r.json()["detail"][0]["msg"]
    r = client.post("/api/ical-feeds", headers=tokens["unit_reporter"],
                    json={"kind": "unit", "ref_id": str(directory["town"].id)})
    assert r.status_code == 201, r.text  # what the refusal points to works


def _console(client, users, lang=""):
    import re

    from tests.conftest import PASSWORD

    assert client.post("/login", data={"username": users["duty_officer"].username, "password": PASSWORD},
                       follow_redirects=False).status_code == 303
    page = client.get(f"/rosters?month=2026-12{lang}")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_the_feed_link_after_subscribing_is_labelled(client, users, directory):
    town = directory["town"]
    csrf = _console(client, users)
    page = client.post(f"/rosters/{town.id}/2026-12/ical", data={"csrf_token": csrf}).text
    notice = page.split('id="notice"')[1].split("</div>")[0]
    assert "订阅链接" in notice and "只显示这一次" in notice and "已发布的月份" in notice and "iPhone" in notice
    assert town.name in notice and "/api/ical/" in notice and "feed:" not in notice
    client.get("/rosters?lang=en")  # the console keeps the language chosen
    english = client.post(f"/rosters/{town.id}/2026-12/ical", data={"csrf_token": csrf}).text
    notice = english.split('id="notice"')[1].split("</div>")[0]
    assert "shown only once" in notice and "published months" in notice and "订阅链接" not in notice
