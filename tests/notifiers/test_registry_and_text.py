"""The registry loads every chat/e-mail/webhook channel; descriptions hide secrets; truncation is safe."""

from __future__ import annotations

import pytest

from notifiers import registry
from notifiers.base import Notifier
from notifiers.inbox import InboxConfig, InboxNotifier
from notifiers.text import fit, utf8_len
from tests.notifiers.conftest import make_message

SECRET = "TOP-SECRET-VALUE-42"
CONFIGS = {
    "inbox": {},
    "dingtalk": {"access_token": SECRET, "secret": SECRET + "s"},
    "wecom": {"key": SECRET},
    "wecom_app": {"corp_id": "ww1", "corp_secret": SECRET, "agent_id": 1},
    "feishu": {"token": SECRET, "secret": SECRET + "s"},
    "email": {"host": "smtp.example.gov.cn", "from_address": "duty@example.gov.cn", "username": "duty",
              "password": SECRET},
    "webhook": {"base_url": "https://hooks.example.gov.cn/x", "secret": "whsec_" + "QUJD" * 8},
    "apprise": {"url": f"json://user:{SECRET}@example.gov.cn/x"},
}


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_registry_loads_kind_and_describe_hides_secrets(kind):
    cls = registry.get(kind)
    assert issubclass(cls, Notifier) and cls.kind == kind
    assert cls.title and any("\u4e00" <= ch <= "\u9fff" for ch in cls.title)  # a zh-CN name for the console
    for name, field in cls.Config.model_fields.items():
        assert field.description, f"{kind}.{name} lacks a description"
    text = cls(cls.Config(**CONFIGS[kind])).describe()
    assert SECRET not in text and "QUJD" not in text
    assert text.startswith(kind)


@pytest.mark.anyio
async def test_inbox_delivers_without_io():
    result = await InboxNotifier(InboxConfig()).send(make_message())
    assert result.status == "delivered" and result.provider_message_id == "inc-42:step-1:u-7:ch"


@pytest.mark.parametrize("limit", range(40, 140))
@pytest.mark.parametrize("text", ["值班" * 50, "a值😀b" * 30, "plain ascii " * 20])
def test_fit_cuts_on_utf8_boundary_and_keeps_the_link(text, limit):
    link = "https://d.cn/a"
    out = fit(text, limit, link)
    assert utf8_len(out) <= limit
    out.encode("utf-8").decode("utf-8")  # strict: raises on a broken sequence
    if utf8_len(text) > limit:
        assert out.endswith(f"…（全文见 {link}）") or (limit < utf8_len(f"…（全文见 {link}）") and out.endswith("…"))
        assert text.startswith(out.split("…")[0].rstrip())
    else:
        assert out == text


def test_fit_without_link_and_without_limit():
    assert fit("火情" * 10, 10) == "火情…"
    assert fit("火情" * 10, None, "x") == "火情" * 10
