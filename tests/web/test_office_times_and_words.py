"""zh-CN console pages that say 北京时间 show office time and no English (issue 14: M4, M5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.accounts import ApiToken, UserUpdate
from services import accounts
from services.audit import checks
from tests.conftest import PASSWORD
from tests.web.test_auth import login


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_token_table_shows_office_time(client, session, users, tokens):
    """M4: 创建时间 / 最近使用 / 吊销 were UTC on a page that says 北京时间."""
    row = session.query(ApiToken).filter(ApiToken.user_id == users["leader"].id).one()
    row.created_at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    row.last_used_at = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    row.revoked_at = datetime(2026, 11, 20, 17, 5, tzinfo=UTC)
    session.add(row)
    session.commit()
    assert login(client, "u_admin", PASSWORD).status_code == 303
    table = client.get("/accounts").text.split('id="token-list"', 1)[1].split("</table>", 1)[0]
    line = next(tr for tr in table.split("<tr")[1:] if f'data-token="{row.id}"' in tr)
    assert "2026-11-20 09:00" in line and "2026-11-20 10:30" in line and "2026-11-21 01:05" in line, _text(line)


def test_the_audit_page_says_who_verified_and_why_in_zh_cn(client, app, session, users):
    """M5: 「校验时间 … · cli」 and a password change's 说明 `password changed` on the zh-CN page."""
    accounts.update_user(session=session, user_id=users["duty_officer"].id, actor="test",
                         data=UserUpdate(password="another-long-password"))
    checks.check(session=session, keeper=app.state.audit_keeper, by="cli", now=datetime.now(UTC))
    session.commit()
    assert login(client, "u_auditor", PASSWORD).status_code == 303
    page = _text(client.get("/audit").text)
    assert "命令行" in page and "· cli" not in page
    assert "密码已修改" in page and "password changed" not in page
    english = _text(client.get("/audit?lang=en").text)
    assert "command line" in english and "password changed" in english
