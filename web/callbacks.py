"""Provider callbacks: /callbacks/{channel_name} → the plugin verifies and parses → receipts applied.

A bad signature is answered 401 and logged; an unknown channel 404, a disabled one 403; more receipts in one
callback than `web.callback_max_receipts` 413 (nothing applied). No login: the provider's signature (or callback
token) is the authentication. Replays are recognised by the event's id (services/deliveries/receipts.py).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from core.errors import NotFound, in_language
from notifiers.base import CallbackMalformed, CallbackRejected, CallbackRequest
from services import deliveries
from web.deps import get_session, now_utc
from web.problems import in_words

router = APIRouter(tags=["callbacks"])
log = logging.getLogger("dutydesk.callbacks")

# What each provider expects back from a callback it made (anything else: a small JSON).
REPLIES = {
    "twilio_voice": ('<?xml version="1.0" encoding="UTF-8"?><Response/>', "application/xml"),
    "aliyun_sms": ('{"code":0,"msg":"成功"}', "application/json"),
    "aliyun_vms": ('{"code":0,"msg":"成功"}', "application/json"),
    "tencent_sms": ('{"result":0,"errmsg":"OK"}', "application/json"),
}


def callback_request(request: Request, body: bytes) -> CallbackRequest:
    """The request as the provider signed it: the public URL (behind a proxy), headers, query, body."""
    public = request.app.state.settings.web.public_url.rstrip("/")
    url = str(request.url)
    if public:
        url = public + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return CallbackRequest(method=request.method, url=url, headers=dict(request.headers),
                           query=dict(request.query_params), body=body)


@router.api_route("/callbacks/{channel_name}", methods=["GET", "POST"])
async def provider_callback(channel_name: str, request: Request, session: Session = Depends(get_session)) -> Response:
    """Verify a provider's callback with its plugin and apply every receipt it carries."""
    try:
        channel = deliveries.get_channel(session=session, name=channel_name)
    except NotFound:
        return JSONResponse({"detail": in_words(request, f"没有名为 {channel_name!r} 的渠道",
                                                    f"no channel {channel_name!r}")}, status_code=404)
    if not channel.enabled:  # switched off on purpose: its provider's word counts for nothing
        log.warning("callback for disabled channel %s refused", channel_name)
        return JSONResponse({"detail": in_words(request, f"渠道 {channel_name!r} 已停用，不接受回调",
                                                    f"channel {channel_name!r} is disabled")}, status_code=403)
    try:
        notifier = deliveries.build_notifier(channel, request.app.state.settings.secret_key.get_secret_value())
    except Exception as exc:  # a channel whose config no longer opens (secret key changed, plugin refuses)
        log.error("callback for %s: channel cannot be loaded: %s", channel_name, exc)
        return JSONResponse({"detail": in_words(request, f"渠道 {channel_name!r} 的配置无法读取（见日志）",
                                                    f"channel {channel_name!r} is misconfigured: {exc}")},
                            status_code=409)
    cb = callback_request(request, await request.body())
    try:
        receipts = notifier.parse_callback(cb)
    except CallbackRejected as exc:
        log.warning("callback for %s rejected from %s: %s", channel_name,
                    request.client.host if request.client else "?", exc)
        return JSONResponse({"detail": in_words(request, "回调被拒绝：签名或凭据不符",
                                                    f"callback rejected: {exc}")}, status_code=401)
    except (ValueError, KeyError, TypeError) as exc:  # a body the plugin could not read: the sender's fault
        log.warning("callback for %s malformed: %r", channel_name, exc)
        said = in_language(str(exc), "zh-CN") if isinstance(exc, CallbackMalformed) else "无法读取"  # the plugin's reason
        return JSONResponse({"detail": in_words(request, f"回调格式错误：{said}", f"malformed callback: {exc}")[:300]},
                            status_code=400)
    cap = request.app.state.settings.web.callback_max_receipts
    if len(receipts) > cap:
        log.warning("callback for %s carried %d receipts (cap %d): refused", channel_name, len(receipts), cap)
        return JSONResponse({"detail": [{"loc": ["body"], "type": "too_many_receipts",
                                         "msg": in_words(request, f"一次回调携带了 {len(receipts)} 条回执，最多 {cap} 条",
                                                         f"{len(receipts)} receipts in one callback; at most {cap}")}]},
                            status_code=413)
    now = now_utc(request)
    matched = 0
    for receipt in receipts:
        if deliveries.apply_receipt(session=session, channel=channel_name, receipt=receipt, now=now,
                                     hooks=request.app.state.extensions.receipt_hooks,
                                     settings=request.app.state.settings) is not None:
            matched += 1
    session.commit()
    body, media = REPLIES.get(channel.kind, (None, None))
    if body is not None:
        return Response(body, media_type=media)
    return JSONResponse({"receipts": len(receipts), "matched": matched})
