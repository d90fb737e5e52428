"""Console: message states (发送记录), channel admin with test sends (渠道管理), the personal inbox (收件箱)."""

from __future__ import annotations

import json
import re
import uuid

from fastapi import APIRouter, Depends, Request
from jinja2 import pass_context
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import ServiceError, in_language
from models.deliveries import (
    ChannelConfigCreate,
    ChannelConfigUpdate,
    DeliveryState,
)
from notifiers import registry
from services import deliveries
from services.deliveries import messages
from services.incidents import ack_view, acks
from services.incidents.targets import VIA_ZH
from web.api.deliveries import secret_key
from web.console.deliveries.config_words import config_rows
from web.console.forms import field_errors, invalid_text, raise_refusal
from web.console.i18n import MESSAGES, translate
from web.console.render import display_label, language, page, render, templates
from web.deps import Caller, get_session, now_utc
from web.fragments import live_page

router = APIRouter()
# How the pipeline words a receipt in a row's error and acknowledgement (services/deliveries/receipts.py):
# "回执：no_answer 超时", "回执 busy …（迟到：…）", "key_press: 1"; the kind is an internal value.
RECEIPT = re.compile(r"^(?:回执[：:]?\s*)?(?P<kind>[a-z_]+)(?::\s*|\s+|$)(?P<rest>.*)$", re.S)


# The pipeline's and the plugins' own notes (engine/dispatcher.py, engine/channel_pool.py, services/deliveries,
# notifiers/*), as the record keeps them (zh-CN) -> their wording (dlv.note.<key>); a channel is shown as people
# call it, a provider's or an exception's detail as it came.
NOTES: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.S), key) for p, key in (
    (r"^已确认，不再发送$", "stopped_acked"),
    (r"^渠道 (?P<channel>\S+) 未配置$", "no_channel"),
    (r"^渠道 (?P<channel>\S+) 已停用$", "channel_disabled"),
    (r"^渠道 (?P<channel>\S+) 配置错误：(?P<detail>.*)$", "channel_broken"),
    (r"^发送超时$", "timeout"),
    (r"^服务商要求稍后重试$", "provider_wait"),
    (r"^发送中断（(?P<worker>.*) 租约过期），结果未知，不盲目重发$", "lease_lost"),
    (r"^已受理（未确认送达）\s*(?P<detail>.*)$", "accepted"),
    (r"^已确认收到（(?P<via>[^）]+)）$", "acked_via"),
    (r"^收件人 ?(?P<name>.*?) ?没有手机号$", "no_mobile"),
    (r"^收件人 ?(?P<name>.*?) ?没有电话号码$", "no_phone"),
    (r"^收件人没有电子邮件地址$", "no_email"),
    (r"^收件人没有企业微信账号（wecom_id）$", "no_wecom"),
    (r"^未配置 webhook 地址$", "no_webhook_url"),
    (r"^(无控制台账号|无法送达：该人员没有控制台账号)$", "no_account"),  # (the older rows' wording too)
    (r"^该单位没有可接收的控制台账号$", "no_unit_account"),
    (r"^未配置 Apprise URL$", "no_apprise_url"),
    (r"^已进入控制台收件箱$", "in_inbox"),
    (r"^未指定(短信|语音)模板 \((?P<field>\w+)\)$", "no_template"),
    (r"^HTTP (?P<status>\d+): 接收方未接受$", "http_refused"),
    (r"^企业微信不认识该成员：(?P<detail>.*)$", "wecom_unknown_member"),
    (r"^SMTP 连接失败: (?P<detail>.*)$", "smtp_connect"),
    (r"^SMTP 登录失败: (?P<detail>.*)$", "smtp_login"),
    (r"^(非 JSON 应答|非预期应答|应答缺少 \w+ 字段|应答缺少 sid): (?P<detail>.*)$", "bad_response"),
))
# A receipt's detail our own code writes (notifiers/simulated_voice.py, services/spotchecks/ivr.py), worded in the
# page's language; a provider's detail stays as it came.
OWN_DETAILS = {"模拟呼叫": "dlv.detail.simulated", "超时无回执": "dlv.detail.no_receipt"}
VIA_BACK = {zh: via for via, zh in VIA_ZH.items()}  # 已确认收到（企业微信链接） → wecom_link


