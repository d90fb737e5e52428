"""One rule names a channel on every page (web/templates/_channel.html): a title an administrator typed (值班短信) is
shown as typed in either language; a built-in title (the inbox's 控制台收件箱) in the page's language. The deliveries
pages once showed the kind's label for a typed title on English pages while the timeline and policies showed it as
typed."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from web.console import notes  # noqa: F401  (builtin_title, the rule's built-in titles)
from web.console.render import display_label, templates, words

CHANNELS = {"sms_duty": ("值班短信", "aliyun_sms"), "inbox": ("控制台收件箱", "inbox")}
PAGES = {
    "deliveries": '{% import "_channel.html" as ch with context %}{{ ch.configured(name, channel_of) }}',
    "timeline": '{% from "_timeline_event.html" import event with context %}{{ event(e) }}',
    "policies": '{% from "_policy_step.html" import channel_label with context %}{{ channel_label(name, policy_of) }}',
}


def _shown(page: str, name: str, lang: str) -> str:
    e = {"kind": "escalation", "values": {"step": 1, "recipient": "宋海燕", "channel": name, "state": "delivered"}}
    html = str(templates.env.from_string(PAGES[page]).render(
        name=name, e=e, lang=lang, channel_of=CHANNELS, d={"channel_of": CHANNELS},
        policy_of={n: SimpleNamespace(title=t, kind=k) for n, (t, k) in CHANNELS.items()},
        t=lambda key, default=None, **kw: words(key, lang, default, kw),
        label=lambda kind, value: display_label(kind, value, lang),
        data=lambda v: Markup('<span lang="zh-CN">{}</span>').format(v), ident=lambda v: Markup("<code>{}</code>").format(v)))
    return html


@pytest.mark.parametrize("page", list(PAGES))
def test_a_typed_title_as_typed_and_a_built_in_one_in_the_page_language_on_every_page(page):
    for lang in ("en", "zh-CN"):
        assert '<span lang="zh-CN">值班短信</span>' in _shown(page, "sms_duty", lang), (page, lang)
    assert "Console inbox" in _shown(page, "inbox", "en") and "控制台收件箱" not in _shown(page, "inbox", "en")
    assert "控制台收件箱" in re.sub(r"<[^>]+>", "", _shown(page, "inbox", "zh-CN"))
