"""Built-in channels, registered in one place, merged with entry-point plugins.

Third-party plugins declare an entry point in the group `dutydesk.notifiers`
whose value is a `Notifier` subclass; a built-in kind cannot be replaced.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from pkgutil import resolve_name

from notifiers.base import Notifier

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "dutydesk.notifiers"

# kind -> "module:Class"; imported lazily so one broken plugin cannot stop the rest.
BUILTINS: dict[str, str] = {
    "inbox": "notifiers.inbox:InboxNotifier",
    "dingtalk": "notifiers.dingtalk:DingTalkNotifier",
    "wecom": "notifiers.wecom:WeComNotifier",
    "wecom_app": "notifiers.wecom_app:WeComAppNotifier",
    "feishu": "notifiers.feishu:FeishuNotifier",
    "aliyun_sms": "notifiers.aliyun_sms:AliyunSmsNotifier",
    "tencent_sms": "notifiers.tencent_sms:TencentSmsNotifier",
    "aliyun_vms": "notifiers.aliyun_vms:AliyunVmsNotifier",
    "twilio_voice": "notifiers.twilio_voice:TwilioVoiceNotifier",
    "email": "notifiers.email:EmailNotifier",
    "webhook": "notifiers.webhook:WebhookNotifier",
    "apprise": "notifiers.apprise_bridge:AppriseNotifier",
    "simulated_voice": "notifiers.simulated_voice:SimulatedVoiceNotifier",  # demo only; refused in production
}


def _load(target: str) -> type[Notifier]:
    return resolve_name(target)


def available() -> dict[str, tuple[str, str]]:
    """kind -> (origin, target) for every built-in and installed plugin."""
    found = {kind: ("builtin", target) for kind, target in BUILTINS.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            log.warning("plugin %s tries to replace a built-in channel; ignored", ep.value)
            continue
        found[ep.name] = (ep.dist.name if ep.dist else "plugin", ep.value)
    return found


def get(kind: str) -> type[Notifier]:
    """The Notifier class for a channel kind; KeyError names the unknown kind."""
    entry = available().get(kind)
    if entry is None:
        raise KeyError(f"unknown notifier kind {kind!r}")
    return _load(entry[1])
