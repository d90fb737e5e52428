"""Demo channels: the console inbox, and a welcome message in each demo account's inbox."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from models.accounts import Role, User, UserUpdate
from models.deliveries import ChannelConfig, ChannelConfigCreate, DeliveryState
from models.directory import Person
from services import accounts
from services.deliveries.channels import create_channel
from services.deliveries.outbox import enqueue
from services.deliveries.render import render

INBOX = "inbox"


UPWARD_TITLE = "演示：模拟市政府总值班室（离线收件，不发往真实系统）"


def seed_channels(session: Session, *, actor: str, key: str, now: datetime,
                  upward_channel: str | None = None) -> dict[str, int]:
    """Configure the `inbox` channel and leave a delivered welcome message for every person with an account.
    `upward_channel` (settings.incidents.upward_channel): the demo has no city duty room to report to, so that
    channel, when not configured, is a simulated one that takes every upward report offline (kind inbox, named as
    the demo's): the demo's written reports reach it, rather than all failing (渠道未配置) and teaching the duty
    officer that 向上报送失败 is normal. A real office configures its own channel of that name (production never
    seeds the demo)."""
    made = 0
    for name, title in ((INBOX, "控制台收件箱"), (upward_channel, UPWARD_TITLE)):
        if name and session.exec(select(ChannelConfig).where(ChannelConfig.name == name)).first() is None:
            create_channel(session=session, actor=actor, key=key, data=ChannelConfigCreate(
                name=name, kind="inbox", title=title, config={}))
            made += 1
    _link_demo_accounts(session, actor)
    sent = 0
    for user in session.exec(select(User).where(User.person_id.is_not(None))):
        person = session.get(Person, user.person_id)
        body = render("notice", title="欢迎使用值班值守系统",
                      body=f"{person.name}，您好：突发事件、值班提醒和抽查通知会出现在这里，也会按渠道发到钉钉、短信或电话。",
                      ack_url=None)
        row = enqueue(session=session, source="demo", source_id="welcome", person=person, channel=INBOX,
                      subject=body.subject, text=body.text, markdown=body.markdown, now=now)
        # Shown at once even before the engine runs: the inbox plugin would do exactly this.
        row.state, row.sent_at, row.delivered_at, row.provider_message_id = (
            DeliveryState.delivered.value, now, now, row.idempotency_key)
        session.add(row)
        sent += 1
    session.flush()
    return {"channels": made, "inbox_messages": sent}


def _link_demo_accounts(session: Session, actor: str) -> None:
    """Give each demo duty officer, leader and unit reporter a person of its unit, so their inbox has an owner."""
    taken = {u.person_id for u in session.exec(select(User).where(User.person_id.is_not(None)))}
    wanted = {Role.leader: "副", Role.duty_officer: "工作人员", Role.unit_reporter: "工作人员"}
    for user in session.exec(select(User).where(User.person_id.is_(None)).order_by(User.username)).all():
        if user.role not in wanted or user.unit_id is None:
            continue
        people = session.exec(select(Person).where(Person.unit_id == user.unit_id).order_by(Person.name)).all()
        # the demo leader is the vice head in charge of natural disasters, whom the demo's incidents notify
        people = sorted(people, key=lambda p: "natural_disaster" not in (p.domain_categories or []))
        pick = next((p for p in people if p.id not in taken and wanted[user.role] in p.title), None)
        if pick is not None:
            shown = {Role.leader: pick.title, Role.duty_officer: "值班员"}.get(user.role)
            named = {"display_name": f"{shown} {pick.name}"} if shown else {}  # the name shown is the person's
            accounts.update_user(session=session, user_id=user.id, data=UserUpdate(person_id=pick.id, **named),
                                 actor=actor)
            taken.add(pick.id)