def _pipeline_note(text: str, lang: str) -> Markup | None:
    """One of NOTES in the page's language, or None."""
    for pattern, key in NOTES:
        m = pattern.match(text)
        if m is None:
            continue
        values = {k: Markup("<code>{}</code>").format(v) if k in ("detail", "field", "worker") else v
                  for k, v in m.groupdict().items() if v is not None}
        if "channel" in values:
            shown = display_label("channel", values["channel"], lang)
            values["channel"] = shown if shown != values["channel"] else Markup("<code>{}</code>").format(shown)
        if "via" in values:
            values["via"] = display_label("via", VIA_BACK.get(values["via"], values["via"]), lang)
        if "name" in values:
            values["name"] = Markup('<span lang="zh-CN">{}</span>').format(values["name"]) if values["name"] else ""
        return escape(translate(f"dlv.note.{key}", lang)).format(**values)
    return None


def note(text: str | None, lang: str) -> Markup:
    """A delivery's error or acknowledgement text for people: a receipt's kind (`no_answer`) as its label, the
    pipeline's and plugins' own zh-CN notes in the page's language (NOTES); the provider's detail after it as
    it came (in <code>)."""
    text = (text or "").strip()
    if not text:
        return Markup("")
    known = _pipeline_note(text, lang)
    if known is not None:
        return known
    m = RECEIPT.match(text)
    if not m or f"enum.receipt.{m['kind']}" not in MESSAGES:
        return Markup("<code>{}</code>").format(text)  # a provider's own error message: shown as it came
    rest, late = m["rest"].strip(), "（迟到：已送达或已确认，状态不变）"
    tail = Markup("")
    if late in rest:
        rest = rest.replace(late, "").strip()
        tail = Markup(" ({})").format(translate("dlv.late_receipt", lang))
    lead = translate("dlv.receipt", lang) + (": " if lang == "en" else "：") if text.startswith("回执") else ""
    shown = Markup('<span title="{}">{}{}</span>').format(m["kind"], lead, display_label("receipt", m["kind"], lang))
    if rest in OWN_DETAILS:
        shown += Markup(" ({})" if lang == "en" else "（{}）").format(translate(OWN_DETAILS[rest], lang))
    elif rest:
        shown += Markup(" <code>{}</code>").format(rest)
    return shown + tail


templates.env.globals["delivery_note"] = note


@pass_context
def ack_link(ctx, url: str) -> str:
    """A delivery's acknowledgement link under the configured base URL, whatever base it was written with."""
    return acks.link_under(url, ctx["request"].app.state.settings.public_url)


templates.env.filters["ack_link"] = ack_link


@router.get("/deliveries")
def delivery_list(request: Request, state: str = "", channel: str = "", source: str = "",
                  c: Caller = Depends(page("deliveries:read")), session: Session = Depends(get_session)):
    rows = messages.message_list(session=session, state=state, channel=channel, source=source, by=c.by,
                                 lang=language(request, c))
    return render(request, "deliveries.html", c, rows=rows, states=[s.value for s in DeliveryState], state=state,
                  channel=channel, source=source, channel_of=deliveries.channel_words(session=session))


@router.get("/deliveries/{delivery_id}")
def delivery_detail(delivery_id: uuid.UUID, request: Request, c: Caller = Depends(page("inbox:read")),
                    session: Session = Depends(get_session)):
    d, tries = messages.message_for(session=session, delivery_id=delivery_id, by=c.by, lang=language(request, c))
    return render(request, "delivery.html", c, d=d, tries=tries, channel_of=deliveries.channel_words(session=session))


def _channels_page(request, c, session, status_code=200, error="", values=None, notice="", errors=None,
                   editing=""):
    rows = [deliveries.public(ch) for ch in deliveries.list_channels(session=session)]
    editing = editing or request.query_params.get("edit", "")
    edit_row = next((r for r in rows if r.name == editing), None)
    if edit_row is not None and values is None:
        values = {k: getattr(edit_row, k) for k in ("rate_count", "rate_seconds", "max_concurrency")}
    lang = language(request, c)
    settings = {r.name: config_rows(r.config, r.kind, lang, lambda key: translate(key, lang)) for r in rows}
    return render(request, "channels.html", c, status_code=status_code, channels=rows, error=error, settings=settings,
                  values=values or {}, kinds=sorted(registry.available()), notice=notice, errors=errors or {},
                  editing=edit_row)


# field -> (parse, lowest, highest, message key): the form's own check, so the reason is the user's language
RATE_FIELDS = {"rate_count": (int, 1, 100_000, "chn.err.count"), "rate_seconds": (float, 0, 86_400, "chn.err.seconds"),
               "max_concurrency": (int, 1, 512, "chn.err.concurrency")}


