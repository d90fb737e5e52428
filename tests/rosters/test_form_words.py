"""The leave and swap forms' dropdowns in the page's language: on an English page a slot reads "2026-12-07 Monday
Duty leader 领导0" and a unit head "Unit head", not 星期一 带班领导 / 主要负责人; names, units and titles people typed
stay as written (Chinese data); zh-CN unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.directory import PersonCreate
from services.directory import org
from tests.rosters.test_console import _login

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]+")
OPTION = re.compile(r"<option[^>]*>([^<]*)</option>")


def _options(client, path: str, form: str) -> list[str]:
    html = client.get(path, headers={"accept": "text/html"}).text
    start = html.index(form)
    return [o.strip() for o in OPTION.findall(html[start:html.index("</form>", start)]) if o.strip()]


def _without(text: str, data: set[str]) -> str:
    for d in sorted(data, key=len, reverse=True):
        text = text.replace(d, " ")
    return text


def test_leave_and_swap_options_read_in_english_and_stay_chinese_on_zh_cn(client, users, generated, directory, session):
    head = org.create_person(session=session, actor="test", data=PersonCreate(
        name="宋海燕", title="主要负责人", unit_id=generated["unit"].id, mobile="13900000999", is_leading_cadre=True,
        is_unit_head=True))
    session.commit()
    data = {p.name for p in [*generated["leaders"], *generated["officers"], head, *directory["people"].values()]}
    data |= {u.name for u in (directory["hub"], directory["town"], directory["dept"])}
    client.app.state.clock = lambda: datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    _login(client, "u_duty_officer")
    for path, form in (("/leaves", 'id="leave-form"'), ("/swaps", 'action="/swaps"')):
        en = _options(client, f"{path}?lang=en", form)
        left = {w for o in en for w in CHINESE.findall(_without(o, data))}
        assert en and not left, (path, sorted(left)[:10])
    swap_en = _options(client, "/swaps?lang=en", 'action="/swaps"')
    assert any(re.fullmatch(r"2026-12-\d\d \w+day Duty leader 领导\d", o) for o in swap_en), swap_en[:5]
    assert any("Duty officer" in o for o in swap_en)
    assert any(o.startswith("★ 宋海燕 Unit head") for o in _options(client, "/leaves?lang=en", 'id="leave-form"'))
    swap_zh = _options(client, "/swaps?lang=zh-CN", 'action="/swaps"')
    assert any(re.fullmatch(r"2026-12-\d\d 星期[一二三四五六日] 带班领导 领导\d", o) for o in swap_zh), swap_zh[:5]
    leave_zh = _options(client, "/leaves?lang=zh-CN", 'id="leave-form"')
    assert any(o.startswith("★ 宋海燕 主要负责人（领导干部") for o in leave_zh), leave_zh[:5]
    assert "宋海燕（高观镇·主要负责人）" in _options(client, "/swaps?lang=zh-CN", 'action="/swaps"')
