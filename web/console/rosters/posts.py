"""Console: a unit's duty posts (岗位: 带班领导, 值班员… with head-counts) and each post's rotation pool (轮换人员).

Without posts and pools a roster can be neither generated nor imported; this page is where a new town sets
them. Who may change them is decided by services.rosters.policy (the office, or the unit's own reporter)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import Invalid, ServiceError
from services.directory import org
from services.rosters import policy as pol
from web.console.forms import back, raise_refusal
from web.console.render import language, page, render, words
from web.deps import Caller, get_session

router = APIRouter()


def _context(session: Session, c: Caller, unit_id: uuid.UUID) -> dict:
    posts = pol.posts_view(session=session, unit_id=unit_id, by=c.by)
    people = [p for p in org.people_for(session=session, by=c.by, unit_id=unit_id) if p.active]
    people.sort(key=lambda p: (not p.is_leading_cadre, p.name))
    names = {str(p.id): p for p in people}
    for post in posts:
        chosen = [names[x] for x in post["pool"] if x in names]
        post["people"] = chosen + [p for p in people if str(p.id) not in post["pool"]]
    return dict(unit=pol.get_unit(session, unit_id), posts=posts, people=people, defaults=pol.DEFAULT_POSTS)


def _show(request: Request, c: Caller, session: Session, unit_id: uuid.UUID, status: int = 200, **extra):
    ctx = _context(session, c, unit_id)
    ctx.update(notice=request.query_params.get("notice", ""), errors={}, values={}, error_post="")
    ctx.update(extra)
    return render(request, "roster_posts.html", c, status_code=status, **ctx)


@router.get("/rosters/{unit_id:uuid}/posts")
def posts_page(request: Request, unit_id: uuid.UUID, c: Caller = Depends(page("rosters:read")),
               session: Session = Depends(get_session)):
    return _show(request, c, session, unit_id)


def _count(form, field: str, required: bool) -> int | None:
    text = str(form.get(field, "")).strip()
    if not text:
        if required:
            raise Invalid("请填写人数 (enter a head-count)", field=field)
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise Invalid(f"人数应为 0–20 的整数：{text!r} (a head-count is a whole number 0–20)", field=field) from exc


def _people(form) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(str(v)) for v in form.getlist("people")]
    except ValueError as exc:
        raise Invalid("所选人员无效 (choose people from the list)", field="people") from exc


@router.post("/rosters/{unit_id:uuid}/posts/defaults")
def posts_defaults(request: Request, unit_id: uuid.UUID, c: Caller = Depends(page("rosters:write")),
                   session: Session = Depends(get_session)):
    """The usual two posts (带班领导 1, 值班员 1; 2 on holidays and in the flood season), pools still empty."""
    try:
        pol.add_default_posts(session=session, unit_id=unit_id, by=c.by)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return back(f"/rosters/{unit_id}/posts", error=exc.reason)
    return back(f"/rosters/{unit_id}/posts", notice=words("posts.notice.defaults", language(request, c), None, {}))


@router.post("/rosters/{unit_id:uuid}/posts")
async def post_save(request: Request, unit_id: uuid.UUID, c: Caller = Depends(page("rosters:write")),
                    session: Session = Depends(get_session)):
    """Create or change one post (code, label, head-counts) and replace its pool with the people ticked, in the
    order shown."""
    form = await request.form()
    name = str(form.get("name", "")).strip()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        if not name:
            raise Invalid("请填写岗位代码，如 leader、officer (enter the post code)", field="name")
        if not str(form.get("label", "")).strip():
            raise Invalid("请填写岗位名称，如 带班领导 (enter the post name)", field="label")
        pol.set_post(session=session, unit_id=unit_id, name=name, label=str(form["label"]).strip(),
                     count=_count(form, "count", True), holiday_count=_count(form, "holiday_count", False),
                     flood_count=_count(form, "flood_count", False), by=c.by)
        if form.get("has_pool"):
            pol.set_pool(session=session, unit_id=unit_id, post=name, people=_people(form), by=c.by)
        session.commit()
    except ServiceError as exc:
        session.rollback()
        raise_refusal(exc)  # 404 / 403: the refusal page (audited), not a notice
        return _show(request, c, session, unit_id, status=exc.status,
                     errors={exc.field or "form": exc.reason}, values=values,
                     error_post=name if form.get("has_pool") else "__new__")
    return back(f"/rosters/{unit_id}/posts", notice=words("posts.notice.saved", language(request, c), None,
                                                           {"post": str(form.get("label", name))}))
