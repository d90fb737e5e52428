"""The console's channel page: a channel's sending limits (限额) shown, edited, refused at the field in zh-CN."""

from __future__ import annotations

import re

import pytest

from models.deliveries import ChannelConfig, ChannelConfigCreate
from services import deliveries
from tests.deliveries.test_web import _cookie
from web.deps import CSRF_HEADER


@pytest.fixture
def robot(app, session):
    key = app.state.settings.secret_key.get_secret_value()
    deliveries.create_channel(session=session, actor="test", key=key, data=ChannelConfigCreate(
        name="robot", kind="webhook", title="值班群机器人", config={"base_url": "http://127.0.0.1:9/hook"}))
    session.commit()
    return "robot"


def _post(client, admin, url, **form):
    return client.post(url, data={**form, "csrf_token": admin[CSRF_HEADER]}, headers={"Cookie": admin["Cookie"]},
                       follow_redirects=False)


def _row(session, name) -> ChannelConfig:
    session.expire_all()
    return session.query(ChannelConfig).filter_by(name=name).one()


def test_an_admin_sets_a_robots_limit_and_the_list_shows_it(client, session, users, robot):
    admin = _cookie(session, users["admin"])
    page = client.get("/channels?edit=robot", headers=admin).text
    assert "限额条数" in page and "限额时长（秒）" in page and "同时发送数" in page
    assert "按渠道类型默认" in page  # no limit of its own yet
    r = _post(client, admin, "/channels/robot/limits", rate_count="20", rate_seconds="60", max_concurrency="4")
    assert r.status_code == 303
    row = _row(session, "robot")
    assert (row.rate_count, row.rate_seconds, row.max_concurrency) == (20, 60, 4)
    assert "20 条 / 60 秒" in client.get("/channels", headers=admin).text
    # both emptied: the kind's published limit again
    assert _post(client, admin, "/channels/robot/limits", rate_count="", rate_seconds="",
                 max_concurrency="4").status_code == 303
    assert (_row(session, "robot").rate_count, _row(session, "robot").rate_seconds) == (None, None)


@pytest.mark.parametrize("form, field, reason", [
    ({"rate_count": "0", "rate_seconds": "60"}, "rate_count", "请填写 1 至 100000 之间的整数"),
    ({"rate_count": "二十", "rate_seconds": "60"}, "rate_count", "请填写 1 至 100000 之间的整数"),
    ({"rate_count": "20", "rate_seconds": "0"}, "rate_seconds", "请填写大于 0、不超过 86400 的秒数"),
    ({"rate_count": "20", "rate_seconds": ""}, "rate_seconds", "频率限制需同时填写条数"),
    ({"rate_count": "20", "rate_seconds": "60", "max_concurrency": "0"}, "max_concurrency", "请填写 1 至 512 之间的整数"),
])
def test_a_bad_limit_is_refused_at_its_field_and_nothing_changes(client, session, users, robot, form, field, reason):
    admin = _cookie(session, users["admin"])
    r = _post(client, admin, "/channels/robot/limits", **{"max_concurrency": "16", **form})
    assert r.status_code == 422
    at_field = re.search(rf'<p class="error" data-field="{field}" id="e-{field}">([^<]*)</p>', r.text)
    assert at_field and reason in at_field.group(1), r.text[-2000:]
    assert f'id="f-{field}"' in r.text and 'aria-invalid="true"' in r.text
    assert _row(session, "robot").rate_count is None  # nothing saved


def test_a_new_channel_takes_its_limit_from_the_form(client, session, users):
    admin = _cookie(session, users["admin"])
    r = _post(client, admin, "/channels", name="robot2", kind="webhook", title="", rate_count="5",
              rate_seconds="2.5", config='{"base_url": "http://127.0.0.1:9/hook"}')
    assert r.status_code == 303, r.text[-1500:]
    assert (_row(session, "robot2").rate_count, _row(session, "robot2").rate_seconds) == (5, 2.5)
    r = _post(client, admin, "/channels", name="robot3", kind="webhook", rate_count="5", rate_seconds="",
              config='{"base_url": "http://127.0.0.1:9/hook"}')
    assert r.status_code == 422 and 'data-field="rate_seconds"' in r.text


def test_the_limit_form_speaks_english_too(client, session, users, robot):
    admin = _cookie(session, users["admin"])
    r = _post(client, admin, "/channels/robot/limits?lang=en", rate_count="-1", rate_seconds="60",
              max_concurrency="16")
    assert r.status_code == 422 and "Enter a whole number from 1 to 100000" in r.text
    page = client.get("/channels?edit=robot&lang=en", headers=admin).text
    assert "Messages allowed" in page and "Per (seconds)" in page


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_new_channel_refused_says_why_in_the_pages_language(client, session, users, lang):
    """An empty name or settings that are not a JSON object: the reason in the page's language, never pydantic's
    "2 validation errors for ChannelConfigCreate" (words14's note)."""
    admin = _cookie(session, users["admin"])
    q = "?lang=en" if lang == "en" else ""
    empty = _post(client, admin, "/channels" + q, name="", kind="webhook", title="", config="")
    bad = _post(client, admin, "/channels" + q, name="hook2", kind="webhook", title="", config="[1, 2]")
    for r in (empty, bad):
        assert r.status_code == 422
        said = re.search(r'id="channel-error">([^<]*)<', r.text).group(1)
        assert "validation error" not in said and "ChannelConfigCreate" not in said
        assert bool(re.search(r"[\u4e00-\u9fff]", said)) == (lang == "zh-CN"), said
    assert session.query(ChannelConfig).filter_by(name="hook2").first() is None
