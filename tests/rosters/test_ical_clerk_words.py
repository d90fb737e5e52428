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
