"""English console pages word what the night-duty tester saw in Chinese (issue 17): the acting person's "代", the
grade correction, the figure hint and the console inbox's delivery note."""

from __future__ import annotations

from web.console.deliveries.pages import note
from web.console.i18n import translate
from web.console.render import zh_names


def test_acting_and_correction_notes_are_worded_in_english():
    assert zh_names("董国华（代宋海燕）、何振华", "en") == "董国华 (for 宋海燕)、何振华"
    assert zh_names("宋海燕（请假）", "en") == "宋海燕 (on leave)"
    assert zh_names("更正：等级由Ⅳ级调整为Ⅲ级", "en") == "Correction: grade Ⅳ changed to Ⅲ"
    assert zh_names("董国华（代宋海燕）", "zh") == "董国华（代宋海燕）"  # zh-CN pages as they were


def test_figure_hint_and_inbox_note_in_english():
    assert "a number" in translate("inc.figure_hint", "en")
    assert str(note("已进入控制台收件箱", "en")) == "In the console inbox"
    assert str(note("已进入控制台收件箱", "zh")) == "已进入控制台收件箱"
