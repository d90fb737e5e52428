"""Grade suggestion (定级建议) from casualties and economic loss; the officer confirms or overrides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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


CRITERION_LABELS = {"deaths": "死亡人数", "seriously_injured": "重伤人数", "economic_loss_yuan": "直接经济损失"}
_UNITS = {"deaths": "人", "seriously_injured": "人", "economic_loss_yuan": "元"}


@dataclass(frozen=True)
class GradeSuggestion:
    """A suggested grade with the criterion that decided it; grade None means 'grade by hand'."""

    grade: Grade | None
    reason: str  # zh-CN, shown next to the suggestion
    decided_by: tuple[str, ...] = ()  # criteria that reached the grade
    ignored_unverified: tuple[str, ...] = ()  # criteria left out because 待核实

    @property
    def by_hand(self) -> bool:
        return self.grade is None


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
) -> GradeSuggestion:
    """Suggest a grade: each known figure gives a grade, the most severe wins; 待核实 ignored."""
    t = thresholds or GradeThresholds()
    if category in t.hand_graded:
        return GradeSuggestion(None, f"{category.label}由人工定级")
    figures = {"deaths": deaths, "seriously_injured": serious_injuries, "economic_loss_yuan": economic_loss_yuan}
    ignored = tuple(name for name, v in figures.items() if v is UNVERIFIED)
    known: dict[str, int] = {}
    for name, v in figures.items():
        if v is UNVERIFIED:
            continue
        if not is_known(v) or v < 0:
            raise ValueError(f"{name} must be a non-negative count or 待核实, got {v!r}")
        known[name] = v
    per_criterion = {name: _grade_for(v, getattr(t, name)) for name, v in known.items()}
    best = min(per_criterion.values(), default=Grade.IV)
    decided = tuple(n for n, g in per_criterion.items() if g == best) if best != Grade.IV else ()
    if decided:
        parts = [
            f"{CRITERION_LABELS[n]}{known[n]}{_UNITS[n]}（≥{getattr(t, n)[best]}{_UNITS[n]}）" for n in decided
        ]
        reason = "、".join(parts) + f"，达到{best.label}（{best.roman}级）标准"
    else:
        lowest = max(t.deaths)  # the least severe graded level above IV
        reason = f"各项数据均未达到{lowest.label}标准，建议{Grade.IV.label}（Ⅳ级）"
    if ignored:
        reason += "；" + "、".join(CRITERION_LABELS[n] for n in ignored) + "待核实，未计入"
    return GradeSuggestion(best, reason, decided, ignored)
