"""Message bodies from Jinja2 templates (zh-CN first, English available), fitted to each channel.

Templates live in `services/deliveries/templates/<lang>/<name>.j2`, with an optional
per-channel-kind override `<name>.<kind>.j2` (e.g. `notice.aliyun_sms.j2`) holding only
the blocks it changes. Templates define the blocks `subject`, `text` and optionally `markdown` and `voice`.
Size limits are applied at send time by `message_for` with `notifiers.text.fit`:
a long body is cut with a link to the full text, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from core.errors import Invalid
from models.deliveries import Delivery
from notifiers.base import Message, Notifier, Recipient
from notifiers.text import fit, utf8_len

TEMPLATES = Path(__file__).parent / "templates"
COLLECT = "_collect"  # a delivery's hint to its voice channel: "code" = gather the confirm key and a code ended by #
LANGS = ("zh-CN", "en")
_env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    markdown: str | None = None
    voice_text: str | None = None


def render(name: str, *, lang: str = "zh-CN", kind: str | None = None, **ctx: Any) -> Rendered:
    """Render template `name` for a channel kind (falls back to the generic one) in `lang`."""
    lang = lang if lang in LANGS else "zh-CN"
    chain = []  # the per-kind override first; blocks it leaves out come from the generic template
    for candidate in ([f"{lang}/{name}.{kind}.j2"] if kind else []) + [f"{lang}/{name}.j2"]:
        try:
            chain.append(_env.get_template(candidate))
        except TemplateNotFound:
            continue
    if not chain:
        raise Invalid(f"no message template {name!r} for {lang}", field="template")

    def block(b: str) -> str | None:
        for template in chain:
            fn = template.blocks.get(b)
            if fn:
                return "".join(fn(template.new_context(ctx))).strip()
        return None

    return Rendered(subject=block("subject") or "", text=block("text") or "", markdown=block("markdown"),
                    voice_text=block("voice"))


def full_text_link(delivery: Delivery, public_url: str) -> str:
    """Where a cut message's full text can be read: its ack link, else its console page."""
    return delivery.ack_url or f"{public_url.rstrip('/')}/deliveries/{delivery.id}"


def message_for(delivery: Delivery, notifier: Notifier, public_url: str) -> Message:
    """The plugin's Message for one row, fitted to the channel's size limit."""
    limit = notifier.capabilities.max_bytes
    if limit is not None:
        # Plugins add the subject and an ack line and cut again; leave them room so our link survives.
        extra = utf8_len(delivery.subject) + 8 + (utf8_len(delivery.ack_url) + 48 if delivery.ack_url else 0)
        limit = max(limit - extra, 64)
    link = full_text_link(delivery, public_url)
    return Message(
        idempotency_key=delivery.idempotency_key,
        recipient=Recipient.model_validate(delivery.recipient),
        subject=delivery.subject,
        text=fit(delivery.text, limit, link),
        markdown=fit(delivery.markdown, limit, link) if delivery.markdown and notifier.capabilities.markdown else None,
        voice_text=delivery.voice_text or delivery.text[:300],
        ack_url=delivery.ack_url,
        mention_mobiles=[m for m in [delivery.recipient.get("mobile")] if m and notifier.capabilities.mentions],
        template_code=delivery.template_code,
        # "_"-keys are the pipeline's own hints, never a provider template's parameters
        template_params={k: str(v) for k, v in delivery.template_params.items() if not k.startswith("_")},
        collect_code=delivery.template_params.get(COLLECT) == "code",
        callback_url=f"{public_url.rstrip('/')}/callbacks/{delivery.channel}",
    )
