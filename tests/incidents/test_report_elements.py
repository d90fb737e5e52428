"""A 续报 as the officer types it in the console goes upward whole: its 事件情况, 处置情况 and figures are on the
print page, in the .docx and in the API's report; and every page numbers reports alike (续报一, not 续报1)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from docx import Document

from tests.incidents.conftest import landslide
from tests.incidents.test_console import _login

SITUATION = "货车与面包车正面相撞，面包车乘员伤亡"
HANDLING = "交警封控现场，县人民医院开通绿色通道"


def _followup(client, app, county, clock, tokens):
    app.state.clock = clock
    iid = client.post("/api/incidents", headers=tokens["duty_officer"],
                      json=landslide(county["town"].id, clock.now)).json()["id"]
    csrf = _login(client, "u_duty_officer")
    clock.advance(minutes=20)
    assert client.post(f"/incidents/{iid}/reports", data={"csrf_token": csrf, "kind": "first", "channel": "written"},
                       follow_redirects=False).status_code == 303
    clock.advance(minutes=40)
    r = client.post(f"/incidents/{iid}/reports", follow_redirects=False, data={
        "csrf_token": csrf, "kind": "followup", "channel": "written", "content": "现场续报", "injured": "5",
        "situation": SITUATION, "handling": HANDLING})
    assert r.status_code == 303, r.text
    return iid


def test_the_followups_elements_reach_print_page_docx_and_api(client, app, users, county, clock, tokens):
    iid = _followup(client, app, county, clock, tokens)
    reps = client.get(f"/api/incidents/{iid}", headers=tokens["auditor"]).json()["reports"]
    rep = next(x for x in reps if x["kind"] == "followup")
    assert rep["title"] == "续报一" and rep["content"] == "现场续报"
    assert rep["elements"]["situation"] == SITUATION and rep["elements"]["handling"] == HANDLING
    assert rep["elements"]["cause"] is None and rep["elements"]["casualties"]["injured"] == 5

    page = client.get(f"/incidents/{iid}/reports/{rep['id']}/print").text
    assert "关于高观镇山体滑坡的续报一" in page
    for label, text in (("事件情况", SITUATION), ("处置情况", HANDLING)):
        assert f"<td>{label}</td><td>{text}</td>" in page
    assert "初步原因" not in page  # a 续报 shows what it said; only the 终报 lists every element

    doc = Document(io.BytesIO(client.get(f"/incidents/{iid}/reports/{rep['id']}/docx").content))
    rows = {row.cells[0].text: row.cells[-1].text for t in doc.tables for row in t.rows}
    assert rows["事件情况"] == SITUATION and rows["处置情况"] == HANDLING and rows["报告内容"] == "现场续报"
    assert "受伤5人" in rows["伤亡情况"]
    assert any("关于高观镇山体滑坡的续报一" in p.text for p in doc.paragraphs)


def test_the_final_report_lists_every_element_blank_or_not(client, app, users, county, clock, tokens):
    iid = _followup(client, app, county, clock, tokens)
    clock.advance(minutes=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/incidents/{iid}").text).group(1)
    assert client.post(f"/incidents/{iid}/reports", follow_redirects=False, data={
        "csrf_token": csrf, "kind": "final", "channel": "written", "injured": "5", "deaths": "2", "missing": "0",
        "cause": "货车超速"}).status_code == 303
    rep = next(x for x in client.get(f"/api/incidents/{iid}", headers=tokens["auditor"]).json()["reports"]
               if x["kind"] == "final")
    page = client.get(f"/incidents/{iid}/reports/{rep['id']}/print").text
    assert "<td>初步原因</td><td>货车超速</td>" in page and "<td>事件情况</td><td>不详</td>" in page


def test_one_numbering_on_the_incident_page(client, app, users, county, clock, tokens):
    iid = _followup(client, app, county, clock, tokens)
    page = client.get(f"/incidents/{iid}").text
    reports = page[page.index('id="reports"'):]
    assert "续报一" in reports and "续报1" not in page
    timeline = page[page.index('id="timeline"'):page.index('id="reports"')]
    assert "续报一" in timeline


def test_the_print_page_is_addressed_and_signed_as_the_docx_is(client, app, users, county, clock, tokens):
    """主送 the upward office and the configured office with the day (落款), on paper as in Word: not a fixed name."""
    iid = _followup(client, app, county, clock, tokens)
    app.state.settings.incidents.office = "城口县人民政府总值班室"
    rep = next(x for x in client.get(f"/api/incidents/{iid}", headers=tokens["auditor"]).json()["reports"]
               if x["kind"] == "followup")
    doc = Document(io.BytesIO(client.get(f"/incidents/{iid}/reports/{rep['id']}/docx").content))
    office, day = [p.text for p in doc.paragraphs][-2:]
    assert office == "城口县人民政府总值班室" and re.fullmatch(r"20\d\d年\d{1,2}月\d{1,2}日", day)
    page = client.get(f"/incidents/{iid}/reports/{rep['id']}/print").text
    assert f'id="addressee">{app.state.settings.incidents.upward_name}：<' in page
    assert f'id="signature">{office}<br>{day}<' in page and "县政府总值班室<br>" not in page.replace(office, "")
