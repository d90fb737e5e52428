"""The demo's acknowledgement links open where the console is configured to be (settings.public_url), not at the
port the demo happened to be seeded with."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from core.settings import Settings
from models.deliveries import Delivery
from models.incidents.records import Incident

PUBLIC = "https://duty.example.gov.cn:8443"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"},
                    web={"live_stream_seconds": 0, "public_url": PUBLIC})


def test_inbox_ack_buttons_use_the_configured_base_url(app, client, session, tmp_path):
    from dutydesk import demo

    seeded_with = Settings(environment="test", data_dir=tmp_path, flows={"mode": "off"})  # port 8000, no public URL
    demo.seed(session, seeded_with)
    session.commit()
    stored = [d.ack_url for d in session.exec(select(Delivery).where(Delivery.ack_url.is_not(None)))]
    assert stored and all(u.startswith("http://127.0.0.1:8000/ack/") for u in stored)  # as written at seed time
    for d in session.exec(select(Delivery).where(Delivery.channel == "inbox")):
        d.state = "delivered"  # what the engine's dispatcher does with an inbox message
    # the demo's landslide is acknowledged already (黄文静), so its inbox messages say so instead of offering a
    # button (tests/incidents/test_acknowledgements.py): here its step still waits, as on the night it came in
    for inc in session.exec(select(Incident).where(Incident.acknowledged_at.is_not(None))):
        inc.acknowledged_at = None
        session.add(inc)
    session.commit()

    hrefs = []
    for username, password, _ in demo.demo_logins():
        client.cookies.clear()
        if client.post("/login", data={"username": username, "password": password},
                       follow_redirects=False).status_code != 303:
            continue
        hrefs += re.findall(r'href="([^"]*/ack/[^"]*)"', client.get("/inbox").text)
    assert hrefs, "some demo login sees an acknowledgement button in its inbox"
    assert all(h.startswith(f"{PUBLIC}/ack/") for h in hrefs), hrefs
    token_path = hrefs[0].removeprefix(PUBLIC)
    client.cookies.clear()  # opened on the recipient's phone: no console session (another's is refused)
    assert client.get(token_path, headers={"Accept": "text/html"}).status_code == 200  # the link still works
