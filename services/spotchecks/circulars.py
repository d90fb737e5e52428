"""Monthly circulars (通报) and the written explanations they trigger (书面说明)."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core import gongwen
from core.errors import Conflict, Invalid, NotFound
from core.settings import Settings
from models.directory import Person, Unit
from models.spotchecks.inspections import Circular, ExplanationRequest
from rules.spotchecks import explanations as explaining
from rules.spotchecks.outcomes import (
    CheckResult,
    Outcome,
    SpotCheckPolicy,
    circular_escalations,
    monthly_summary,
)
from services import audit
from services.access import Actor
from services.spotchecks import calls, docs, notes
from services.spotchecks.results import current_checks


def month_bounds(year: int, month: int, tz) -> tuple[datetime, datetime]:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Invalid(f"月份 {year}-{month} 无效 (no such month)", field="month")
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), 1 if month == 12 else month + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _results(session: Session, since: datetime, until: datetime) -> dict[str, list[CheckResult]]:
    out: dict[str, list[CheckResult]] = defaultdict(list)
    for c in current_checks(session, since=since, until=until):
        out[str(c.unit_id)].append(CheckResult(c.started_at, Outcome(c.outcome)))
    return out


def circular_view(session: Session, year: int, month: int, tz) -> dict:
    """Everything the circular shows, computed from today's results: ranked rows, failures named, who must explain.

    Only for issuing: an issued circular shows what it was issued with (`issued_view`).
    """
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
    return {**_compose(year, month, rows, [names.get(u, u) for u in escalate]), "escalate": escalate}


def _compose(year: int, month: int, rows: list[dict], explain_names: list[str]) -> dict:
    """The circular's wording around its rows."""
    total = sum(r["checks"] for r in rows)
    fails = sum(r["failures"] for r in rows)
    failed = [f"{r['unit']}：{r['problems']}" for r in rows if r["failures"] or r["deficiencies"]]
    explain = "、".join(explain_names)
    return {
        "title": f"关于{year}年{month}月值班电话抽查情况的通报", "year": year, "month": month, "rows": rows,
        "intro": (f"{year}年{month}月，县政府值班室对{len(rows)}个单位开展值班电话抽查{total}次，"
                  f"合格{total - fails}次，不合格{fails}次。现将有关情况通报如下。"),
        "failed": failed,
        "explanations": (f"{explain}本季度两次及以上抽查不合格，请单位主要负责人作出书面说明。" if explain else ""),
        "closing": "请各单位严格落实24小时值班和领导带班制度，确保值班电话畅通、在岗在位。",
    }


def issued_view(session: Session, circ: Circular, settings: Settings) -> dict:
    """The circular as issued (its stored content): later results, corrections and settings never change it.

    Adds `dated` (the 成文日期 as printed) to what was stored; a circular issued before its 文号, 主送 and 落款
    were kept shows no 文号 or 主送 and is signed by today's configured office."""
    tz = settings.tz
    if circ.content:
        view = dict(circ.content)
    else:  # issued before the content was kept: its frozen rows, and the units it asked to explain
        asked = session.exec(select(Unit.name).join(ExplanationRequest, ExplanationRequest.unit_id == Unit.id)
                             .where(ExplanationRequest.circular_id == circ.id).order_by(Unit.name)).all()
        view = {**_compose(circ.year, circ.month, list(circ.summary), list(asked)), "escalate": []}
    issued_on = circ.issued_at.astimezone(tz).date()
    view.setdefault("doc_number", circ.doc_number)
    view.setdefault("addressee", "")
    view.setdefault("office", settings.spotchecks.report_office)
    return {**view, "issued_on": issued_on, "dated": gongwen.chinese_date(issued_on)}


def docx_bytes(*, session: Session, circ: Circular, settings: Settings) -> bytes:
    """The issued .docx; rebuilt from the issued content when the file is gone (never from today's data)."""
    path = Path(settings.data_dir) / circ.doc_path
    if circ.doc_path and path.is_file():
        return path.read_bytes()
    return _docx(issued_view(session, circ, settings))


