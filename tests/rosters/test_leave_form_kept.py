"""The leave form after a refusal (tester's report): everything typed and ticked is still there, the reason is at its
field and in the summary at the top (role=alert), named as the form labels the field (主持工作, not 代理人); the
person going on leave is not in the 主持工作 list."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.directory import PersonCreate
from services.directory import org
from tests.conftest import PASSWORD


def _form(client, data, lang=""):
    page = client.get("/leaves" + lang, headers={"accept": "text/html"})
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/leaves" + lang, data={"csrf_token": csrf, **data}, headers={"accept": "text/html"},
                       follow_redirects=False)


def test_a_refused_leave_keeps_what_was_typed_and_names_the_field(client, users, session, roster_unit):
    cadre = org.create_person(session=session, actor="test", data=PersonCreate(
        name="唐文静", title="副县长", unit_id=roster_unit["unit"].id, mobile="13900000998", is_leading_cadre=True))
    session.commit()
    client.app.state.clock = lambda: datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    client.post("/login", data={"username": "u_duty_officer", "password": PASSWORD}, follow_redirects=False)
    typed = {"person_id": str(cadre.id), "start_day": "2026-12-03", "start_half": "pm", "end_day": "2026-12-04",
             "end_half": "pm", "destination": "市里", "reason": "开会", "contact": "13900000998",
             "arrangements": "由办公室统筹", "abroad": "on"}
    r = _form(client, typed)
    assert r.status_code == 422
    form = r.text.split('id="leave-form"')[1]
    assert re.search(rf'<option value="{cadre.id}"[^>]*selected', form.split('name="acting_person_id"')[0])
    for name in ("start_day", "end_day", "destination", "reason", "contact"):
        assert f'id="f-{name}" value="{typed[name]}"' in form, name
    assert 'id="f-start_half"><option value="am">上午</option><option value="pm" selected>' in form
    assert ">由办公室统筹</textarea>" in form and 'id="f-abroad" checked' in form
    summary = r.text.split('id="error-summary" role="alert"')[1].split("</div>")[0]
    assert 'href="#f-acting_person_id">主持工作：' in summary and "代理人" not in r.text
    assert 'data-field="acting_person_id" id="e-acting_person_id"' in form
    acting = form.split('name="acting_person_id"')[1].split("</select>")[0]
    assert f'<option value="{cadre.id}" hidden disabled>' in acting  # nobody acts for themselves
    en = _form(client, typed, "?lang=en")
    assert en.status_code == 422 and 'href="#f-acting_person_id">Acting in charge: please give who acts in charge' in en.text
