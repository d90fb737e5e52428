"""Plain data for incidents (突发事件) and their reports (信息报送): enums and records, no logic."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum, IntEnum, StrEnum


class Category(StrEnum):
    """Incident category (突发事件应对法 art. 2, plus online public opinion)."""

    natural_disaster = "natural_disaster"
    accident = "accident"
    public_health = "public_health"
    social_security = "social_security"
    public_opinion = "public_opinion"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.natural_disaster: "自然灾害",
    Category.accident: "事故灾难",
    Category.public_health: "公共卫生事件",
    Category.social_security: "社会安全事件",
    Category.public_opinion: "网络舆情",
}


class Grade(IntEnum):
    """Incident grade; a lower number is more severe (I 特别重大 … IV 一般)."""

    I = 1  # noqa: E741 - the official roman numeral
    II = 2
    III = 3
    IV = 4

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]

    @property
    def roman(self) -> str:
        return ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ")[self.value - 1]

    def at_least(self, other: Grade) -> bool:
        """True when this grade is as severe as `other` or more (III+ means I, II, III)."""
        return self.value <= other.value


GRADE_LABELS = {Grade.I: "特别重大", Grade.II: "重大", Grade.III: "较大", Grade.IV: "一般"}


class Unverified(Enum):
    """The 待核实 marker: a figure the reporter does not know yet."""

    UNVERIFIED = "待核实"

    def __str__(self) -> str:
        return self.value


UNVERIFIED = Unverified.UNVERIFIED
Casualty = int | Unverified  # a count, or 待核实


def is_known(value: Casualty | None) -> bool:
    """True for a real count (not 待核实, not absent)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Casualties:
    """Casualty figures of one report; each a count or 待核实."""

    deaths: Casualty = 0
    seriously_injured: Casualty = 0
    injured: Casualty = 0
    missing: Casualty = 0

    def unverified(self) -> tuple[str, ...]:
        """Names of the figures still 待核实."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is UNVERIFIED)


CASUALTY_LABELS = {"deaths": "死亡", "seriously_injured": "重伤", "injured": "受伤", "missing": "失联"}
# Plausible bounds of what a report can say: beyond them a figure is a typing slip (or a probe), never a real
# event, and it would grade a fake 特别重大 incident. Times: the service's own era.
MAX_PERSONS = 1_000_000
MAX_LOSS_YUAN = 10**13
YEARS = (2000, 2100)


class ReportKind(StrEnum):
    first = "first"  # 首报
    followup = "followup"  # 续报
    final = "final"  # 终报

    @property
    def label(self) -> str:
        return {"first": "首报", "followup": "续报", "final": "终报"}[self.value]


class ReportChannel(StrEnum):
    phone = "phone"  # 电话报告
    written = "written"  # 书面报告

    @property
    def label(self) -> str:
        return {"phone": "电话报告", "written": "书面报告"}[self.value]


@dataclass(frozen=True)
class Report:
    """One report in an incident's chain; unknown elements are None (never block saving)."""

    kind: ReportKind
    reported_at: datetime  # when it went upward
    channel: ReportChannel = ReportChannel.written
    seq: int = 0  # follow-up number (续报N), 0 for first/final
    received_at: datetime | None = None
    source: str | None = None
    occurred_at: datetime | None = None
    place: str | None = None
    category: Category | None = None
    casualties: Casualties | None = None
    scope: str | None = None
    measures: str | None = None
    leader_on_site: str | None = None
    reporter: str | None = None
    reporter_contact: str | None = None
    # final-report (终报) elements
    situation: str | None = None
    handling: str | None = None
    cause: str | None = None
    aftermath: str | None = None


@dataclass(frozen=True)
class Incident:
    """What the office knows of an incident, independent of its reports."""

    category: Category
    received_at: datetime  # 接报: the clock starts here
    occurred_at: datetime | None = None
    grade: Grade | None = None
    suggested_grade: Grade | None = None
    grade_override_reason: str = ""
    sensitive: bool = False
    learned_from_other_channel: bool = False  # e.g. media or a superior, not the unit's report
    casualties: Casualties | None = None
    economic_loss_yuan: int | None = None  # direct economic loss, when known (a grading criterion)
    grade_confirmed_at: datetime | None = None  # the office's latest 确认定级 (a review of the grade)
