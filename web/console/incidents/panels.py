"""The incidents' dashboard panels: open incidents with their countdowns, pending instructions and deadlines.

Rows are parts (markup for the structure, `data` for what people wrote, `Say` for words) put into the page's
language when the dashboard is rendered (`render.say`)."""

from __future__ import annotations

from markupsafe import Markup
from sqlmodel import Session

from models.incidents.records import Deadline, Incident
from services.incidents import board, convert, mine
from web.console.render import Say, data
from web.deps import Caller


def grade_say(grade) -> Say:
    """A grade as people call it: "Ⅱ级 重大" / "Grade II (Serious)"; 待定级 when not graded yet."""
    if grade is None:
        return Say("inc.board.ungraded")
    return Say("inc.board.grade", {"roman": grade.roman, "label": Say(f"enum.grade.{grade.value}")})


def deadline_say(d: Deadline, received_at, tz) -> Say:
    """A report deadline worded from its kind (the row's zh-CN `text` stays for the API and the records);
    the same rules as the incident page's `deadline` macro (_incident_words.html)."""
    if d.kind in ("phone", "written") and received_at is not None:
        return Say(f"inc.dl.{d.kind}", {"minutes": int((d.due_at - received_at).total_seconds() // 60)})
    if d.kind == "followup":
        return Say("inc.dl.followup", {"at": d.due_at.astimezone(tz).strftime("%H:%M")})
    if d.kind == "unverified" and d.element:
        return Say("inc.dl.unverified", {"element": Say(f"enum.element.{d.element}")})
    if d.kind == "casualty_change":
        return Say("inc.dl.casualty_change")
    return data(d.text)  # a kind without words: the row's own text, marked as Chinese


def _countdown(due) -> Markup:
    return Markup(' <span class="countdown" data-due="{}"></span>').format(due.isoformat())


def _next_deadline(due) -> list:
    """The countdown to an incident's next deadline, said as one: 距下一时限 6:38 (下一时限 超时 5:00 once it has
    passed: app.js swaps the lead words), never a bare time after 已确认 that reads as a clock time."""
    return [Markup(' · <span class="countdown-lead" data-late="'), Say("dash.inc.next_late"), Markup('">'),
            Say("dash.inc.next_in"), Markup("</span>"), _countdown(due)]


def open_incidents(session: Session, now, c: Caller, settings) -> list:
    """Open incidents the caller may see, by urgency, with the countdown to each one's next deadline."""
    out = []
    for b in board.board(session, now, by=c.by, settings=settings)[:8]:
        due = _next_deadline(b.next_deadline.due_at) if b.next_deadline else []
        ack = Say("dash.inc.acked" if b.incident.acknowledged_at else "inc.unacked")
        out.append([Markup('<a href="/incidents/{}">').format(b.incident.id), data(b.incident.title), Markup("</a> · "),
                    grade_say(b.grade), " · ", ack, *due])
    return out


def pending_tasks(session: Session, now, c: Caller, settings) -> list:
    """Overdue report deadlines and instruction items waiting for feedback or acceptance, of the caller's units."""
    out = []
    for d in board.overdue_deadlines(session, now, by=c.by, limit=5):
        inc = session.get(Incident, d.incident_id)
        what = deadline_say(d, inc.received_at if inc else None, settings.tz)
        out.append([Markup('<a href="/incidents/{}">').format(d.incident_id), Say("dash.inc.overdue", {"what": what}),
                    Markup("</a>")])
    for item, ins in board.open_items(session, by=c.by)[:8]:
        state = "forwarded" if item.status == "forwarded" else "fed_back"
        out.append([Markup('<a href="/incidents/{}">').format(ins.incident_id),
                    Say(f"dash.inc.item.{state}", {"leader": data(ins.by_name)}), Markup("</a>"), _countdown(item.due_at)])
    return out


def needs_me(session: Session, now, c: Caller, settings) -> list:
    """The leader's first screen: incidents I was notified of and have not acknowledged, then my instructions."""
    out = []
    awaiting = mine.awaiting_my_ack(session, by=c.by)
    if len(awaiting) > 1:  # in the board's urgency order (decided in one place), read only when there is an order
        awaiting = mine.awaiting_my_ack(session, by=c.by, order=[
            b.incident.id for b in board.board(session, now, by=c.by, settings=settings)])
    for inc in awaiting:
        out.append([Markup('<a class="button big urgent" href="/incidents/{}#ack-state">').format(inc.id), data(inc.title),
                    Markup('</a><span class="small">'), grade_say(convert.grade_of(inc.grade)), " · ",
                    inc.received_at.astimezone(settings.tz).strftime("%m-%d %H:%M"), " · ",
                    Say("dash.inc.awaiting_me"), Markup("</span>")])
    for m in mine.my_instructions(session, by=c.by):
        waiting = Say("dash.inc.waiting", {"n": m.waiting}) if m.waiting else None
        accept = Say("dash.inc.to_accept", {"n": m.to_accept}) if m.to_accept else None
        state = (Say("dash.inc.both", {"waiting": waiting, "to_accept": accept}) if waiting and accept
                 else waiting or accept or Say("dash.inc.all_done"))
        out.append([Markup('<a href="/incidents/{}#instructions">').format(m.incident.id),
                    Say("dash.inc.mine", {"title": data(m.incident.title)}), Markup('</a><span class="small">'), state,
                    Markup("</span>")])
    return out
