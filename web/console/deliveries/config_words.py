"""A channel's settings as the channels page shows them: each field by its label, values in words, secrets masked.

Labels are keyed chn.cfg.<field> (zh-CN, English); a field without a label (a third-party plugin's own) is shown
by its name. The stored config is never changed here: services/deliveries/channels.py masks every set secret.
"""

from __future__ import annotations

from typing import Any

from services.deliveries.channels import MASK

WORDS: dict[str, tuple[str, str]] = {
    **{f"chn.cfg.{k}": v for k, v in {
        # shared by every kind
        "base_url": ("接口地址", "API address"), "timeout": ("超时（秒）", "Timeout (seconds)"),
        "callback_token": ("回执令牌", "Receipt token"),
        # SMS and voice providers
        "access_key_id": ("AccessKey ID", "AccessKey ID"), "access_key_secret": ("AccessKey 密钥", "AccessKey secret"),
        "sign_name": ("短信签名", "SMS signature"), "template_code": ("默认模板", "Default template"),
        "template_id": ("默认模板", "Default template"),
        "called_show_number": ("主叫显号", "Caller number shown"), "start_code": ("接听播报模板", "Greeting template"),
        "confirm_code": ("确认后播报模板", "Template after confirming"), "text_param": ("语音文本变量", "Voice text variable"),
        "play_times": ("播放次数", "Times played"), "key_timeout_ms": ("等待按键（毫秒）", "Wait for a key (ms)"),
        "secret_id": ("SecretId", "SecretId"), "secret_key": ("SecretKey", "SecretKey"), "region": ("地域", "Region"),
        "sms_sdk_app_id": ("短信应用 ID", "SMS app id"),
        "account_sid": ("Account SID", "Account SID"), "auth_token": ("Auth Token", "Auth Token"),
        "from_number": ("主叫号码", "Calling number"), "language": ("播报语言", "Spoken language"),
        "gather_timeout": ("等待按键（秒）", "Wait for a key (seconds)"),
        "ring_timeout": ("振铃时长（秒）", "Ring for (seconds)"), "callback_url": ("回执地址", "Receipt URL"),
        "country_code": ("国家代码", "Country code"),
        # robots and apps
        "access_token": ("access_token", "access_token"), "secret": ("签名密钥", "Signing secret"),
        "keyword": ("安全关键词", "Security keyword"), "token": ("机器人令牌", "Robot token"),
        "key": ("按键", "Key pressed"), "corp_id": ("企业ID", "Corporation id"),
        "corp_secret": ("应用 Secret", "App secret"), "agent_id": ("应用 AgentId", "App AgentId"),
        "url": ("Apprise 地址", "Apprise URL"),
        # e-mail
        "host": ("SMTP 服务器", "SMTP server"), "port": ("端口", "Port"), "security": ("传输加密", "Transport security"),
        "verify_tls": ("校验服务器证书", "Checks the server certificate"), "username": ("登录名", "Login name"),
        "password": ("密码或授权码", "Password or app token"), "from_address": ("发件地址", "Sender address"),
        "from_name": ("发件人名称", "Sender name"), "html": ("附带网页格式", "Adds an HTML version"),
        # the simulated phone (demo)
        "answer_seconds": ("呼叫后接听（秒）", "Answers after (seconds)"),
        "key_seconds": ("接听后按键（秒）", "Presses a key after (seconds)"),
        "give_up_seconds": ("无人接听或占线判定（秒）", "No answer or busy after (seconds)"),
        "no_answer_patterns": ("不接听的号码", "Numbers that never answer"),
        "busy_patterns": ("占线的号码", "Numbers that are busy"),
        "duty_codes": ("号码对应的值班识别码", "Duty code keyed by number"),
        "callback_attempts": ("回调尝试次数", "Callback tries"),
    }.items()},
    # a field another kind names alike but means otherwise: chn.cfg.<kind>.<field>
    "chn.cfg.wecom.key": ("机器人 key", "Robot key"),
    "chn.cfg.none": ("无（按默认）", "None (defaults)"),
    "chn.cfg.secret_set": ("已设置（不显示）", "set (not shown)"),
    "chn.cfg.empty": ("未填", "not set"),
    "chn.cfg.security.none": ("不加密", "none"), "chn.cfg.security.starttls": ("STARTTLS", "STARTTLS"),
    "chn.cfg.security.ssl": ("SSL", "SSL"),
}
# How a list's items are joined, by language.
_SEP = {"zh-CN": "、", "en": ", "}


def _value(name: str, value: Any, lang: str, t) -> str:
    if value == MASK:
        return t("chn.cfg.secret_set")
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if value is None or value == "" or value == [] or value == {}:
        return t("chn.cfg.empty")
    if isinstance(value, list):
        return _SEP.get(lang, ", ").join(str(v) for v in value)
    if isinstance(value, dict):
        return _SEP.get(lang, ", ").join(f"{k} → {MASK if v == MASK else v}" for k, v in value.items())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if name == "security":
        key = f"chn.cfg.security.{value}"
        return t(key) if t(key) != key else str(value)
    return str(value)


def config_rows(config: dict[str, Any], kind: str, lang: str, t) -> list[tuple[str, str, bool]]:
    """(label, value, labelled) for each field of a channel's masked config, in the order it was written.
    `t(key)` translates in `lang`; `labelled` is False for a field shown by its bare name (code)."""
    rows = []
    for name, value in config.items():
        key = f"chn.cfg.{kind}.{name}"
        if t(key) == key:
            key = f"chn.cfg.{name}"
        label = t(key)
        rows.append((label if label != key else name, _value(name, value, lang, t), label != key))
    return rows
