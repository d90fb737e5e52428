"""The words of spot-check audit notes (说明): written "中文 (English)", so the audit page shows each in the page's
language (web/console/audit/view.note_text), and the rewording of the notes recorded before they were (terse
English such as "2026Q4 failures=2" or "2026Q4 seed=7 checks=12"), which the sealed chain keeps as written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

# Entities whose notes this module words (the audit log's entity names).
ENTITIES = frozenset({"spotcheck_plan", "explanation_request", "circular", "phone_check", "video_roll_call",
                      "inspection_attachment", "spotcheck_export"})
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def _quarter_zh(label: str) -> str:
    m = _QUARTER.match(label)
    return f"{m[1]}年第{m[2]}季度" if m else label


def plan(quarter: str, seed: str, checks: int) -> str:
    return (f"{_quarter_zh(quarter)}抽查计划：共{checks}次抽查，抽样随机种子为 {seed} "
            f"({quarter} plan: {checks} checks, sampling seed {seed})")


def explanation(year: int, quarter: int, failures: int) -> str:
    return (f"{year}年第{quarter}季度抽查{failures}次不合格，要求书面说明 "
            f"({year} Q{quarter}: {failures} failed checks, written explanation requested)")


def overdue(due: date | str) -> str:
    return f"书面说明应于{due}前报送，已逾期，已提醒 (explanation overdue since {due}, reminded)"


def circular(year: int, month: int, doc_number: str, digest: str) -> str:
    return (f"{year}年{month}月抽查通报 {doc_number}，文件校验值 sha256 {digest} "
            f"(circular of {year}-{month:02d}, file sha256 {digest})")


def late_receipt(corrects: str) -> str:
    return (f"更正抽查记录 {corrects}：按键回执迟到，确认在岗 "
            f"(corrects {corrects}: the key press arrived late, on duty)")


def correction(corrects: str, changed: str, reason: str) -> str:
    """A correction by hand: the reason is the corrector's own words (zh), the fields are on the page's changes."""
    return f"更正抽查记录 {corrects}：{reason[:300]} (corrects {corrects}: {changed or 'no field'} changed)"


def roll_call(units: int, absent: int) -> str:
    return f"视频点名{units}个单位，{absent}个不在岗 (video roll call of {units} units, {absent} absent)"


def attachment(digest: str) -> str:
    return f"附件校验值 sha256 {digest} (attachment sha256 {digest})"


UNMASKED = "应审计员要求显示完整电话号码 (phone numbers shown in full at the auditor's request)"

# The notes recorded before, as they were written -> the words above.
_BEFORE: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"^(\d{4}Q[1-4]) seed=(\S*) checks=(\d+)$"), lambda m: plan(m[1], m[2], int(m[3]))),
    (re.compile(r"^(\d{4})Q([1-4]) failures=(\d+)$"), lambda m: explanation(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"^overdue since (\d{4}-\d{2}-\d{2})$"), lambda m: overdue(m[1])),
    (re.compile(r"^(\d{4})-(\d{2}) (.+) sha256=([0-9a-f]+)$"), lambda m: circular(int(m[1]), int(m[2]), m[3], m[4])),
    (re.compile(r"^corrects (\S+): late key receipt$"), lambda m: late_receipt(m[1])),
    (re.compile(r"^corrects (\S+) \[([^\]]*)\]: (.*)$", re.S),
     lambda m: correction(m[1], "" if m[2] == "-" else m[2], m[3])),
    (re.compile(r"^(\d+) units, (\d+) absent$"), lambda m: roll_call(int(m[1]), int(m[2]))),
    (re.compile(r"^sha256=([0-9a-f]+)$"), lambda m: attachment(m[1])),
    (re.compile(r"^phone numbers shown in full at the auditor's request$"), lambda m: UNMASKED),
]


def in_words(entity: str, note: str) -> str:
    """A spot-check entry's note in words ("中文 (English)"); a note recorded in the old terse form reworded."""
    if entity not in ENTITIES or not note:
        return note
    for pattern, words in _BEFORE:
        if m := pattern.match(note):
            return words(m)
    return note
