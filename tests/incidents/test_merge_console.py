"""The console on both databases: after intake the incident page warns of a likely duplicate; an officer merges it
there, and the kept incident shows the other source; a unit reporter sees no merge action."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.records import Incident
from tests.conftest import PASSWORD


def _login(client, user):
    assert client.post("/login", data={"username": user, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _form(unit, **kw):
    data = {"title": "高观镇山体滑坡", "category": "natural_disaster", "unit_id": str(unit.id),
            "received_at": "2026-07-15T02:00", "occurred_at": "2026-07-15T01:40", "place": "高观镇青龙村3组",
            "source": "高观镇值班室电话", "reporter": "李明", "deaths": "0"}
    data.update(kw)
    return data


def test_intake_warns_of_a_duplicate_and_the_officer_merges_it(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    assert client.post("/incidents/new", data={**_form(county["town"]), "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    first = session.exec(select(Incident)).one()
    r = client.post("/incidents/new", follow_redirects=False, data={**_form(
        county["dept"], title="青龙村山体滑坡", place="高观乡 青龙村３组", source="应急管理局", reporter="王强",
        received_at="2026-07-15T02:10"), "csrf_token": csrf})
    assert r.status_code == 303
    new_id = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(r.headers["location"])
    box = page.text[page.text.index('id="duplicates"'):]
    assert "可能与以下事件为同一事件" in box and f'href="/incidents/{first.id}"' in box and "高观镇" in box
    assert "并入该事件" in box and "natural_disaster" not in box  # no internal values on the page
    en = client.get(r.headers["location"] + "?lang=en").text
    assert "This may be the same event as" in en and "Merge into this one" in en
    r = client.post(f"/incidents/{new_id}/merge", data={"into": str(first.id), "csrf_token": csrf, "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{first.id}"
    kept = client.get(r.headers["location"] + "?lang=zh-CN").text  # the ?lang=en above is remembered
    assert 'id="sources"' in kept and "青龙村山体滑坡" in kept and "王强" in kept
    assert "另一来源" in kept and "应急管理局" in kept and 'id="duplicates"' not in kept
    merged = client.get(f"/incidents/{new_id}").text
    assert "本事件已合并" in merged and f'href="/incidents/{first.id}"' in merged and "已合并，不计超时" in merged
    assert 'id="report-form"' not in merged and 'id="instruction-form"' not in merged  # go on the kept one
    board = client.get("/incidents?closed=1").text
    assert "高观镇山体滑坡" in board and "青龙村山体滑坡" not in board


def test_a_refused_merge_comes_back_with_its_reason(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    client.post("/incidents/new", data={**_form(county["town"]), "csrf_token": csrf})
    inc = session.exec(select(Incident)).one()
    r = client.post(f"/incidents/{inc.id}/merge", data={"into": str(inc.id), "csrf_token": csrf})
    assert r.status_code == 200 and "不能将事件并入其自身" in r.text


def test_a_unit_reporter_sees_the_warning_but_no_merge_action(client, app, users, county, clock, session):
    app.state.clock = clock
    csrf = _login(client, "u_unit_reporter")  # of the town
    client.post("/incidents/new", data={**_form(county["town"]), "csrf_token": csrf})
    client.post("/incidents/new", data={**_form(county["town"], title="青龙村滑坡", source="村委会"),
                                        "csrf_token": csrf})
    a, b = session.exec(select(Incident).order_by(Incident.created_at)).all()
    page = client.get(f"/incidents/{b.id}").text
    assert "可能与以下事件为同一事件" in page and "并入该事件" not in page and "merge-any" not in page
    r = client.post(f"/incidents/{b.id}/merge", data={"into": str(a.id), "csrf_token": csrf})
    assert r.status_code == 403 and "只有值班室可以合并事件" in r.text
    assert session.get(Incident, b.id).merged_into_id is None


def _merge_box(page: str) -> str:
    start = page.index('id="merge-any"')
    return page[start:page.index("</details>", start)]


def test_the_officer_merges_into_any_open_incident_found_by_title(client, app, users, county, clock, session):
    """Issue 17: the suggestion is not the only target. A report the matcher does not pair (another category, a
    place written differently) is merged into the incident the officer finds by its title; closed and merged
    incidents are not offered, nor the incident itself; the merge's own checks still apply."""
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    for form in (_form(county["town"]),  # the landslide
                 _form(county["dept"], title="青龙村道路塌方", category="accident", place="S205 线 K12",
                       source="交通运输局", reporter="王强", received_at="2026-07-15T02:05"),
                 _form(county["town"], title="高观镇河道水位超警", place="高观镇河段", received_at="2026-07-15T01:00",
                       occurred_at="2026-07-15T00:50"),
                 _form(county["town"], title="已办结的旧事", received_at="2026-07-14T08:00",
                       occurred_at="2026-07-14T07:30")):
        made = client.post("/incidents/new", data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert made.status_code == 303, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', made.text)
    slide, road, river, old = session.exec(select(Incident).order_by(Incident.created_at)).all()
    old.status = "closed"
    session.add(old)
    session.commit()
    page = client.get(f"/incidents/{road.id}").text
    assert 'id="duplicates"' not in page  # no suggestion: another category
    box = _merge_box(page)
    offered = re.findall(r'<option value="([^"]+)"', box)
    assert set(offered) == {str(slide.id), str(river.id)}  # open ones, not itself, not the closed one
    assert "并入其他事件" in box and "按标题查找" in box and "高观镇 · " in box
    found = client.get(f"/incidents/{road.id}?merge_q=山体").text
    assert re.findall(r'<option value="([^"]+)"', _merge_box(found)) == [str(slide.id)]
    none = client.get(f"/incidents/{road.id}?merge_q=地震").text
    assert "没有标题含“地震”的未办结事件" in none
    en = client.get(f"/incidents/{road.id}?lang=en").text
    assert "Merge into another incident" in en and "Find by title" in en
    client.get(f"/incidents/{road.id}?lang=zh-CN")
    r = client.post(f"/incidents/{road.id}/merge", data={"into": str(slide.id), "csrf_token": csrf, "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{slide.id}"
    session.expire_all()
    assert session.get(Incident, road.id).merged_into_id == slide.id
    kept = client.get(f"/incidents/{slide.id}").text
    assert "青龙村道路塌方" in kept[kept.index('id="sources"'):]
    # the river's page no longer offers the merged report; merging into it is refused with the merge's reason
    river_page = client.get(f"/incidents/{river.id}").text
    assert str(road.id) not in _merge_box(river_page)
    refused = client.post(f"/incidents/{river.id}/merge", data={"into": str(road.id), "csrf_token": csrf})
    assert "已并入「高观镇山体滑坡」" in refused.text
    assert session.get(Incident, river.id).merged_into_id is None


def test_a_merge_asks_for_confirmation_first(client, app, users, county, clock, session):
    """One click on 并入该事件 merges nothing: a confirmation page shows both incidents (title, unit, times, grade)
    and what the merge does, in zh-CN and English; only its own button merges."""
    app.state.clock = clock
    csrf = _login(client, "u_duty_officer")
    client.post("/incidents/new", data={**_form(county["town"], grade="3", grade_override_reason="按较大级别响应"),
                                          "csrf_token": csrf})
    client.post("/incidents/new", data={**_form(county["dept"], title="青龙村山体滑坡", source="应急管理局",
                                                 received_at="2026-07-15T02:10"), "csrf_token": csrf})
    first, second = session.exec(select(Incident).order_by(Incident.created_at)).all()
    page = client.get(f"/incidents/{second.id}").text
    box = page[page.index('id="duplicates"'):]
    assert f'action="/incidents/{second.id}/merge"' in box and 'method="get"' in box  # the button asks first
    r = client.get(f"/incidents/{second.id}/merge?into={first.id}")
    assert r.status_code == 200
    text = r.text
    for what in ("确认合并事件", "青龙村山体滑坡", "高观镇山体滑坡", county["town"].name, county["dept"].name,
                 "2026-07-15 02:10", "2026-07-15 02:00", "Ⅲ级", "已发出的确认链接不再能确认收到", "确认合并</button>"):
        assert what in text, what
    assert "natural_disaster" not in text and f'href="/incidents/{second.id}"' in text  # 取消: back, nothing done
    assert session.get(Incident, second.id).merged_into_id is None
    en = client.get(f"/incidents/{second.id}/merge?into={first.id}&lang=en").text
    assert "Confirm the merge" in en and "acknowledgement links already sent no longer acknowledge" in en
    assert "Merge</button>" in en and "确认合并" not in en
    client.get(f"/incidents/{second.id}?lang=zh-CN")
    # a form from before the confirmation step (or a hand-made post): the confirmation page, not a merge
    r = client.post(f"/incidents/{second.id}/merge", data={"into": str(first.id), "csrf_token": csrf})
    assert r.status_code == 200 and 'id="merge-confirm-form"' in r.text
    session.expire_all()
    assert session.get(Incident, second.id).merged_into_id is None
    r = client.post(f"/incidents/{second.id}/merge", data={"into": str(first.id), "csrf_token": csrf, "confirm": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/incidents/{first.id}"
    session.expire_all()
    assert session.get(Incident, second.id).merged_into_id == first.id
    # a refused choice on the confirmation page: back on the incident page with the reason
    r = client.get(f"/incidents/{first.id}/merge?into={first.id}")
    assert r.status_code == 200 and "不能将事件并入其自身" in r.text
