"""Phones as people type them are stored one way, and dialled as ASCII digits."""

from __future__ import annotations

import pytest

from rules.directory import dial, same_phone as same
from rules.directory import phone_form as normal


@pytest.mark.parametrize("typed, stored, target", [
    ("１３９－００００－００００", "13900000000", "13900000000"),  # full-width, as an IME types it
    ("139 0000 0000", "13900000000", "13900000000"),
    ("+86 139 0000 0000", "13900000000", "13900000000"),
    ("139-0000-0000", "13900000000", "13900000000"),
    ("0851-8888 6666", "0851-88886666", "085188886666"),
    ("（0851）8888６６６６", "0851-88886666", "085188886666"),
    ("0851-88886666转123", "0851-88886666-123", "085188886666,123"),
    ("010 1234 5678", "010-12345678", "01012345678"),
    ("+86 0838 1234567", "0838-1234567", "08381234567"),
    ("400 123 4567", "400-123-4567", "4001234567"),
    ("12345", "12345", "12345"),
    ("", "", ""),
])
def test_each_way_of_typing_has_one_stored_form_and_an_ascii_tel_target(typed, stored, target):
    assert normal(typed) == stored
    assert dial(typed) == target and dial(stored) == target
    assert target == "" or target.isascii()


def test_letters_are_no_phone_and_the_reason_is_zh():
    with pytest.raises(ValueError, match="电话号码格式不正确"):
        normal("139-abc")


def test_one_number_however_written():
    assert same("139-0000-0000", "13900000000") and same("+86 139 0000 0000", "１３９００００００００")
    assert not same("", "") and not same("13900000000", "13900000001")
