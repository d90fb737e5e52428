"""Grade suggestion (定级建议) from casualties and economic loss; the officer confirms or overrides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from rules.incidents.types import UNVERIFIED, Casualty, Category, Grade, is_known


@dataclass(frozen=True)
class GradeThresholds:
    """Minimum figures per grade, boundaries included (DOMAIN.md accident table)."""

    deaths: Mapping[Grade, int] = field(
        default_factory=lambda: {Grade.I: 30, Grade.II: 10, Grade.III: 3})
    seriously_injured: Mapping[Grade, int] = field(
        default_factory=lambda: {Grade.I: 100, Grade.II: 50, Grade.III: 10})
    economic_loss_yuan: Mapping[Grade, int] = field(
        default_factory=lambda: {Grade.I: 100_000_000, Grade.II: 50_000_000, Grade.III: 10_000_000})
    hand_graded: frozenset[Category] = frozenset({Category.social_security})
    # the national grading counts 死亡（含失踪）: the missing are counted with the dead (生产安全事故报告和调查处理条例
    # art. 3, 国家突发地质灾害应急预案 "因灾死亡和失踪"); an office that grades by deaths alone turns this off
    missing_with_deaths: bool = True


CRITERION_LABELS = {"deaths": "死亡人数", "deaths_missing": "死亡（含失踪）人数", "missing": "失踪人数",
                    "seriously_injured": "重伤人数", "economic_loss_yuan": "直接经济损失"}
_UNITS = {"deaths": "人", "deaths_missing": "人", "missing": "人", "seriously_injured": "人", "economic_loss_yuan": "元"}


@dataclass(frozen=True)
class Criterion:
    """A figure that reached the suggested grade: its name, value and that grade's minimum."""

    name: str  # deaths | deaths_missing | seriously_injured | economic_loss_yuan
    value: int
    minimum: int


@dataclass(frozen=True)
class GradeSuggestion:
    """A suggested grade with the criterion that decided it; grade None means 'grade by hand'.

    `basis()` is the reason as data (what the console words in the page's language); `reason` the same in zh-CN."""

    grade: Grade | None
    reason: str  # zh-CN, shown next to the suggestion (API, CLI, audit log)
    decided_by: tuple[str, ...] = ()  # criteria that reached the grade
    ignored_unverified: tuple[str, ...] = ()  # criteria left out because 待核实
    reached: tuple[Criterion, ...] = ()  # the deciding figures with their minimums
    below: Grade | None = None  # nothing reached: the least severe grade above IV that was not reached
    category: Category | None = None  # a hand-graded category

    @property
    def by_hand(self) -> bool:
        return self.grade is None

    def basis(self) -> dict:
        """The reason, JSON-ready: {"code": "by_hand" | "reached" | "below", ...} (stored on the incident)."""
        if self.grade is None:
            return {"code": "by_hand", "category": self.category.value if self.category else ""}
        out: dict = {"code": "reached" if self.reached else "below", "grade": int(self.grade),
                     "unverified": list(self.ignored_unverified)}
        if self.reached:
            out["criteria"] = [{"name": c.name, "value": c.value, "minimum": c.minimum} for c in self.reached]
        else:
            out["below"] = int(self.below or Grade.III)
        return out


def reason_zh(basis: dict) -> str:
    """The zh-CN sentence of a grade suggestion's basis."""
    if basis["code"] == "by_hand":
        return f"{Category(basis['category']).label}由人工定级"
    grade = Grade(basis["grade"])
    if basis["code"] == "reached":
        parts = [f"{CRITERION_LABELS[c['name']]}{c['value']}{_UNITS[c['name']]}（≥{c['minimum']}{_UNITS[c['name']]}）"
                 for c in basis["criteria"]]
        text = "、".join(parts) + f"，达到{grade.label}（{grade.roman}级）标准"
    else:
        text = f"各项数据均未达到{Grade(basis['below']).label}标准，建议{Grade.IV.label}（Ⅳ级）"
    if basis.get("unverified"):
        text += "；" + "、".join(CRITERION_LABELS[n] for n in basis["unverified"]) + "待核实，未计入"
    return text


def _minimums(t: GradeThresholds, name: str) -> Mapping[Grade, int]:
    return t.deaths if name == "deaths_missing" else getattr(t, name)


def _grade_for(value: int, minimums: Mapping[Grade, int]) -> Grade:
    for grade in sorted(minimums):  # most severe first
        if value >= minimums[grade]:
            return grade
    return Grade.IV


def suggest_grade(
    category: Category,
    deaths: Casualty,
    serious_injuries: Casualty,
    economic_loss_yuan: Casualty,  # yuan, or 待核实
    thresholds: GradeThresholds | None = None,
    *,
    missing: Casualty = 0,
) -> GradeSuggestion:
    """Suggest a grade: each known figure gives a grade, the most severe wins; 待核实 ignored.

    The missing count with the dead (死亡（含失踪）) unless the thresholds say otherwise: 2 dead and 3 missing reach
    grade III's 3. A 待核实 missing count leaves the dead alone and is named in the reason."""
    t = thresholds or GradeThresholds()
    if category in t.hand_graded:
        s = GradeSuggestion(None, "", category=category)
        return replace(s, reason=reason_zh(s.basis()))
    figures = {"deaths": deaths, "seriously_injured": serious_injuries, "economic_loss_yuan": economic_loss_yuan}
    if t.missing_with_deaths:
        figures["missing"] = missing
    ignored = tuple(name for name, v in figures.items() if v is UNVERIFIED)
    known: dict[str, int] = {}
    for name, v in figures.items():
        if v is UNVERIFIED:
            continue
        if not is_known(v) or v < 0:
            raise ValueError(f"{name} must be a non-negative count or 待核实, got {v!r}")
        known[name] = v
    lost = known.pop("missing", 0)
    if lost:  # the dead and the missing are one criterion, on the deaths thresholds, in the deaths' place
        known = {"deaths_missing": known.pop("deaths", 0) + lost, **known}
    per_criterion = {name: _grade_for(v, _minimums(t, name)) for name, v in known.items()}
    best = min(per_criterion.values(), default=Grade.IV)
    decided = tuple(n for n, g in per_criterion.items() if g == best) if best != Grade.IV else ()
    reached = tuple(Criterion(n, known[n], _minimums(t, n)[best]) for n in decided)
    below = None if decided else max(t.deaths)  # the least severe graded level above IV
    s = GradeSuggestion(best, "", decided, ignored, reached, below)
    return replace(s, reason=reason_zh(s.basis()))
