"""The suggested grade's reason in the page's language on both databases: worded from the rule's basis, in English
on an English page (no Chinese), in zh-CN on a zh-CN page; an incident from before the basis keeps its sentence."""

from __future__ import annotations

import re

from sqlmodel import select

from models.incidents.records import Incident
from rules.incidents import UNVERIFIED, Category, reason_zh, suggest_grade
from services.incidents.intake import open_incident
from services.incidents.schemas import IncidentIn
from tests.incidents.conftest import DUTY, landslide
from tests.incidents.test_console import _login


def _reason(page: str) -> str:
    """The text a reader sees after 建议等级 / Suggested grade (tags stripped)."""
    m = re.search(r'<span (?:lang="zh-CN" )?class="suggested-reason">(.*?)</span>', page, re.S)
    assert m, "no suggested reason on the page"
    return re.sub(r"<[^>]+>", "", m.group(1))


def _open(session, county, clock, settings, **kw):
    return open_incident(session=session, by=DUTY, now=clock.now, settings=settings,
                         data=IncidentIn(**landslide(county["town"].id, clock.now, **kw)))


def test_the_reason_is_in_english_on_an_english_page(client, app, users, county, clock, session, settings):
    app.state.clock = clock
    inc = _open(session, county, clock, settings, category="accident", deaths=12, seriously_injured="待核实",
                economic_loss_yuan=60_000_000, missing=0)
    session.commit()
    _login(client, "u_duty_officer")
    en = _reason(client.get(f"/incidents/{inc.id}?lang=en").text)
    assert en == ("12 deaths (at least 10), direct economic loss of 60,000,000 yuan (at least 50,000,000): the "
                  "threshold of grade Ⅱ (Serious); seriously injured to be verified, not counted")
    assert not re.search(r"[\u4e00-\u9fff]", en)  # no Chinese on the English page
    zh = _reason(client.get(f"/incidents/{inc.id}?lang=zh-CN").text)
    assert zh == "死亡人数12人（≥10人）、直接经济损失60000000元（≥50000000元），达到重大（Ⅱ级）标准；重伤人数待核实，未计入"
    assert zh == inc.suggested_reason  # the page and the API/audit sentence say the same


def test_below_every_threshold_and_graded_by_hand(client, app, users, county, clock, session, settings):
    app.state.clock = clock
    small = _open(session, county, clock, settings, deaths=0, missing=0, injured=1, grade=None,
                  grade_override_reason="")
    by_hand = _open(session, county, clock, settings, category="social_security", title="聚集事件", grade=None,
                    grade_override_reason="")
    session.commit()
    _login(client, "u_duty_officer")
    assert _reason(client.get(f"/incidents/{small.id}?lang=en").text) == (
        "No figure reaches the threshold of grade Ⅲ (Relatively serious): grade Ⅳ (Ordinary) suggested; "
        "seriously injured, economic loss to be verified, not counted")
    assert _reason(client.get(f"/incidents/{by_hand.id}?lang=en").text) == "Social security events are graded by hand"
    assert _reason(client.get(f"/incidents/{by_hand.id}?lang=zh-CN").text) == "社会安全事件由人工定级"
    for inc in (small, by_hand):  # the console's zh-CN words say what the rule's sentence says
        assert _reason(client.get(f"/incidents/{inc.id}?lang=zh-CN").text) == inc.suggested_reason


def test_an_incident_from_before_keeps_its_sentence_marked_as_chinese(client, app, users, county, clock, session,
                                                                      settings):
    app.state.clock = clock
    inc = _open(session, county, clock, settings)
    old = session.exec(select(Incident).where(Incident.id == inc.id)).one()
    old.suggested_basis = {}  # logged before the basis was stored
    session.add(old)
    session.commit()
    _login(client, "u_duty_officer")
    page = client.get(f"/incidents/{inc.id}?lang=en").text
    assert f'<span lang="zh-CN" class="suggested-reason">{inc.suggested_reason}</span>' in page


def test_the_zh_sentence_is_worded_from_the_basis_for_every_case():
    for figures in ((30, 0, 0), (3, 10, 10_000_000), (0, 0, 0), (UNVERIFIED, 99, UNVERIFIED), (2, 9, 9_999_999)):
        for cat in Category:
            s = suggest_grade(cat, *figures)
            assert s.reason == reason_zh(s.basis())
            assert s.basis()["code"] == ("by_hand" if cat is Category.social_security else
                                         "reached" if s.decided_by else "below")
