"""Automated checks that cannot be placed, and overdue written explanations, are never silent: dashboard alerts
and the /metrics gauge.

Two causes, two codes: no voice channel is configured (the due automated checks show up in the duty officer's
"call now" list instead), and calls the voice channel could not place (no provider call id; the check is handed
over to the duty officer once its tries are spent). Both clear when the officer records the results.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from models.spotchecks.checks import CheckMode, IvrAttempt, PlannedCheck, PlannedStatus
from services import alerts
from services.spotchecks import calls
from services.spotchecks.circulars import overdue_explanations

OPEN = (PlannedStatus.planned, PlannedStatus.calling)


def _due_automated(session: Session, now: datetime) -> int:
    return session.exec(select(func.count()).select_from(PlannedCheck).where(
        PlannedCheck.mode == CheckMode.automated, PlannedCheck.status == PlannedStatus.planned,
        PlannedCheck.planned_at <= now)).one()


def _not_placed(session: Session) -> int:
    """Open checks with a call the channel could not place (failed without a provider call id)."""
    ids = select(IvrAttempt.planned_check_id).where(IvrAttempt.result == "failed", IvrAttempt.provider_call_id == "")
    return session.exec(select(func.count()).select_from(PlannedCheck).where(
        col(PlannedCheck.status).in_(OPEN), col(PlannedCheck.id).in_(ids))).one()


def spotcheck_calls(session: Session, now: datetime, settings, scope=None) -> list[alerts.Alert]:
    """Due automated checks with no voice channel, and calls the voice channel failed to place (the duty office's:
    plans are secret from units)."""
    out = []
    if scope is not None:
        return out
    if not calls.voice_available(session, settings.spotchecks):
        n = _due_automated(session, now)
        if n:
            out.append(alerts.Alert(
                "spotcheck_no_voice_channel", "warning",
                f"{n} 项自动抽查无法拨出：未配置语音渠道，已转入“请立即致电”人工抽查",
                f"{n} automated spot check(s) cannot be placed: no voice channel; moved to the call-now list",
                count=n, link="/spotchecks"))
    n = _not_placed(session)
    if n:
        out.append(alerts.Alert(
            "spotcheck_call_not_placed", "critical",
            f"{n} 项自动抽查的呼叫未能发起（语音渠道故障，请检查渠道）；用尽重试后转入“请立即致电”人工抽查",
            f"{n} automated spot check call(s) could not be placed (voice channel failing); "
            "handed to the call-now list once retries are spent",
            count=n, link="/deliveries?state=failed"))
    return out


def explanations_overdue(session: Session, now: datetime, settings, scope=None) -> list[alerts.Alert]:
    """Written explanations past their due date with none recorded (a unit reporter sees their unit's)."""
    n = len(overdue_explanations(session, now, settings, scope))
    if not n:
        return []
    return [alerts.Alert("spotcheck_explanation_overdue", "warning",
                         f"{n} 份值班抽查书面说明已逾期未报送（已向单位主要负责人催报）",
                         f"{n} written spot-check explanation(s) overdue (the unit heads were reminded)",
                         count=n, link="/spotchecks/explanations")]
