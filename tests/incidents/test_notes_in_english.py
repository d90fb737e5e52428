"""Sentences the services write in zh-CN (audit notes, the timeline's fallback and unresolved notices) read in
English on an English page (web/console/notes.py), names kept as Chinese data; zh-CN pages show them as recorded,
and a note nobody can reword (a reason people typed) stays as written."""

from __future__ import annotations

import re

from markupsafe import Markup
from sqlmodel import select

from models.accounts import Role
from models.audit import AuditEntry
from models.directory import ContactMethodCreate
from rules.incidents.grade import reason_zh
from services.access import Actor
from services.directory import contacts
from services.incidents import board, escalation
from services.incidents.acks import acknowledge
from tests.incidents.test_personal_rules import ADMIN, _open, _policy
from web.console import notes
from web.console.audit.view import note_text
from web.console.incidents.grading import basis_text
from web.console.render import display_label, templates, words

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]")


def _outside_data(html: str) -> str:
    """What an English reader reads as the page's own words: Chinese data and identifiers taken out."""
    return re.sub(r'<span lang="zh-CN">[^<]*</span>|<code>[^<]*</code>', "", str(html))


def _english(text, entity):
    said = notes.worded(text, "en", entity)
    assert said is not None, text
    assert not CHINESE.search(_outside_data(said)), (text, said)
    return said


def test_an_escalation_and_an_acknowledgement_read_in_english_in_the_audit_log(session, county, clock, settings):
    vice = county["vice"]
    _policy(session, vice, channels=("inbox",))
    inc = _open(session, county, clock, settings)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    acknowledge(session=session, incident_id=inc.id, by=Actor("vice", Role.leader, person_id=vice.id), via="link",
                now=clock.now, tz=settings.timezone)
    session.flush()
    recorded = {e.action: e for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "incident"))}
    notified = _english(recorded["escalation_notify"].note, "incident")
    assert "Step 1 (round 1) notified" in notified and '<span lang="zh-CN">副县长钱立新</span>' in notified
    assert "first notice" in notified
    logged = _english(recorded["create"].note, "incident")
    assert logged.startswith("Logged; suggested grade: Grade") and "escalation policy" in logged
    acked = _english(recorded["acknowledge"].note, "incident")
    assert acked == '<span lang="zh-CN">副县长钱立新</span> acknowledged by text-message link, escalation stopped'
    # zh-CN pages: the note as recorded
    assert notes.worded(recorded["acknowledge"].note, "zh-CN", "incident") is None


def test_a_grade_reason_reads_back_into_the_same_words_as_the_incident_page():
    for basis in ({"code": "reached", "grade": 3, "criteria": [{"name": "deaths_missing", "value": 5, "minimum": 3}],
                   "unverified": ["seriously_injured", "economic_loss_yuan"]},
                  {"code": "below", "grade": 4, "below": 3, "unverified": ["deaths"]},
                  {"code": "reached", "grade": 2, "criteria": [{"name": "deaths", "value": 12, "minimum": 10},
                                                               {"name": "seriously_injured", "value": 60, "minimum": 50}]}):
        assert str(notes.worded(reason_zh(basis), "en", "incident")) == basis_text(basis, "en")


def test_sentences_people_typed_stay_as_written():
    for typed in ("3人失联，按重大级别响应", "黄文静批示", "更正：等级", ""):
        assert notes.worded(typed, "en", "incident") is None, typed
    assert notes.worded("黄文静批示", "en", "instruction") is not None  # the instruction's own note


def test_more_service_sentences_in_english():
    cases = {
        ("incident_report", "续报十一，迟报5分钟"): "Follow-up report 11, 5 minutes late",
        ("incident_report", "首报第2次报送市政府总值班室"): "First report sent to",
        ("incident", "「高观镇山体滑坡」并入「高观镇青龙村山体滑坡」"): "merged into",
        ("incident", "更正：等级由Ⅳ级调整为Ⅲ级；升级策略不变，已通知2人"): "Correction: Grade Ⅳ (Ordinary) changed to Grade Ⅲ",
        ("incident", "30分钟内无人确认，升级至第2步"): "Nobody acknowledged within 30 min, on to step 2",
        ("incident", "已确认，等待续报或反馈：黄文静；未续报则继续升级"): "reminded; escalation goes on",
        ("incident", "第1步（第1轮）的通知对象已确认收到：黄文静（21:21:45）；本步不再通知，升级通知停止"): "already acknowledged",
        ("roster", "11个单位，2026-12至2027-01：124个班次，3处缺岗（已发布的月份重新生成）"): "11 units, 2026-12 to 2027-01: 124 shifts, 3 gaps",
        ("duty_post", "添加默认岗位：带班领导、值班员"): "Default posts added: Duty leader, Duty officers",
        ("escalation_policy", "升级策略 演示1 第3版：加一步"): "version 3",
        ("contact_method", "宋海燕：5分钟后经短信通知"): "notify by SMS after 5 min",
        ("contact_method", "向宋海燕的联系方式发送验证码（sms_duty）"): "<code>sms_duty</code>",
        ("leave", "急事请假（家中老人住院），待审核"): "Urgent leave",
        (None, "宋海燕请假，由董国华主持工作（已在本步通知之列）"): "is on leave",
        (None, "第2步：找不到分管领导（无人在岗或未配置）"): "Step 2: no leader in charge of the category found",
    }
    for (entity, text), part in cases.items():
        assert part in _english(text, entity), text


