"""The leave form's person picker (issue 17): a 副县长 is a leading cadre who files a formal leave report, not a
"县管正职" (a unit's head): the picker says what it means for the form."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.directory import PersonCreate
from services.directory import org
from tests.conftest import PASSWORD


def test_a_vice_head_is_not_labelled_as_a_unit_head(client, users, session, roster_unit):
    vice = org.create_person(session=session, actor="test", data=PersonCreate(
        name="宋海燕", title="副县长", unit_id=roster_unit["unit"].id, mobile="13900000999", is_leading_cadre=True))
    session.commit()
    client.app.state.clock = lambda: datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    form = client.get("/leaves", headers={"accept": "text/html"}).text.split('id="leave-form"')[1]
    option = re.findall(rf'<option value="{vice.id}"[^>]*>([^<]*)</option>', form)[0]  # the 请假人 picker first
    assert "县管正职" not in option and "宋海燕 副县长" in option and "须请假报备" in option