def _docx(view: dict) -> bytes:
    buf = io.BytesIO()
    docs.circular_doc(view, office=view["office"], dated=view["issued_on"]).save(buf)
    return buf.getvalue()


def _next_number(session: Session, year: int) -> int:
    """The next 文号 number of `year` (the year of issue): one more than the highest issued, from 1."""
    top = session.exec(select(func.max(Circular.number_seq)).where(Circular.number_year == year)).one()
    return (top or 0) + 1


def issue(*, session: Session, year: int, month: int, actor: str, now: datetime, settings: Settings) -> Circular:
    """Issue the month's circular (.docx) and open an explanation request for each unit that must explain.

    Refused when it was issued already, when the month has not started, and when the month has no check (an
    empty circular). It gets the next 文号 of the year of issue, kept with what it says (`content`)."""
    tz, sc = settings.tz, settings.spotchecks
    if session.exec(select(Circular).where(Circular.year == year, Circular.month == month)).first():
        raise Conflict(f"{year}-{month:02d} 的通报已印发 (the circular was issued already)", field="month")
    if month_bounds(year, month, tz)[0] > now:
        raise Invalid("该月尚未开始 (that month has not started)", field="month")
    view = circular_view(session, year, month, tz)
    if not sum(r["checks"] for r in view["rows"]):
        raise Invalid(f"{year}年{month}月没有值班电话抽查记录，不能印发空的通报 "
                      f"(no spot check in {year}-{month:02d}: an empty circular is not issued)", field="month")
    issued_on = now.astimezone(tz).date()
    rel = Path("circulars") / f"circular-{year}-{month:02d}.docx"
    for attempt in range(3):  # a circular issued at the same moment for another month may take our number
        seq = _next_number(session, issued_on.year)
        content = {**view, "doc_number": gongwen.doc_number(sc.circular_code, issued_on.year, seq),
                   "addressee": sc.circular_addressee.strip().rstrip("：:"), "office": sc.report_office}
        data = _docx({**content, "issued_on": issued_on})
        digest = hashlib.sha256(data).hexdigest()
        circ = Circular(year=year, month=month, summary=view["rows"], content=content, doc_path=rel.as_posix(),
                        doc_sha256=digest, doc_number=content["doc_number"], number_year=issued_on.year,
                        number_seq=seq, issued_by=actor, issued_at=now)
        try:
            with session.begin_nested():
                session.add(circ)
                session.flush()
            break
        except IntegrityError:
            if session.exec(select(Circular).where(Circular.year == year, Circular.month == month)).first():
                raise Conflict(f"{year}-{month:02d} 的通报已印发 (the circular was issued already)",
                               field="month") from None
            if attempt == 2:
                raise
    docs.write(data, Path(settings.data_dir) / rel)  # only once the number is ours
    audit.record(session=session, actor=actor, action="issue", entity="circular", entity_id=circ.id, after=circ,
                 at=now, note=notes.circular(year, month, circ.doc_number, digest[:16]))
    for unit_id in view["escalate"]:
        request_explanation(session=session, unit_id=uuid.UUID(unit_id), year=year, quarter=(month - 1) // 3 + 1,
                            circular=circ, actor=actor, now=now, settings=settings)
    return circ


