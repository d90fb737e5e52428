"""Texts that rules and services write in zh-CN only, worded by the console in the page's language."""

from __future__ import annotations

from rules.spotchecks.plan import Reason
from web.console.spotchecks.checks import why


def test_every_spot_check_reason_reads_in_english_and_stays_as_written_in_chinese():
    reasons = [Reason("quota", "第1/2次"), Reason("recent_failure", "2"), Reason("night", "23"), Reason("weekend"),
               Reason("holiday", "Spring Festival"), Reason("holiday"), Reason("flood_season")]
    for r in reasons:
        en = str(why(r.text, "en"))
        assert "zh-CN" not in en and not any("\u4e00" <= ch <= "\u9fff" for ch in en), (r, en)  # every kind known
        assert str(why(r.text, "zh-CN")) == r.text
    assert str(why("每季度至少抽查（第1/2次）；周末", "en")) == "at least 2 checks a quarter (check 1 of 2); weekend"
    assert "public holiday (Spring Festival)" in str(why(Reason("holiday", "Spring Festival").text, "en"))


def test_an_unknown_reason_is_kept_and_marked_as_chinese():
    assert str(why("上级交办", "en")) == '<span lang="zh-CN">上级交办</span>'
