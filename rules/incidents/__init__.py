"""Incident rules in one import: types, grade suggestion, deadlines, follow-ups, checks and audit flags.

The code lives in incident_types, incident_grade, report_deadlines, incident_checks and
audit_flags; this module only gathers the public names so callers write `from rules.incidents import ...`.
"""

from rules.incidents.checks import (
    FINAL_REPORT_ELEMENTS,
    FIRST_REPORT_ELEMENTS,
    Element,
    Problem,
    missing_elements,
    validate_incident,
)
from rules.incidents.deadlines import (
    FOLLOWUP_DEADLINES,
    Deadline,
    DeadlinePolicy,
    FollowupDue,
    FollowupPolicy,
    Lateness,
    alarm_due,
    casualty_change_followup,
    chinese_numeral,
    followup_title,
    lateness,
    meets,
    meets_followup_slot,
    next_followups,
    previous_followup,
    report_deadlines,
    unverified_reminders,
)
from rules.incidents.flags import Flag, FlagCode, audit_flags
from rules.incidents.grade import Criterion, GradeSuggestion, GradeThresholds, reason_zh, suggest_grade
from rules.incidents.types import (
    CATEGORY_LABELS,
    GRADE_LABELS,
    UNVERIFIED,
    Casualties,
    Casualty,
    Category,
    Grade,
    Incident,
    Report,
    ReportChannel,
    ReportKind,
    Unverified,
    is_known,
)

__all__ = [
    "CATEGORY_LABELS", "FINAL_REPORT_ELEMENTS", "FIRST_REPORT_ELEMENTS", "FOLLOWUP_DEADLINES", "GRADE_LABELS",
    "UNVERIFIED", "Casualties", "Casualty", "Category", "Criterion", "Deadline", "DeadlinePolicy", "Element", "Flag",
    "FlagCode", "FollowupDue", "FollowupPolicy", "Grade", "GradeSuggestion", "GradeThresholds", "Incident",
    "Lateness", "Problem", "Report", "ReportChannel", "ReportKind", "Unverified", "alarm_due", "audit_flags",
    "casualty_change_followup", "chinese_numeral", "followup_title", "is_known", "lateness", "meets",
    "meets_followup_slot", "missing_elements", "next_followups", "previous_followup", "reason_zh", "report_deadlines", "suggest_grade", "unverified_reminders",
    "validate_incident",
]
