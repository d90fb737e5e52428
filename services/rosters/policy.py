"""A unit's duty posts, pools and policy overrides, and the RosterPolicy the rules see."""

from __future__ import annotations

import uuid
from datetime import time

from sqlmodel import Session, delete, select

from core.errors import Invalid, NotFound
from models.directory import Person, Unit
from models.rosters.roster import DutyPost, PoolMember, UnitRosterPolicy
from models.types import utcnow
from rules.rosters.policy import PostRule, RosterPolicy
from rules.rosters.seasons import FLOOD_SEASON, Window, parse_month_day
from services import audit
from services.access import Actor

DEFAULT_POSTS = (("leader", "带班领导", 1, None, None), ("officer", "值班员", 1, 2, 2))


def get_unit(session: Session, unit_id: uuid.UUID) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"未找到该单位 (unit {unit_id} not found)", field="unit_id")
    return unit


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"没有代码为 {code!r} 的单位 (no unit with this code)", field="unit")
    return unit


def unit_by_code_or_name(session: Session, text: str) -> Unit:
    """A unit named on the command line by its code or its full name (如 应急管理局); a name several units share is
    refused with the candidates listed (name and code), so the clerk can give the code."""
    text = text.strip()
    unit = session.exec(select(Unit).where(Unit.code == text)).first()
    if unit is not None:
        return unit
    found = list(session.exec(select(Unit).where(Unit.name == text).order_by(Unit.code)))
    if not found:
        raise NotFound(f"没有代码或名称为 {text!r} 的单位 (no unit with this code or name)", field="unit")
    if len(found) > 1:
        names = "、".join(f"{u.name}（{u.code}）" for u in found)
        raise Invalid(f"{len(found)} 个单位名为 {text!r}：{names}；请用单位代码 (several units have this name: "
                      f"give the code)", field="unit")
    return found[0]


def posts_of(session: Session, unit_id: uuid.UUID) -> list[DutyPost]:
    return list(session.exec(select(DutyPost).where(DutyPost.unit_id == unit_id)
                             .order_by(DutyPost.sort_order, DutyPost.name)))


def ensure_default_posts(*, session: Session, unit_id: uuid.UUID, actor: str) -> list[DutyPost]:
    """Create the leader and officer posts when the unit has none."""
    posts = posts_of(session, unit_id)
    if posts:
        return posts
    for i, (name, label, n, hol, flood) in enumerate(DEFAULT_POSTS):
        session.add(DutyPost(unit_id=unit_id, name=name, label=label, count=n, holiday_count=hol,
                             flood_count=flood, sort_order=i))
    session.flush()
    audit.record(session=session, actor=actor, action="create", entity="duty_post", entity_id=unit_id,
                 unit_id=unit_id, note="添加默认岗位：" + "、".join(p[1] for p in DEFAULT_POSTS))
    return posts_of(session, unit_id)


def add_default_posts(*, session: Session, unit_id: uuid.UUID, by: Actor) -> list[DutyPost]:
    """The usual two posts (带班领导 1, 值班员 1; 2 on holidays and in the flood season) for a unit with none; the
    caller must act for the unit (a unit reporter for its own only), whether or not there is anything to add."""
    by.check_own_unit(unit_id)
    posts = posts_of(session, unit_id)
    if posts:
        return posts
    for name, label, n, hol, flood in DEFAULT_POSTS:
        set_post(session=session, unit_id=unit_id, name=name, label=label, count=n, holiday_count=hol,
                 flood_count=flood, by=by)
    return posts_of(session, unit_id)


def set_post(*, session: Session, unit_id: uuid.UUID, name: str, by: Actor, label: str = "", count: int = 1,
             holiday_count: int | None = None, flood_count: int | None = None) -> DutyPost:
    """Create or change one post of a unit (the office, or the unit's own reporter)."""
    by.check_own_unit(unit_id)
    get_unit(session, unit_id)
    if not name.strip() or len(name) > 40:
        raise Invalid("岗位名称须为 1–40 个字符 (post name must be 1-40 characters)", field="name")
    for field, n in (("count", count), ("holiday_count", holiday_count), ("flood_count", flood_count)):
        if n is not None and not 0 <= n <= 20:
            raise Invalid("人数须在 0 到 20 之间 (head-count must be between 0 and 20)", field=field)
    post = session.exec(select(DutyPost).where(DutyPost.unit_id == unit_id, DutyPost.name == name)).first()
    before = audit.jsonable(post)
    if post is None:
        post = DutyPost(unit_id=unit_id, name=name, sort_order=len(posts_of(session, unit_id)))
    post.label, post.count, post.holiday_count, post.flood_count = label or post.label, count, holiday_count, flood_count
    session.add(post)
    session.flush()
    audit.record(session=session, actor=by.name, action="update" if before else "create", entity="duty_post",
                 entity_id=post.id, unit_id=unit_id, before=before, after=post)
    return post


