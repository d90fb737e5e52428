"""The wall's panels as a tester read them at 1920×1080: a sensitive incident carries its 敏感 tag, the 当前在岗 table
has headers that tell 带班 from 值班, and a chart with nothing to draw says 暂无数据 (the words it draws with)."""

from __future__ import annotations

import json
import re
from html import unescape

from tests.incidents.test_acknowledgements import _login, _open


def test_the_wall_tags_a_sensitive_incident_and_heads_the_on_duty_table(client, app, users, county, clock, session,
                                                                     settings):
    app.state.clock = clock
    inc = _open(session, county, clock, settings)
    inc.sensitive = True
    session.add(inc)
    session.commit()
    _login(client, "u_duty_officer")
    wall = client.get("/wall").text
    row = wall.split(inc.title, 1)[1].split("</td>", 1)[0]
    assert '<span class="tag sensitive" data-flag="sensitive">敏感</span>' in row
    duty = wall.split('id="wall-duty"', 1)[1].split("</section>", 1)[0]
    assert "<th>带班领导</th><th>值班员</th>" in duty or "暂无数据" in duty
    said = json.loads(unescape(re.search(r'data-words="([^"]+)"', wall).group(1)))
    assert said["empty"] == "暂无数据" and said["pass"] == "抽查合格率"
    en = client.get("/wall?lang=en").text
    assert '<span class="tag sensitive" data-flag="sensitive">Sensitive</span>' in en
    assert json.loads(unescape(re.search(r'data-words="([^"]+)"', en).group(1)))["empty"] == "Nothing yet"
