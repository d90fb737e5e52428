"""Monthly circulars (通报) and the written explanations they trigger (书面说明)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from core.errors import Conflict, Invalid, NotFound
from core.settings import Settings
from models.directory import Person, Unit
from models.spotchecks.inspections import Circular, ExplanationRequest
from rules.spotchecks.outcomes import (
    CheckResult,
    Outcome,
    SpotCheckPolicy,
    circular_escalations,
    monthly_summary,
)
from services import audit
from services.access import Actor
from services.spotchecks import calls, docs
from services.spotchecks.results import current_checks


def month_bounds(year: int, month: int, tz) -> tuple[datetime, datetime]:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Invalid(f"no such month {year}-{month}", field="month")
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), 1 if month == 12 else month + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _results(session: Session, since: datetime, until: datetime) -> dict[str, list[CheckResult]]:
    out: dict[str, list[CheckResult]] = defaultdict(list)
    for c in current_checks(session, since=since, until=until):
        out[str(c.unit_id)].append(CheckResult(c.started_at, Outcome(c.outcome)))
    return out


def circular_view(session: Session, year: int, month: int, tz) -> dict:
    """Everything the circular shows: ranked rows, failures named, units that must explain."""
    policy = SpotCheckPolicy()
    start, end = month_bounds(year, month, tz)
    q = (month - 1) // 3 + 1
    q_start, _ = month_bounds(year, 3 * q - 2, tz)
    names = {str(u.id): u.name for u in session.exec(select(Unit))}
    summary = monthly_summary(_results(session, start, end), year, month, policy, tz)
    escalate = circular_escalations(_results(session, q_start, end), (year, q), policy, tz)
    rows = [{"unit_id": r.unit_id, "unit": names.get(r.unit_id, r.unit_id), "rank": r.rank, "checks": r.checks,
             "failures": r.failures, "deficiencies": r.deficiencies, "pass_rate": round(r.pass_rate, 4),
             "pass_rate_text": f"{r.pass_rate:.0%}",
             "problems": "、".join(f"{Outcome(o).label}{n}次" for o, n in sorted(r.outcomes.items())
                                  if Outcome(o) is not Outcome.normal)} for r in summary]
    total = sum(r["checks"] for r in rows)
    fails = sum(r["failures"] for r in rows)
    failed = [f"{r['unit']}：{r['problems']}" for r in rows if r["failures"] or r["deficiencies"]]
    explain = "、".join(names.get(u, u) for u in escalate)
    return {
        "title": f"关于{year}年{month}月值班电话抽查情况的通报", "year": year, "month": month, "rows": rows,
        "intro": (f"{year}年{month}月，县政府值班室对{len(rows)}个单位开展值班电话抽查{total}次，"
                  f"合格{total - fails}次，不合格{fails}次。现将有关情况通报如下。"),
        "failed": failed, "escalate": escalate,
        "explanations": (f"{explain}本季度两次及以上抽查不合格，请单位主要负责人作出书面说明。" if escalate else ""),
        "closing": "请各单位严格落实24小时值班和领导带班制度，确保值班电话畅通、在岗在位。",
    }


def issue(*, session: Session, year: int, month: int, actor: str, now: datetime, settings: Settings) -> Circular:
    """Issue the month's circular (.docx) and open an explanation request for each unit that must explain."""
    tz = settings.tz
    if session.exec(select(Circular).where(Circular.year == year, Circular.month == month)).first():
        raise Conflict(f"the circular for {year}-{month:02d} was issued already", field="month")
    if month_bounds(year, month, tz)[0] > now:
        raise Invalid("that month has not started", field="month")
    view = circular_view(session, year, month, tz)
    rel = Path("circulars") / f"circular-{year}-{month:02d}.docx"
    digest = docs.save(docs.circular_doc(view), Path(settings.data_dir) / rel)
    circ = Circular(year=year, month=month, summary=view["rows"], doc_path=rel.as_posix(), doc_sha256=digest,
                    issued_by=actor, issued_at=now)
    session.add(circ)
    session.flush()
    audit.record(session=session, actor=actor, action="issue", entity="circular", entity_id=circ.id, after=circ,
                 at=now, note=f"{year}-{month:02d} sha256={digest[:16]}")
    for unit_id in view["escalate"]:
        request_explanation(session=session, unit_id=uuid.UUID(unit_id), year=year, quarter=(month - 1) // 3 + 1,
                            circular=circ, actor=actor, now=now, settings=settings)
    return circ


def request_explanation(*, session: Session, unit_id: uuid.UUID, year: int, quarter: int, circular: Circular | None,
                        actor: str, now: datetime, settings: Settings) -> ExplanationRequest | None:
    """Ask the unit head for a written explanation (once per unit and quarter) and notify them."""
    tz = settings.tz
    if session.exec(select(ExplanationRequest).where(ExplanationRequest.unit_id == unit_id,
                                                     ExplanationRequest.year == year,
                                                     ExplanationRequest.quarter == quarter)).first():
        return None
    q_start, _ = month_bounds(year, 3 * quarter - 2, tz)
    fails = [r for r in _results(session, q_start, now).get(str(unit_id), [])
             if r.outcome in SpotCheckPolicy().failures]
    unit = session.get(Unit, unit_id)
    head = session.exec(select(Person).where(Person.unit_id == unit_id, Person.is_unit_head, Person.active)).first()
    req = ExplanationRequest(unit_id=unit_id, year=year, quarter=quarter, failures=len(fails), requested_at=now,
                             head_person_id=head.id if head else None, circular_id=circular.id if circular else None)
    session.add(req)
    session.flush()
    if head is not None:
        due = (now + timedelta(days=settings.spotchecks.explanation_days)).astimezone(tz)
        req.delivery_id = calls.notify_person(
            session, head, source_id=req.id, step="explanation", subject=f"{unit.name}值班抽查书面说明",
            text=(f"{head.name}同志：{unit.name}{year}年第{quarter}季度值班电话抽查{len(fails)}次不合格，"
                  f"请于{due:%m月%d日}前作出书面说明。"), now=now)
        session.add(req)
        session.flush()
    audit.record(session=session, actor=actor, action="request", entity="explanation_request", entity_id=req.id,
                 unit_id=unit_id, after=req, at=now, note=f"{year}Q{quarter} failures={len(fails)}")
    return req


def explanations_for(*, session: Session, by: Actor) -> list[ExplanationRequest]:
    """Explanation requests `by` may see (a unit reporter: their unit's), newest first."""
    q = select(ExplanationRequest).order_by(ExplanationRequest.requested_at.desc())
    if by.scope is not None:
        q = q.where(ExplanationRequest.unit_id == by.scope)
    return list(session.exec(q))


def answer_explanation(*, session: Session, request_id: uuid.UUID, text: str, by: Actor,
                       now: datetime) -> ExplanationRequest:
    """Record the unit's written explanation (the unit's reporter or the office); closes the request."""
    req = session.get(ExplanationRequest, request_id)
    if req is None or not by.sees(req.unit_id):
        raise NotFound(f"explanation request {request_id} not found", field="request_id")
    actor = by.name
    if req.status == "answered":
        raise Conflict("this request was answered already", field="request_id")
    if not text.strip():
        raise Invalid("the explanation is empty", field="answer")
    before = req.model_dump(mode="json")
    req.status, req.answer, req.answered_by, req.answered_at = "answered", text.strip()[:4000], actor, now
    session.add(req)
    session.flush()
    audit.record(session=session, actor=actor, action="answer", entity="explanation_request", entity_id=req.id,
                 unit_id=req.unit_id, before=before, after=req, at=now)
    return req
