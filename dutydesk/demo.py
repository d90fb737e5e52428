"""A demo county: the county duty office, 10 towns, 10 departments, people, accounts."""

from __future__ import annotations

import secrets

from sqlalchemy import func, update
from sqlmodel import Session, select

from core.settings import Settings
from models.accounts import Role, User, UserCreate
from models.audit import AuditEntry
from models.directory import Person, PersonCreate, Unit, UnitCreate, UnitType
from models.types import utcnow
from services import accounts
from services.deliveries.demo import seed_channels
from services.directory import org
from services.incidents.demo import seed_incidents
from services.rosters.demo import seed_rosters
from services.spotchecks.demo import seed_spotchecks

ACTOR = "demo-seed"
TOWNS = ["高观镇", "石桥镇", "龙泉镇", "青山镇", "白鹤镇", "双河镇", "清溪镇", "东城街道", "西城街道", "南湖街道"]
DEPARTMENTS = ["应急管理局", "公安局", "卫生健康局", "水利局", "自然资源局", "交通运输局", "住房和城乡建设局",
               "市场监督管理局", "气象局", "委网信办"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["建国", "海燕", "志强", "丽娟", "晓东", "文静", "国华", "春梅", "立新", "红霞", "德明", "雪莲", "振华", "秀英"]

# username, password, role, display name, unit index (None = county office)
DEMO_ACCOUNTS = [
    ("admin", "dutydesk-admin", Role.admin, "系统管理员"),
    ("duty", "dutydesk-duty", Role.duty_officer, "值班员 王海燕"),
    ("leader", "dutydesk-leader", Role.leader, "副县长 李志强"),
    ("gaoguan", "dutydesk-unit", Role.unit_reporter, "高观镇值班室"),
    ("auditor", "dutydesk-audit", Role.auditor, "审计员"),
    ("wall", "dutydesk-wall", Role.display, "值班室大屏"),
]


def _name(i: int) -> str:
    return SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 5 + i // len(SURNAMES)) % len(GIVEN)]


def is_empty(session: Session) -> bool:
    return session.exec(select(Unit).limit(1)).first() is None


def seed(session: Session, settings: Settings) -> dict[str, int]:
    """Create the demo county in the caller's transaction; returns counts."""
    first_seq = (session.execute(select(func.max(AuditEntry.seq))).scalar() or 0) + 1
    hub = org.create_unit(session=session, actor=ACTOR, data=UnitCreate(
        name="县政府总值班室", code="county", type=UnitType.county_office, duty_phone="0838-6201234",
        address="县政府大院1号楼"))
    units = [hub]
    for i, name in enumerate(TOWNS):
        units.append(org.create_unit(session=session, actor=ACTOR, data=UnitCreate(
            name=name, code=f"town{i + 1:02d}", type=UnitType.town, parent_id=hub.id, sort_order=i,
            duty_phone=f"0838-62{i + 10:02d}110", address=f"{name}人民政府")))
    for i, name in enumerate(DEPARTMENTS):
        units.append(org.create_unit(session=session, actor=ACTOR, data=UnitCreate(
            name=name, code=f"dept{i + 1:02d}", type=UnitType.department, parent_id=hub.id, sort_order=100 + i,
            duty_phone=f"0838-63{i + 10:02d}119", address=f"县{name}")))
    n = 0
    people = 0
    for u_index, unit in enumerate(units):
        size = 14 if unit is hub else 7
        for k in range(size):
            n += 1
            head = k == 0
            leader = k < (5 if unit is hub else 3)
            title = ("县长" if unit is hub else "主要负责人") if head else ("副县长" if unit is hub and leader else
                                                                  ("副职领导" if leader else "工作人员"))
            cats = []
            if unit is hub and leader and not head:
                cats = [["natural_disaster"], ["accident"], ["public_health"], ["social_security", "public_opinion"]][k - 1]
            org.create_person(session=session, actor=ACTOR, data=PersonCreate(
                name=_name(n), title=title, unit_id=unit.id, mobile=f"139{u_index:02d}{n:06d}"[:11],
                office_phone=unit.duty_phone, email=f"user{n}@example.gov.cn", wecom_id=f"wx{n:04d}",
                is_leading_cadre=head or (unit is hub and leader), is_unit_head=head, domain_categories=cats))
            people += 1
    gaoguan = units[1]
    for username, password, role, display in DEMO_ACCOUNTS:
        accounts.create_user(session=session, actor=ACTOR, data=UserCreate(
            username=username, password=password, role=role, display_name=display,
            unit_id=gaoguan.id if role is Role.unit_reporter else hub.id))
    now = utcnow()
    inbox = seed_channels(session, actor=ACTOR, key=settings.secret_key.get_secret_value(), now=now,
                          upward_channel=settings.incidents.upward_channel)  # a simulated city duty room
    notified = seed_notified_accounts(session, units)  # before anything notifies them: their inbox has a reader
    spot = seed_spotchecks(session, now, settings=settings)  # plan, past results, circular
    rosters = seed_rosters(session, now.astimezone(settings.tz).date(), tz=settings.timezone)  # published, a gap
    incidents = seed_incidents(session, now, settings)  # the board, an ack, an instruction
    # The demo's history (last month's phone checks, an incident received 50 minutes ago) is written now: its audit
    # entries say when the seed wrote them. Dated in the past, they would read as rows inserted afterwards.
    session.flush()
    session.execute(update(AuditEntry).where(AuditEntry.seq >= first_seq, AuditEntry.chain_pos.is_(None),
                                             AuditEntry.at < now).values(at=now))
    return {"units": len(units), "people": people, "accounts": len(DEMO_ACCOUNTS), "notified_accounts": notified, **inbox, **spot, **rosters,
            **incidents}


def seed_notified_accounts(session: Session, units: list[Unit]) -> int:
    """A console account for each person the demo's messages reach on its one channel, the console inbox: the
    county office's leaders (the duty leader of the day rotates among them, a 分管 vice head is told of incidents
    in their field, the county head is a later step) as leaders of the office, and each unit's 主要负责人 (asked for
    a written explanation after a failed spot check) as their unit's reporter. Each is linked to its person and
    has a random password nobody is told: an office gives one with `dutydesk users password NAME` (README).
    Without them, the inbox would rightly fail those messages (无控制台账号) and the demo would open broken."""
    hub = units[0]
    taken = set(session.exec(select(User.person_id).where(User.person_id.is_not(None))))
    made = 0
    for unit in units:
        office = unit is hub
        people = session.exec(select(Person).where(Person.unit_id == unit.id, Person.active)
                              .order_by(Person.created_at)).all()
        wanted = [p for p in people if (p.is_leading_cadre if office else p.is_unit_head) and p.id not in taken]
        vice = 0
        for person in wanted:
            vice += not person.is_unit_head
            username = f"{unit.code}-head" if person.is_unit_head else f"{unit.code}-vice{vice}"
            accounts.create_user(session=session, actor=ACTOR, data=UserCreate(
                username=username, password=secrets.token_urlsafe(24), person_id=person.id, unit_id=unit.id,
                role=Role.leader if office else Role.unit_reporter,
                display_name=f"{person.title} {person.name}"))
            taken.add(person.id)
            made += 1
    return made


def demo_logins() -> list[tuple[str, str, str]]:
    return [(u, p, r.value) for u, p, r, _ in DEMO_ACCOUNTS]


def has_demo_accounts(session: Session) -> bool:
    return session.exec(select(User).where(User.username == "duty")).first() is not None
