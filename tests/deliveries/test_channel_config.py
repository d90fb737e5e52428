"""A channel an admin configures without its optional secrets can send; a config missing required fields is
refused with every missing field named in zh-CN (the night tester's Aliyun SMS channel failed every send on a
stored `"callback_token": null`)."""

from __future__ import annotations

import pytest

from core.errors import Invalid
from models.deliveries import ChannelConfigCreate
from services import deliveries
from services.deliveries.channels import build_notifier, opened

KEY = "k" * 32
ALIYUN = {"access_key_id": "LTAI5tKx9night", "access_key_secret": "fake-secret-0001",
          "sign_name": "某某县政府值班室", "template_code": "SMS_480123456"}


def test_an_sms_channel_without_a_callback_token_builds_and_keeps_its_secret(session):
    row = deliveries.create_channel(session=session, actor="test", key=KEY, data=ChannelConfigCreate(
        name="sms_duty", kind="aliyun_sms", title="值班短信", config=ALIYUN))
    assert "callback_token" not in row.config  # not stored as null
    notifier = build_notifier(row, KEY)
    assert notifier.config.access_key_secret.get_secret_value() == "fake-secret-0001"
    assert notifier.config.callback_token.get_secret_value() == ""
    assert opened(row, KEY)["sign_name"] == "某某县政府值班室"


def test_a_channel_stored_with_a_null_secret_still_builds(session):
    row = deliveries.create_channel(session=session, actor="test", key=KEY, data=ChannelConfigCreate(
        name="sms_old", kind="aliyun_sms", title="旧短信", config=ALIYUN))
    row.config = {**row.config, "callback_token": None}  # what earlier versions stored
    assert build_notifier(row, KEY).config.callback_token.get_secret_value() == ""


def test_every_missing_field_is_named_in_chinese(session):
    with pytest.raises(Invalid) as caught:
        deliveries.create_channel(session=session, actor="test", key=KEY, data=ChannelConfigCreate(
            name="sms_bad", kind="aliyun_sms", title="缺项", config={"template_code": "SMS_1"}))
    reason = str(caught.value)
    assert reason.startswith("渠道配置缺少必填项：")
    assert all(name in reason for name in ("access_key_id", "access_key_secret", "sign_name"))
    assert caught.value.field == "config.access_key_id"
