"""A fresh demo opens as a working office: everyone its messages reach on the console inbox (the county's leaders,
each unit's 主要负责人) has an account linked to them, so no message is born failed (无控制台账号); those accounts
have no password anyone knows until the office gives one (`dutydesk users password`)."""

from __future__ import annotations

from sqlmodel import Session, select

from dutydesk.demo import DEMO_ACCOUNTS
from models.accounts import Role, User
from models.deliveries import Delivery
from models.directory import Person, Unit, UnitType
from services import accounts
from tests.conftest import run_cli as run


def _login(session: Session, username: str, password: str) -> bool:
    user = session.exec(select(User).where(User.username == username)).one()
    return accounts.verify_secret(user.password_hash, password)


def test_every_person_the_demo_notifies_can_read_their_inbox(cli_db):
    seeded = run("demo", "seed")
    assert seeded.exit_code == 0, seeded.output
    assert "dutydesk users password" in seeded.output  # the seed says how to sign in as one of them
    with Session(cli_db) as session:
        reached = session.exec(select(Delivery).where(Delivery.channel == "inbox", Delivery.person_id.is_not(None)))
        reached = list(reached)
        assert reached and all(d.recipient.get("console_account") is True for d in reached), [
            (d.recipient.get("name"), d.subject) for d in reached if not d.recipient.get("console_account")]
        assert session.exec(select(Delivery).where(Delivery.state == "failed")).first() is None

        hub = session.exec(select(Unit).where(Unit.type == UnitType.county_office)).one()
        linked = {u.person_id: u for u in session.exec(select(User).where(User.active, User.person_id.is_not(None)))}
        leaders = session.exec(select(Person).where(Person.unit_id == hub.id, Person.is_leading_cadre)).all()
        heads = session.exec(select(Person).where(Person.unit_id != hub.id, Person.is_unit_head)).all()
        assert len(leaders) == 5 and len(heads) == 20
        for p in leaders:  # the duty leader of the day rotates among them; a vice head is told of their field
            assert linked[p.id].role is Role.leader and linked[p.id].unit_id == hub.id, p.name
        for p in heads:  # asked for a written explanation after a failed spot check: their unit's reporter
            assert linked[p.id].role is Role.unit_reporter and linked[p.id].unit_id == p.unit_id, p.name
        assert linked[heads[0].id].display_name == f"主要负责人 {heads[0].name}"
        assert not any(_login(session, "county-head", pw) for _, pw, *_ in DEMO_ACCOUNTS)  # no demo password opens them
        session.commit()

    assert len(DEMO_ACCOUNTS) == 6  # the printed demo logins are still the six
    changed = run("users", "password", "county-head", "--password", "xianzhang-2026")
    assert changed.exit_code == 0 and "county-head" in changed.output, changed.output
    with Session(cli_db) as session:
        assert _login(session, "county-head", "xianzhang-2026")
    assert run("users", "password", "nobody", "--password", "xianzhang-2026").exit_code == 1


def test_the_demo_reports_upward_to_its_simulated_city_duty_room(cli_db):
    """The demo has no city system: its upward channel is a simulated one, named as the demo's, so the demo's
    written reports reach it (offline) and the demo does not open with 向上报送失败 everywhere."""
    import asyncio

    from core.settings import get_settings
    from engine.dispatcher import Dispatcher
    from models.deliveries import ChannelConfig
    from models.incidents.records import Incident
    from models.types import utcnow
    from services.incidents.reports import add_report
    from services.incidents.schemas import ReportIn
    from tests.incidents.conftest import DUTY

    assert run("demo", "seed").exit_code == 0
    settings = get_settings()
    with Session(cli_db) as session:
        channel = session.exec(select(ChannelConfig).where(
            ChannelConfig.name == settings.incidents.upward_channel)).one()
        assert channel.title.startswith("演示：模拟市政府总值班室") and channel.kind == "inbox"
        slide = session.exec(select(Incident).where(Incident.status == "open")).first()
        add_report(session=session, incident_id=slide.id, by=DUTY, now=utcnow(), settings=settings,
                   data=ReportIn(kind="followup", channel="written", situation="续报：已转移群众"))
        session.commit()
        upward = [d.id for d in session.exec(select(Delivery).where(Delivery.channel == channel.name))]
    assert upward, "the written 续报 went upward"
    d = Dispatcher(cli_db, key=settings.secret_key.get_secret_value(), public_url="http://127.0.0.1:8000", poll=0.05)
    asyncio.run(d.run_until_idle(timeout=20))
    with Session(cli_db) as session:
        states = {session.get(Delivery, i).state for i in upward}
    assert states == {"delivered"}, states


def test_the_readme_password_command_works_as_written(cli_db):
    """README: `dutydesk users password county-head`, with no --password: it asks for it twice, not echoed."""
    import re
    import shlex
    from pathlib import Path

    from typer.testing import CliRunner

    from dutydesk.cli import app

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    (command,) = set(re.findall(r"`(dutydesk users password county-head)`", readme))
    assert run("demo", "seed").exit_code == 0
    typed = CliRunner().invoke(app, shlex.split(command)[1:], input="xianzhang-2026\nxianzhang-2026\n")
    assert typed.exit_code == 0 and "password changed for county-head" in typed.output, typed.output
    assert "xianzhang-2026" not in typed.output  # hidden input
    with Session(cli_db) as session:
        assert _login(session, "county-head", "xianzhang-2026")
