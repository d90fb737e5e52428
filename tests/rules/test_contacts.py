"""Contact-method values per kind, the verification code's life, and the plan a person's rules make (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules.directory import (
    CODE_ATTEMPTS,
    CodeCheck,
    CodeState,
    ContactKind,
    Medium,
    Method,
    Rule,
    check_code,
    check_rule,
    masked,
    may_send,
    normalized,
    plan,
)

T = datetime(2026, 7, 14, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind, raw, stored", [
    (ContactKind.mobile, "13800001111", "13800001111"),
    (ContactKind.mobile, "+86 138-0000-1111", "13800001111"),
    (ContactKind.mobile, "0086 19912345678", "19912345678"),
    (ContactKind.office_phone, "0851-22334455", "0851-22334455"),
    (ContactKind.office_phone, "(010)12345678转123", "010-12345678-123"),  # one stored form (phone_form)
    (ContactKind.office_phone, "400-123-4567", "400-123-4567"),
    (ContactKind.email, " Li.Ming@Gov.CN ", "Li.Ming@gov.cn"),
    (ContactKind.wecom, "LiMing", "LiMing"),
    (ContactKind.feishu, "ou_7d8a6e6df7621556ce0d21922b676706", "ou_7d8a6e6df7621556ce0d21922b676706"),
])
def test_values_are_stored_in_one_shape(kind, raw, stored):
    assert normalized(kind, raw) == stored


@pytest.mark.parametrize("kind, raw, reason", [
    (ContactKind.mobile, "12800001111", "11位中国大陆手机号"),  # second digit 2
    (ContactKind.mobile, "1380000111", "11位"),  # ten digits
    (ContactKind.mobile, "+1 415 555 0100", "11位"),
    (ContactKind.office_phone, "22334455", "须带区号"),
    (ContactKind.email, "liming@", "邮箱"),
    (ContactKind.email, "li ming@gov.cn", "邮箱"),
    (ContactKind.email, "a@localhost", "邮箱"),
    (ContactKind.email, "a..b@gov.cn", "邮箱"),
    (ContactKind.dingtalk, "李明", "字母、数字"),
    (ContactKind.wecom, "", "请填写"),
])
def test_bad_values_are_refused_with_a_reason(kind, raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalized(kind, raw)


def test_every_mainland_prefix_13_to_19_is_a_mobile_and_10_11_12_are_not():
    for second in range(10):
        number = f"1{second}012345678"
        if second >= 3:
            assert normalized(ContactKind.mobile, number) == number
        else:
            with pytest.raises(ValueError):
                normalized(ContactKind.mobile, number)


def test_masked_hides_the_middle():
    assert masked(ContactKind.mobile, "13800001111") == "138****1111"
    assert masked(ContactKind.email, "liming@gov.cn") == "l***@gov.cn"


def test_a_code_is_good_for_ten_minutes_and_five_wrong_entries():
    sent = CodeState(T, T + timedelta(minutes=10))
    assert check_code(sent, True, T + timedelta(minutes=9, seconds=59)) is CodeCheck.ok
    assert check_code(sent, True, T + timedelta(minutes=10)) is CodeCheck.expired
    assert check_code(sent, False, T) is CodeCheck.wrong
    assert check_code(CodeState(T, T + timedelta(minutes=10), CODE_ATTEMPTS - 1), True, T) is CodeCheck.ok
    assert check_code(CodeState(T, T + timedelta(minutes=10), CODE_ATTEMPTS), True, T) is CodeCheck.exhausted
    assert check_code(CodeState(None, None), True, T) is CodeCheck.none
    assert check_code(CodeState(T, T + timedelta(minutes=10), spent=True), True, T) is CodeCheck.none


def test_a_new_code_waits_a_minute_after_the_last():
    assert may_send(CodeState(None, None), T) is None
    assert may_send(CodeState(T, T), T + timedelta(seconds=59)) == timedelta(seconds=1)
    assert may_send(CodeState(T, T), T + timedelta(seconds=60)) is None


def test_rules_fit_the_method():
    check_rule(ContactKind.mobile, Medium.voice, 5)
    with pytest.raises(ValueError, match="不能用于短信"):
        check_rule(ContactKind.office_phone, Medium.sms, 0)
    with pytest.raises(ValueError, match="延迟"):
        check_rule(ContactKind.wecom, Medium.wecom, 121)


def test_the_plan_uses_verified_methods_only_soonest_first():
    wx = Method("m1", ContactKind.wecom, "LiMing", True)
    mob = Method("m2", ContactKind.mobile, "13800001111", True)
    mail = Method("m3", ContactKind.email, "liming@gov.cn", False)
    got = plan([wx, mob, mail], [Rule("m2", Medium.voice, 5), Rule("m1", Medium.wecom, 0), Rule("m2", Medium.sms, 2),
                                 Rule("m3", Medium.email, 0), Rule("gone", Medium.sms, 0),
                                 Rule("m1", Medium.wecom, 0)])
    assert [(p.method.id, p.medium, p.delay_minutes) for p in got] == [
        ("m1", Medium.wecom, 0), ("m2", Medium.sms, 2), ("m2", Medium.voice, 5)]
    assert got[1].due(T) == T + timedelta(minutes=2)
    assert plan([mail], [Rule("m3", Medium.email, 0)]) == []
