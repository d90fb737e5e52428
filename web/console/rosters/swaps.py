"""Console: shift swaps (换班): request, the counterpart's confirmation, approval. Who may do what: the services."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import NotFound, ServiceError
from models.rosters.duty import SwapCreate
from services.rosters import swaps
from services.rosters.policy import DEFAULT_POSTS
from web.console.i18n import translate
from web.console.forms import back, form_values, from_form, invalid_text, raise_refusal
from web.console.directory import people_picker
from web.console.render import field_reason, language, page, render, words
from web.console.rosters.leaves import _people
from web.deps import Caller, get_session, now_utc

router = APIRouter()
_BUILTIN_POSTS = {(name, label) for name, label, *_ in DEFAULT_POSTS}


def post_shown(post: str, label: str, lang: str) -> str:
    """A post as the page says it: a built-in post under its built-in label (leader 带班领导) in `lang`; a post a
    unit named or renamed as the unit named it."""
    return translate(f"enum.post.{post}", lang) if (post, label) in _BUILTIN_POSTS else label


def slot_text(slot: dict, lang: str) -> str:
    """A slot offered in a swap in `lang`: 2026-12-03 星期四 带班领导 宋海燕 / 2026-12-03 Thursday Duty leader 宋海燕
    (the holder's name as written)."""
    if lang != "en":
        return slot["label"]
    shift = words("swap.shift", lang, None, {"n": slot["shift"]}) if slot["shift"] > 1 else ""
    day = slot["day"]
    return (f"{day.isoformat()} {translate(f'rprint.weekday.{day.weekday()}', lang)} "
            f"{post_shown(slot['post'], slot['post_label'], lang)}{shift} {slot['holder']}")


@router.get("/swaps")
def swap_list(request: Request, c: Caller = Depends(page("swaps:read")), session: Session = Depends(get_session)):
    today = now_utc(request).astimezone(request.app.state.settings.tz).date()
    mine = swaps.offerable_slots(session=session, first=today, by=c.by)
    lang = language(request, c)
    return render(request, "swaps.html", c, rows=swaps.list_swaps(session=session, by=c.by),
                  people=(people := _people(session, c)),
                  person_groups=people_picker.groups(session, people.values(), lang),
                  slots=[{**s, "text": slot_text(s, lang)} for s in mine], error=request.query_params.get("error", ""))


@router.post("/swaps")
async def swap_request(request: Request, c: Caller = Depends(page("swaps:write")), session: Session = Depends(get_session)):
    try:
        data = from_form(SwapCreate, form_values(await request.form()))
        swaps.request(session=session, data=data, now=now_utc(request), by=c.by, settings=request.app.state.settings)
        session.commit()
    except ValidationError as exc:
        return back("/swaps", error=invalid_text(exc))
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/swaps", error=field_reason(exc, request, c))
    return back("/swaps")


@router.post("/swaps/{swap_id}/{action}")
def swap_action(request: Request, swap_id: uuid.UUID, action: str, c: Caller = Depends(page("swaps:write")),
                session: Session = Depends(get_session)):
    now, tz = now_utc(request), request.app.state.settings.timezone
    try:
        if action == "confirm":
            swaps.confirm(session=session, swap_id=swap_id, now=now, by=c.by)
        elif action in ("approve", "reject"):
            swaps.decide(session=session, swap_id=swap_id, approve=action == "approve", now=now, by=c.by, tz=tz)
        elif action == "cancel":
            swaps.cancel(session=session, swap_id=swap_id, by=c.by)
        else:
            raise NotFound(f"没有该操作：{action!r} (no such action)", field="action")
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back("/swaps", error=exc.reason)
    return back("/swaps")