def limit_fields(form: dict, lang: str, names=("rate_count", "rate_seconds")) -> tuple[dict, dict]:
    """The limit fields of a channel form: (values, errors by field); an empty field is None (the default)."""
    values, errors = {}, {}
    for name in names:
        parse, low, high, message = RATE_FIELDS[name]
        raw = str(form.get(name, "")).strip()
        if raw == "":
            values[name] = None
            continue
        try:
            value = parse(raw)
        except ValueError:
            value = None
        # rate_seconds must be above 0; the counts may equal their lowest
        if value is None or value > high or value < low or (name == "rate_seconds" and value <= low):
            errors[name] = translate(message, lang)
        else:
            values[name] = value
    return values, errors


@router.get("/channels")
def channel_list(request: Request, c: Caller = Depends(page("channels:read")), session: Session = Depends(get_session)):
    return _channels_page(request, c, session, notice=request.query_params.get("queued", ""))


@router.post("/channels")
async def channel_create(request: Request, c: Caller = Depends(page("channels:write")),
                         session: Session = Depends(get_session)):
    form = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    rates, errors = limit_fields(form, language(request, c))
    if errors:
        return _channels_page(request, c, session, 422, values=form, errors=errors)
    try:
        config = json.loads(form.get("config") or "{}")
        if not isinstance(config, dict):
            raise ValueError("config must be a JSON object")
        data = ChannelConfigCreate(name=form.get("name", ""), kind=form.get("kind", ""),
                                   title=form.get("title", ""), config=config, **rates)
        deliveries.create_channel(session=session, data=data, actor=c.actor, key=secret_key(request))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        if exc.field in RATE_FIELDS:
            return _channels_page(request, c, session, 422, values=form, errors=field_errors(exc))
        return _channels_page(request, c, session, 422, exc.reason, form)
    except ValidationError as exc:  # e.g. no name: each field as people call it, in the page's language only
        session.rollback()
        return _channels_page(request, c, session, 422, in_language(invalid_text(exc), language(request, c)), form)
    except ValueError:  # the settings box is not a JSON object
        session.rollback()
        return _channels_page(request, c, session, 422, translate("chn.err.config", language(request, c)), form)
    return RedirectResponse("/channels", status_code=303)


@router.post("/channels/{name}/limits")
async def channel_limits(name: str, request: Request, c: Caller = Depends(page("channels:write")),
                         session: Session = Depends(get_session)):
    """Change a channel's sending limits (限额): count per window and sends in flight."""
    form = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    values, errors = limit_fields(form, language(request, c), tuple(RATE_FIELDS))
    if not errors and values["max_concurrency"] is None:
        errors["max_concurrency"] = translate("chn.err.concurrency", language(request, c))
    if not errors:
        try:
            deliveries.update_channel(session=session, name=name, actor=c.actor, key=secret_key(request),
                                      data=ChannelConfigUpdate(**values))
            session.commit()
            return RedirectResponse(f"/channels#ch-{name}", status_code=303)
        except ServiceError as exc:
            session.rollback()
            raise_refusal(exc)  # a channel that is not configured: the 404 refusal page
            errors = field_errors(exc)
    return _channels_page(request, c, session, 422, values=form, errors=errors, editing=name)


@router.post("/channels/{name}/test")
async def channel_test(name: str, request: Request, c: Caller = Depends(page("channels:write")),
                       session: Session = Depends(get_session)):
    form = await request.form()
    try:
        row = deliveries.send_test(session=session, name=name, to=str(form.get("to", "")).strip(), person_id=None,
                        actor=c.actor, now=now_utc(request))
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # a channel that is not configured: the 404 refusal page, not a notice
        return _channels_page(request, c, session, 422, f"{name}: {exc.reason}")
    return RedirectResponse(f"/deliveries?source=test&channel={name}#d-{row.id}", status_code=303)


@router.get("/inbox")
def inbox(request: Request, c: Caller = Depends(page("inbox:read")), session: Session = Depends(get_session)):
    def whole():
        rows = messages.inbox(session=session, by=c.by)
        return render(request, "inbox.html", c, rows=rows, linked=messages.reads_inbox(c.by),
                      settled=ack_view.settled_links(session, rows))  # links nobody needs to press any more

    return live_page(request, c, c.by, whole)  # one's own messages: the whole actor
