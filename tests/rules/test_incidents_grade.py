"""Grade suggestion: a table of cases plus a sweep over every boundary ±1."""

import itertools

import pytest

from rules.incidents import UNVERIFIED, Category, Grade, GradeThresholds, suggest_grade

YI, WAN = 100_000_000, 10_000


def expected(deaths, injured, loss):
    """DOMAIN.md written out literally, independent of GradeThresholds."""
    grades = []
    if deaths is not UNVERIFIED:
        grades.append(1 if deaths >= 30 else 2 if deaths >= 10 else 3 if deaths >= 3 else 4)
    if injured is not UNVERIFIED:
        grades.append(1 if injured >= 100 else 2 if injured >= 50 else 3 if injured >= 10 else 4)
    if loss is not UNVERIFIED:
        grades.append(1 if loss >= YI else 2 if loss >= 5000 * WAN else 3 if loss >= 1000 * WAN else 4)
    return Grade(min(grades, default=4))


@pytest.mark.parametrize("deaths,injured,loss,grade,decided", [
    (30, 0, 0, Grade.I, ("deaths",)),
    (29, 0, 0, Grade.II, ("deaths",)),
    (10, 0, 0, Grade.II, ("deaths",)),
    (9, 0, 0, Grade.III, ("deaths",)),
    (3, 0, 0, Grade.III, ("deaths",)),
    (2, 9, 1000 * WAN - 1, Grade.IV, ()),
    (0, 100, 0, Grade.I, ("seriously_injured",)),
    (0, 0, YI, Grade.I, ("economic_loss_yuan",)),
    (3, 50, 0, Grade.II, ("seriously_injured",)),  # the highest criterion wins
    (10, 50, 5000 * WAN, Grade.II, ("deaths", "seriously_injured", "economic_loss_yuan")),
    (UNVERIFIED, 10, 0, Grade.III, ("seriously_injured",)),
])
def test_table(deaths, injured, loss, grade, decided):
    s = suggest_grade(Category.accident, deaths, injured, loss)
    assert (s.grade, s.decided_by) == (grade, decided)


def test_reason_names_the_deciding_criterion_and_the_unverified_ones():
    s = suggest_grade(Category.accident, UNVERIFIED, 60, UNVERIFIED)
    assert s.grade is Grade.II
    assert "重伤人数60人（≥50人）" in s.reason and "重大" in s.reason
    assert s.ignored_unverified == ("deaths", "economic_loss_yuan")
    assert "死亡人数、直接经济损失待核实" in s.reason


def test_social_security_is_graded_by_hand_whatever_the_figures():
    s = suggest_grade(Category.social_security, 100, 100, YI)
    assert s.grade is None and s.by_hand and "人工定级" in s.reason


def test_thresholds_are_configurable():
    t = GradeThresholds(deaths={Grade.I: 20, Grade.II: 5, Grade.III: 1})
    assert suggest_grade(Category.accident, 1, 0, 0, t).grade is Grade.III
    assert suggest_grade(Category.accident, 1, 0, 0).grade is Grade.IV


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        suggest_grade(Category.accident, -1, 0, 0)


def _around(*bounds):
    return sorted({max(0, b + d) for b in bounds for d in (-1, 0, 1)} | {UNVERIFIED}, key=str)


def test_sweep_every_boundary_and_category():
    deaths = _around(3, 10, 30)
    injured = _around(10, 50, 100)
    loss = _around(1000 * WAN, 5000 * WAN, YI)
    checked = 0
    for cat, d, i, loss_ in itertools.product(Category, deaths, injured, loss):
        s = suggest_grade(cat, d, i, loss_)
        if cat is Category.social_security:
            assert s.grade is None
            continue
        assert s.grade == expected(d, i, loss_), (cat, d, i, loss_)
        assert all(getattr(GradeThresholds(), c)[s.grade] <= {"deaths": d, "seriously_injured": i,
                   "economic_loss_yuan": loss_}[c] for c in s.decided_by)
        checked += 1
    assert checked == 4 * 10 ** 3


# ---- the missing count with the dead (死亡（含失踪）): the night tester's 2 dead + 3 missing landslide ----

def test_the_missing_count_with_the_dead():
    s = suggest_grade(Category.natural_disaster, 2, 0, 0, missing=3)
    assert s.grade is Grade.III and s.decided_by == ("deaths_missing",)
    assert "死亡（含失踪）人数5人（≥3人）" in s.reason
    assert suggest_grade(Category.accident, 8, 0, 0, missing=2).grade is Grade.II  # 10 dead or missing


def test_a_missing_count_to_be_verified_is_named_and_leaves_the_dead_alone():
    s = suggest_grade(Category.accident, 2, 0, 0, missing=UNVERIFIED)
    assert s.grade is Grade.IV and "失踪人数" in s.reason and "待核实" in s.reason


def test_an_office_may_grade_by_deaths_alone():
    t = GradeThresholds(missing_with_deaths=False)
    assert suggest_grade(Category.natural_disaster, 2, 0, 0, t, missing=3).grade is Grade.IV
