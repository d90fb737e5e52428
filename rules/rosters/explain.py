"""Decision objects of roster generation and their zh-CN explanations.

Each assignment says *why this person* as a code plus parameters (for the
API and translations) and renders it in zh-CN with `.text()`. Tuples keep
generation fast: a province is ~2 million of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from rules.rosters.calendar import FESTIVAL_ZH
from rules.rosters.policy import DAY_CLASS_ZH, DayClass
from rules.rosters.state import PostState

__all__ = ["FESTIVAL_ZH"]  # re-exported: the explanations' users read it here

PICK_ZH = {
    "turn": "按{cls}轮换顺序轮到{person}",
    "debt": "{person}此前轮到{cls}班时被跳过，优先补班{left}",
    "holiday_fresh": "{festival}：{person}未值上一次{festival}班，节假日已值{detail}次，按节日轮换安排",
    "holiday_prev": "{festival}：其他可排人员均值过上一次{festival}，{person}节假日已值{detail}次，次数最少",
    "holiday_again": "{festival}：本次其他可排人员均已安排，{person}节假日已值{detail}次，再次安排",
    "substitute": "{person}可替班：{cls}已值{detail}次，休息充足，本班次无其他岗位",
}
SKIP_ZH = {
    "leave": "请假",
    "rest": "距上一班休息时间不足",
    "other_post": "本班次已在其他岗位值班",
    "unavailable": "不可用",
    "business_trip": "出差",
    "sick": "病假",
    "training": "培训",
}
GAP_ZH = {
    "empty_pool": "{post}人员池为空，缺{missing}人",
    "pool_exhausted": "{post}可排人员不足，缺{missing}人",
    "below_required": "{post}在岗{have}人，低于要求{required}人",
    "holder_unavailable": "{post}值班人{person}{why}，需替班",
    "double_post": "{person}同一班次担任两个岗位",
}


def _name(names: Mapping[str, str] | None, person: str) -> str:
    return names.get(person, person) if names else person


def skip_text(person: str, code: str, names: Mapping[str, str] | None = None) -> str:
    """zh-CN for one skipped person, e.g. 跳过张三：请假."""
    return f"跳过{_name(names, person)}：{SKIP_ZH.get(code, code)}"


@dataclass(frozen=True)
class Explanation:
    """Why a person holds a slot: a code with params, plus who was skipped and why."""

    code: str
    params: dict
    skipped: tuple[tuple[str, str], ...] = ()  # (person, skip code)

    def text(self, names: Mapping[str, str] | None = None) -> str:
        """Render in zh-CN; `names` maps person ids to display names."""
        params = dict(self.params)
        params["person"] = _name(names, params.get("person", ""))
        head = PICK_ZH.get(self.code, self.code).format(**params)
        return "；".join([head, *(skip_text(p, c, names) for p, c in self.skipped)])


class Assignment(NamedTuple):
    """One person on one post in one slot (a tuple: cheap to build by the million)."""

    day: date
    index: int
    post: str
    person: str
    day_class: str
    reason: str  # PICK_ZH code
    detail: int = 0  # debt left, or holiday count, depending on `reason`
    skipped: tuple[tuple[str, str], ...] = ()
    festival: str = ""

    @property
    def why(self) -> Explanation:
        """The structured explanation of this assignment."""
        params = {
            "person": self.person,
            "cls": DAY_CLASS_ZH.get(DayClass(self.day_class), self.day_class),
            "detail": self.detail,
            "festival": FESTIVAL_ZH.get(self.festival, self.festival),
            "post": self.post,
            "left": f"（仍欠{self.detail}次）" if self.reason == "debt" and self.detail else "",
        }
        return Explanation(self.reason, params, self.skipped)

    def text(self, names: Mapping[str, str] | None = None) -> str:
        """zh-CN 'why this person'."""
        return self.why.text(names)


class Gap(NamedTuple):
    """A slot below head-count or held by someone unavailable: an alert, never silent."""

    day: date
    index: int
    post: str
    missing: int
    reason: str  # GAP_ZH code
    blockers: tuple[tuple[str, str], ...] = ()  # (person, skip code) that could not serve
    required: int = 0

    def text(self, names: Mapping[str, str] | None = None, post_label: str = "") -> str:
        """zh-CN description naming the slot and why it is short."""
        person, why = (self.blockers[0] if self.blockers else ("", ""))
        head = GAP_ZH.get(self.reason, self.reason).format(
            post=post_label or self.post,
            missing=self.missing,
            have=self.required - self.missing,
            required=self.required,
            person=_name(names, person),
            why=SKIP_ZH.get(why, why),
        )
        slot = f"{self.day.isoformat()}" + (f" 第{self.index + 1}班" if self.index else "")
        rest = [skip_text(p, c, names) for p, c in self.blockers] if self.reason != "holder_unavailable" else []
        return "；".join([f"{slot} {head}", *rest])


@dataclass
class RosterPlan:
    """Output of `generate`: assignments, gaps and the state for the next run."""

    assignments: list[Assignment] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    state: dict[str, PostState] = field(default_factory=dict)  # post -> state
    checkpoints: dict[date, dict[str, str]] = field(default_factory=dict)  # day -> post -> state JSON after it