def _event_html(e, lang):
    """One timeline line as the incident page renders it (web/templates/_timeline_event.html)."""
    page = templates.env.from_string('{% from "_timeline_event.html" import event with context %}{{ event(e) }}')
    return page.render(e=e, lang=lang, t=lambda key, default=None, **kw: words(key, lang, default, kw),
                       label=lambda kind, value: display_label(kind, value, lang),
                       data=lambda v: Markup('<span lang="zh-CN">{}</span>').format(v),
                       ident=lambda v: Markup("<code>{}</code>").format(v), d={})


def test_the_fallback_notice_reads_in_english_on_the_timeline(session, county, clock, recorder, settings):
    vice = county["vice"]
    m = contacts.add_method(session=session, person_id=vice.id, by=ADMIN, now=clock.now,
                            data=ContactMethodCreate(kind="mobile", value="13900001234"))
    contacts.send_code(session=session, person_id=vice.id, method_id=m.id, by=ADMIN, now=clock.now, settings=settings)
    _policy(session, vice)
    inc = _open(session, county, clock, settings)
    escalation.tick(session=session, now=clock.now, instance="test", settings=settings)
    (e,) = [e for e in board.timeline(session, inc) if e["kind"] == "fallback"]
    en = _event_html(e, "en")
    assert "Notice 1:" in en and "has no personal notification rules" in en and "a console inbox message" in en
    assert not CHINESE.search(_outside_data(en)), en
    assert "第1次通知：副县长钱立新没有可依靠的个人通知规则" in re.sub(r"<[^>]+>", "", _event_html(e, "zh-CN"))


def test_an_unresolved_step_names_the_role_in_english_and_the_inbox_by_its_label():
    e = {"kind": "unresolved", "values": {"step": 2, "recipient": "分管领导", "channel": "none", "state": "none"}}
    assert "Nobody to notify → leader in charge of the category" in _event_html(e, "en")
    assert "无法通知 → 分管领导" in _event_html(e, "zh-CN")
    e = {"kind": "escalation", "values": {"step": 1, "recipient": "宋海燕", "channel": "inbox", "state": "delivered"}}
    titled = {"channel_of": {"inbox": ("控制台收件箱", "inbox")}}
    page = templates.env.from_string('{% from "_timeline_event.html" import event with context %}{{ event(e) }}')
    for lang, shown in (("en", "Console inbox · Delivered"), ("zh-CN", "控制台收件箱 · 已送达")):
        html = page.render(e=e, lang=lang, t=lambda key, default=None, lang=lang, **kw: words(key, lang, default, kw),
                           label=lambda kind, value, lang=lang: display_label(kind, value, lang),
                           data=lambda v: Markup('<span lang="zh-CN">{}</span>').format(v),
                           ident=lambda v: Markup("<code>{}</code>").format(v), d=titled)
        assert shown in re.sub(r"<[^>]+>", "", str(html)), html


def test_the_audit_page_note_keeps_the_record_for_zh_cn():
    class Entry:
        entity, note = "incident", "黄文静 经短信链接确认，升级通知停止"

    assert note_text(Entry, "zh-CN") == Entry.note
    assert "acknowledged by text-message link" in note_text(Entry, "en")


def test_people_lists_mark_each_name_and_word_the_acting_note():
    en = notes.people("董国华（代宋海燕）、何振华", "en")
    assert en == ('<span lang="zh-CN">董国华</span> (for <span lang="zh-CN">宋海燕</span>), '
                  '<span lang="zh-CN">何振华</span>')
    assert notes.people("宋海燕（请假）", "en") == '<span lang="zh-CN">宋海燕</span> (on leave)'
    zh = notes.people("董国华（代宋海燕）、何振华", "zh-CN")
    assert re.sub(r"<[^>]+>", "", zh) == "董国华（代宋海燕）、何振华"  # zh-CN pages read as before