def set_pool(*, session: Session, unit_id: uuid.UUID, post: str, people: list[uuid.UUID], by: Actor) -> list[uuid.UUID]:
    """Replace the ordered pool of a post; every person must be an active member of the unit."""
    by.check_own_unit(unit_id)
    row = session.exec(select(DutyPost).where(DutyPost.unit_id == unit_id, DutyPost.name == post)).first()
    if row is None:
        raise NotFound(f"该单位没有岗位 {post!r} (unit has no such post)", field="post")
    if len(set(people)) != len(people):
        raise Invalid("轮换人员中有人重复 (a person is listed twice in the pool)", field="people")
    found = {p.id: p for p in session.exec(select(Person).where(Person.id.in_(people)))} if people else {}
    for i, pid in enumerate(people):
        p = found.get(pid)
        if p is None or not p.active:
            raise Invalid(f"第 {i + 1} 人（people[{i}]）不存在或已停用 (person not found or inactive)", field="people")
        if p.unit_id != unit_id:
            raise Invalid(f"第 {i + 1} 人（people[{i}]）{by.name_of(p)}不属于本单位 (belongs to another unit)",
                          field="people")
    before = [str(x) for x in pool_ids(session, row.id)]
    session.exec(delete(PoolMember).where(PoolMember.post_id == row.id))
    for i, pid in enumerate(people):
        session.add(PoolMember(post_id=row.id, person_id=pid, position=i))
    session.flush()
    audit.record(session=session, actor=by.name, action="update", entity="duty_pool", entity_id=row.id,
                 unit_id=unit_id, before={"post": post, "people": before},
                 after={"post": post, "people": [str(x) for x in people]})
    return people


def pool_ids(session: Session, post_id: uuid.UUID) -> list[uuid.UUID]:
    q = (select(PoolMember.person_id).join(Person, Person.id == PoolMember.person_id)
         .where(PoolMember.post_id == post_id, Person.active).order_by(PoolMember.position))
    return list(session.exec(q))


def posts_view(*, session: Session, unit_id: uuid.UUID, by: Actor) -> list[dict]:
    """A unit's posts with their head-counts and ordered pools (the office, or the unit's own reporter)."""
    by.check_own_unit(unit_id)
    return [{"name": p.name, "label": p.label, "count": p.count, "holiday_count": p.holiday_count,
             "flood_count": p.flood_count, "pool": [str(x) for x in pool_ids(session, p.id)]}
            for p in posts_of(session, unit_id)]


def policy_row(*, session: Session, unit_id: uuid.UUID, by: Actor) -> UnitRosterPolicy:
    """A unit's overrides as stored (None: the rule's default)."""
    by.check_own_unit(unit_id)
    return session.get(UnitRosterPolicy, unit_id) or UnitRosterPolicy(unit_id=unit_id)


def pools_of(session: Session, unit_id: uuid.UUID) -> dict[str, list[str]]:
    """post name -> ordered person ids (as strings, as the rules take them)."""
    return {p.name: [str(x) for x in pool_ids(session, p.id)] for p in posts_of(session, unit_id)}


def _hm(value: str, field: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in value.split(value[2]))
        return a, b
    except (ValueError, IndexError) as exc:
        raise Invalid(f"{value!r} is not a valid value", field=field) from exc


def set_policy(*, session: Session, unit_id: uuid.UUID, changes: dict, by: Actor) -> UnitRosterPolicy:
    """Change a unit's roster overrides (handover, flood window, rest, leader stays); None restores the default."""
    by.check_own_unit(unit_id)
    get_unit(session, unit_id)
    row = session.get(UnitRosterPolicy, unit_id) or UnitRosterPolicy(unit_id=unit_id)
    before = audit.jsonable(row)
    for key, value in changes.items():
        if key not in UnitRosterPolicy.model_fields or key in ("unit_id", "updated_at"):
            raise Invalid(f"不是可设置的排班规则项：{key!r} (unknown policy field)", field=key)
        setattr(row, key, value)
    candidate = UnitRosterPolicy.model_validate(row.model_dump())
    overrides(candidate)  # raises Invalid on a bad handover or flood date
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(session=session, actor=by.name, action="update", entity="roster_policy", entity_id=unit_id,
                 unit_id=unit_id, before=before, after=row)
    return row


def to_policy(row: UnitRosterPolicy | None, posts: list[DutyPost], *, tz: str, unit: str = "") -> RosterPolicy:
    """The rules' RosterPolicy for a unit's overrides (NULL: the rule's default) and posts."""
    over = overrides(row)
    rules = tuple(PostRule(p.name, p.label, p.count, p.holiday_count, p.flood_count) for p in posts)
    if rules:
        over["posts"] = rules
    try:
        return RosterPolicy(unit=unit, tz=tz, **over)
    except ValueError as exc:
        raise Invalid(str(exc), field="posts") from exc


def overrides(row: UnitRosterPolicy | None) -> dict:
    """The RosterPolicy fields a unit overrides, checked (4xx naming the field); the rest keep the rule's default."""
    over: dict = {}
    if row is not None and row.handover is not None:
        h, m = _hm(row.handover, "handover")
        if not (0 <= h < 24 and 0 <= m < 60):
            raise Invalid(f"交接班时间 {row.handover!r} 不是有效的时刻（如 08:30） (not a time of day)", field="handover")
        over["handover"] = time(h, m)
    if row is not None and (row.flood_start is not None or row.flood_end is not None):
        start = _month_day(row.flood_start, FLOOD_SEASON.start, "flood_start")
        end = _month_day(row.flood_end, FLOOD_SEASON.end, "flood_end")
        over["flood"] = Window(start, end)
    if row is not None and row.min_rest_hours is not None:
        over["min_rest_hours"] = row.min_rest_hours
    if row is not None and row.leader_stays_in_room is not None:
        over["leader_stays_in_room"] = row.leader_stays_in_room
    return over


def _month_day(value: str | None, default: tuple[int, int], field: str) -> tuple[int, int]:
    if value is None:
        return default
    try:
        return parse_month_day(value)
    except ValueError as exc:
        raise Invalid("汛期日期须为 MM-DD 格式（如 06-01） (flood season dates are MM-DD)", field=field) from exc


def load_policy(session: Session, unit_id: uuid.UUID, tz: str) -> RosterPolicy:
    return to_policy(session.get(UnitRosterPolicy, unit_id), posts_of(session, unit_id), tz=tz, unit=str(unit_id))