def request_explanation(*, session: Session, unit_id: uuid.UUID, year: int, quarter: int, circular: Circular | None,
                        actor: str, now: datetime, settings: Settings) -> ExplanationRequest | None:
    """Ask the unit head for a written explanation (once per unit and quarter), due in N days, and notify them."""
    tz = settings.tz
    if session.exec(select(ExplanationRequest).where(ExplanationRequest.unit_id == unit_id,
                                                     ExplanationRequest.year == year,
                                                     ExplanationRequest.quarter == quarter)).first():
        return None
    q_start, q_end = (t.astimezone(UTC) for t in explaining.quarter_span(year, quarter, tz))
    fails = [r for r in _results(session, q_start, q_end).get(str(unit_id), [])  # the quarter's, not up to now
             if r.outcome in SpotCheckPolicy().failures]
    unit = session.get(Unit, unit_id)
    head = session.exec(select(Person).where(Person.unit_id == unit_id, Person.is_unit_head, Person.active)).first()
    due = explaining.due_at(now, settings.spotchecks.explanation_days)
    req = ExplanationRequest(unit_id=unit_id, year=year, quarter=quarter, failures=len(fails), requested_at=now,
                             due_at=due, head_person_id=head.id if head else None,
                             circular_id=circular.id if circular else None)
    session.add(req)
    session.flush()
    if head is not None:
        req.delivery_id = calls.notify_person(
            session, head, source_id=req.id, step="explanation", subject=f"{unit.name}值班抽查书面说明",
            text=(f"{head.name}同志：{unit.name}{year}年第{quarter}季度值班电话抽查{len(fails)}次不合格，"
                  f"请于{due.astimezone(tz):%m月%d日}前作出书面说明。"), now=now)
        session.add(req)
        session.flush()
    audit.record(session=session, actor=actor, action="request", entity="explanation_request", entity_id=req.id,
                 unit_id=unit_id, after=req, at=now, note=notes.explanation(year, quarter, len(fails)))
    return req


def owed(req: ExplanationRequest) -> explaining.Owed:
    return explaining.Owed(req.status == "answered", req.requested_at, req.due_at, req.reminded_at)


def due_of(req: ExplanationRequest, settings: Settings) -> datetime:
    """When the explanation is (or was) due."""
    return explaining.effective_due(owed(req), settings.spotchecks.explanation_days)


def remind_overdue(*, session: Session, now: datetime, settings: Settings) -> int:
    """Remind each head whose explanation is past due and not recorded (once); returns how many were reminded."""
    days, tz = settings.spotchecks.explanation_days, settings.tz
    n = 0
    for req in session.exec(select(ExplanationRequest).where(ExplanationRequest.status == "requested",
                                                             col(ExplanationRequest.reminded_at).is_(None))).all():
        if not explaining.remind_now(owed(req), now, days):
            continue
        unit, head = session.get(Unit, req.unit_id), None
        if req.head_person_id:
            head = session.get(Person, req.head_person_id)
        due = explaining.effective_due(owed(req), days).astimezone(tz)
        req.reminded_at = now
        if head is not None:
            calls.notify_person(session, head, source_id=req.id, step="explanation-reminder",
                                subject=f"{unit.name}值班抽查书面说明已逾期",
                                text=(f"{head.name}同志：{unit.name}{req.year}年第{req.quarter}季度值班电话抽查书面说明"
                                      f"应于{due:%m月%d日}前报送，至今未收到，请尽快报送。"), now=now)
        session.add(req)
        session.flush()
        audit.record(session=session, actor="system:spotcheck", action="remind", entity="explanation_request",
                     entity_id=req.id, unit_id=req.unit_id, after=req, at=now, note=notes.overdue(f"{due:%Y-%m-%d}"))
        n += 1
    return n


def overdue_explanations(session: Session, now: datetime, settings: Settings,
                         scope: uuid.UUID | None = None) -> list[ExplanationRequest]:
    """Requests past their due date with no explanation recorded (a unit reporter's scope: their unit's)."""
    q = select(ExplanationRequest).where(ExplanationRequest.status == "requested")
    if scope is not None:
        q = q.where(ExplanationRequest.unit_id == scope)
    days = settings.spotchecks.explanation_days
    return [r for r in session.exec(q) if explaining.overdue(owed(r), now, days)]


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
    missing = f"未找到该说明请求 (explanation request {request_id} not found)"
    if req is None:
        raise NotFound(missing, field="request_id")
    by.check_unit(req.unit_id, field="request_id", reason=missing)
    actor = by.name
    if req.status == "answered":
        raise Conflict("该说明请求已答复 (this request was answered already)", field="request_id")
    if not text.strip():
        raise Invalid("说明内容不能为空 (the explanation is empty)", field="answer")
    before = req.model_dump(mode="json")
    req.status, req.answer, req.answered_by, req.answered_at = "answered", text.strip()[:4000], actor, now
    session.add(req)
    session.flush()
    audit.record(session=session, actor=actor, action="answer", entity="explanation_request", entity_id=req.id,
                 unit_id=req.unit_id, before=before, after=req, at=now)
    return req
