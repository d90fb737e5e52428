"""The deliveries pages word a receipt's kind (`no_answer`) and the pipeline's notes in the page's language."""

from __future__ import annotations

from web.console.deliveries.pages import note


def test_a_receipt_kind_is_shown_as_its_label_in_both_languages():
    zh, en = str(note("回执：no_answer 超时无回执", "zh-CN")), str(note("回执：no_answer 超时无回执", "en"))
    assert "无人接听" in zh and "no answer" in en
    for shown in (zh, en):
        assert ">no_answer<" not in shown and 'title="no_answer"' in shown  # the raw kind only in the tooltip


def test_our_own_receipt_detail_is_worded_too():
    """English once read "Receipt: no answer 模拟呼叫": the simulated phone's own detail, in Chinese."""
    en = str(note("回执 no_answer 模拟呼叫", "en"))
    assert "Receipt: no answer" in en and "(simulated call)" in en and "模拟" not in en
    assert "无人接听" in str(note("回执 no_answer 模拟呼叫", "zh-CN")) and "模拟呼叫" in str(note("回执 no_answer 模拟呼叫", "zh-CN"))
    assert "超时" not in str(note("回执：no_answer 超时无回执", "en"))


def test_an_acknowledgement_detail_and_the_pipeline_notes_are_worded():
    assert "按键确认" in str(note("key_press: 1", "zh-CN"))
    assert "key pressed" in str(note("key_press: 1", "en"))
    assert str(note("已确认，不再发送", "en")) == "Acknowledged: not sent any more"
    late = str(note("回执 busy 占线（迟到：已送达或已确认，状态不变）", "en"))
    assert "Receipt: busy" in late and "late: already delivered" in late and "迟到" not in late


def test_a_provider_error_is_kept_as_it_came():
    assert str(note("HTTP 500 from provider", "en")) == "<code>HTTP 500 from provider</code>"
    assert str(note("", "en")) == ""


def test_the_pipelines_own_errors_are_worded_with_the_channel_as_people_call_it():
    zh, en = str(note("渠道 webhook 未配置", "zh-CN")), str(note("渠道 webhook 未配置", "en"))
    assert zh == "渠道“Webhook 接口”未配置（请在“通知渠道”中添加）" and "webhook" not in zh
    assert en == "Channel “Webhook” is not set up (add it under Channels)"
    assert str(note("渠道 sms-main 已停用", "en")) == "Channel “<code>sms-main</code>” is disabled"  # no label: as named
    assert str(note("发送中断（engine-2 租约过期），结果未知，不盲目重发", "en")).startswith("Sending was interrupted")
    assert str(note("收件人 副县长钱立新 没有手机号", "en")) == \
        'The recipient <span lang="zh-CN">副县长钱立新</span> has no mobile number'
    assert str(note("HTTP 503: 接收方未接受", "en")) == "The receiver refused it (HTTP 503)"
    assert str(note("已确认收到（短信链接）", "en")) == "Acknowledged (text-message link)"
    assert str(note("已确认收到（企业微信链接）", "en")) == "Acknowledged (WeCom link)"  # the channel the link came by
    broken = str(note("渠道 wecom 配置错误：key 缺失", "en"))
    assert broken == "Channel “WeCom group robot” is misconfigured: <code>key 缺失</code>"  # the detail as it came
