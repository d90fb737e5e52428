"""升级策略 pages: the list in plain words, and a form to create or edit a policy with its steps.

Without JavaScript: the form has as many step fieldsets as the policy has steps; "add step" and "remove step"
are submit buttons that re-render the form with the input kept. A refused save re-renders it too, with each
error at its field and a summary (role=alert). The service decides who may edit and what is valid."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from core.errors import ServiceError
from models.accounts import Role
from rules.incidents import Category
from services.deliveries.channels import list_channels
from services.directory import org
from services.incidents import policy_edits
from services.incidents.policies import MAX_STEPS, PolicyIn
from web.console.forms import field_errors
from web.console.directory import people_picker
from web.console.i18n import translate
from web.console.render import language, page, render
from web.deps import Caller, get_session, now_utc
from web.problems import bilingual

router = APIRouter()
BASE = "/escalation-policies"
# the targets a step may name besides people and roles: (kind, ref) in the order the form lists them
CHOICES = (("duty_leader_now", ""), ("duty_leader_now", "incident"), ("category_leader", ""), ("unit_head", ""),
           ("unit_head", "incident"))
ROLES = (Role.duty_officer, Role.leader, Role.admin, Role.unit_reporter)
LADDER = 3  # channel rungs offered per step: first, then, then


def _blank_step() -> dict:
    return {"targets": [], "people": [], "channels": ["", "", ""], "wait": "10", "ack": "any"}


def draft_of(row) -> dict:
    """The form's values for an existing policy (or a new one with one step)."""
    if row is None:
        return {"name": "", "position": "100", "categories": [], "min_grade": "", "sensitive": "", "repeat": "0",
                "start_delay_minutes": "0", "ack_timeout_minutes": "", "note": "", "steps": [_blank_step()]}
    steps = []
    for s in row.steps:
        tg = [f"{t['kind']}:{t.get('ref', '')}" for t in s["targets"] if t["kind"] != "person"]
        chans = (list(s["channels"]) + [""] * LADDER)[:max(LADDER, len(s["channels"]))]
        steps.append({"targets": tg, "people": [t["ref"] for t in s["targets"] if t["kind"] == "person"],
                      "channels": chans, "wait": f"{s['wait_minutes']:g}", "ack": s.get("ack", "any")})
    sens = {True: "yes", False: "no"}.get(row.sensitive, "")
    return {"name": row.name, "position": str(row.position), "categories": list(row.categories or []),
            "min_grade": str(row.min_grade or ""), "sensitive": sens, "repeat": str(row.repeat),
            "start_delay_minutes": f"{row.start_delay_minutes:g}",
            "ack_timeout_minutes": f"{row.ack_timeout_minutes:g}" if row.ack_timeout_minutes else "", "note": "",
            "steps": steps}


def draft_from_form(form) -> dict:
    """What the user typed, as the form shows it again."""
    n = max(1, min(MAX_STEPS, int(form.get("n_steps") or 1) if str(form.get("n_steps", "1")).isdigit() else 1))
    steps = []
    for i in range(n):
        p = f"s{i}."
        chans = [form.get(f"{p}ch{k}", "") for k in range(LADDER)]
        extra = [c for c in form.getlist(f"{p}ch_more") if c]
        steps.append({"targets": form.getlist(f"{p}targets"), "people": form.getlist(f"{p}people"),
                      "channels": chans + extra, "wait": form.get(f"{p}wait", "").strip(),
                      "ack": form.get(f"{p}ack", "any")})
    keys = ("name", "position", "min_grade", "sensitive", "repeat", "start_delay_minutes", "ack_timeout_minutes",
            "note")
    return {**{k: str(form.get(k, "")).strip() for k in keys}, "categories": form.getlist("categories"),
            "steps": steps}


class _Bad(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors


def policy_in(draft: dict, t) -> PolicyIn:
    """The service's input from the form's values; numbers that are not numbers are refused at their field."""
    errors: dict[str, str] = {}

    def num(key: str, value: str, kind=float, blank=None):
        if value == "":
            return blank
        try:
            return kind(value)
        except ValueError:
            errors[key] = t("pol.err.number")
            return blank

    steps = []
    for i, s in enumerate(draft["steps"]):
        targets = [{"kind": v.partition(":")[0], "ref": v.partition(":")[2]} for v in s["targets"]]
        targets += [{"kind": "person", "ref": pid} for pid in s["people"] if pid]
        steps.append({"targets": targets, "channels": [c for c in s["channels"] if c],
                      "wait_minutes": num(f"steps.{i}.wait_minutes", s["wait"], blank=0), "ack": s["ack"]})
    data = {"name": draft["name"], "position": num("position", draft["position"], int, 100),
            "categories": draft["categories"] or None, "min_grade": num("min_grade", draft["min_grade"], int),
            "sensitive": {"yes": True, "no": False}.get(draft["sensitive"]),
            "repeat": num("repeat", draft["repeat"], int, 0),
            "start_delay_minutes": num("start_delay_minutes", draft["start_delay_minutes"], blank=0),
            "ack_timeout_minutes": num("ack_timeout_minutes", draft["ack_timeout_minutes"]), "steps": steps}
    if errors:
        raise _Bad(errors)
    return PolicyIn.model_validate(data)


def _options(session: Session, c: Caller) -> dict:
    chans = list_channels(session=session)
    people = org.people_for(session=session, by=c.by)
    return {"channels": chans, "people": people, "person_groups": people_picker.groups(session, people),
            "choices": CHOICES,
            "roles": ROLES, "categories": list(Category), "ladder": LADDER, "max_steps": MAX_STEPS}


def _words(session: Session, c: Caller, rows) -> dict:
    """Names for the list: people by id, channels by name (title or kind)."""
    ids = {t["ref"] for r in rows for s in r.steps for t in s["targets"] if t["kind"] == "person"}
    people = {str(p.id): p.name for p in org.people_for(session=session, by=c.by, include_inactive=True)
              if str(p.id) in ids}
    return {"person_names": people, "channel_of": {ch.name: ch for ch in list_channels(session=session)}}


@router.get(BASE)
def policy_list(request: Request, c: Caller = Depends(page("escalation_policies:read")),
                session: Session = Depends(get_session)):
    rows = policy_edits.list_policies(session=session, by=c.by)
    return render(request, "escalation_policies.html", c, rows=rows, **_words(session, c, rows))


def _form(request, c, session, row, draft, errors=None, status_code=200):
    return render(request, "escalation_policy_form.html", c, status_code=status_code, row=row, v=draft,
                  errors=errors or {}, **_options(session, c), **_words(session, c, [row] if row else []))


@router.get(BASE + "/{policy_id}/versions")
def policy_versions(request: Request, policy_id: uuid.UUID, c: Caller = Depends(page("escalation_policies:read")),
                    session: Session = Depends(get_session)):
    """Every saved version, newest first: when, who, the 修改说明, its steps (read-only)."""
    row = policy_edits.get_policy(session=session, policy_id=policy_id, by=c.by)
    versions = policy_edits.versions(session=session, policy_id=policy_id, by=c.by)
    shown = [SimpleNamespace(steps=v.data.get("steps") or []) for v in versions]
    return render(request, "escalation_policy_versions.html", c, row=row, versions=versions,
                  **_words(session, c, shown))


@router.get(f"{BASE}/new")
@router.get(BASE + "/{policy_id}/edit")
def policy_form(request: Request, policy_id: uuid.UUID | None = None,
                c: Caller = Depends(page("escalation_policies:write")), session: Session = Depends(get_session)):
    row = policy_edits.get_policy(session=session, policy_id=policy_id, by=c.by) if policy_id else None
    return _form(request, c, session, row, draft_of(row))


@router.post(f"{BASE}/new")
@router.post(BASE + "/{policy_id}/edit")
async def policy_save(request: Request, policy_id: uuid.UUID | None = None,
                      c: Caller = Depends(page("escalation_policies:write")), session: Session = Depends(get_session)):
    form = await request.form()
    row = policy_edits.get_policy(session=session, policy_id=policy_id, by=c.by) if policy_id else None
    draft = draft_from_form(form)
    action = form.get("action", "save")
    if action == "add_step" and len(draft["steps"]) < MAX_STEPS:
        draft["steps"].append(_blank_step())
        return _form(request, c, session, row, draft)
    if action.startswith("remove:") and len(draft["steps"]) > 1:
        idx = int(action.partition(":")[2]) if action.partition(":")[2].isdigit() else -1
        draft["steps"] = [s for i, s in enumerate(draft["steps"]) if i != idx]
        return _form(request, c, session, row, draft)
    lang = language(request, c)
    try:
        data = policy_in(draft, lambda key: translate(key, lang))
        now = now_utc(request)
        if row is None:
            policy_edits.create(session=session, data=data, by=c.by, now=now, note=draft["note"])
        else:
            policy_edits.edit(session=session, policy_id=row.id, data=data, by=c.by, now=now, note=draft["note"])
        session.commit()
    except (_Bad, ValidationError, ServiceError) as exc:
        session.rollback()
        errors = exc.errors if isinstance(exc, _Bad) else field_errors(exc)
        if isinstance(exc, ValidationError):  # a value no choice on the form makes (a hand-edited request)
            errors = {".".join(str(p) for p in e["loc"]) or "form": bilingual(e) for e in exc.errors()}
        return _form(request, c, session, row, draft, errors, status_code=422)
    return RedirectResponse(BASE, status_code=303)


@router.post(BASE + "/{policy_id}/{switch}")
def policy_switch(request: Request, policy_id: uuid.UUID, switch: str,
                  c: Caller = Depends(page("escalation_policies:write")), session: Session = Depends(get_session)):
    if switch not in ("enable", "disable"):
        return RedirectResponse(BASE, status_code=303)
    policy_edits.set_enabled(session=session, policy_id=policy_id, enabled=switch == "enable", by=c.by,
                             now=now_utc(request))
    session.commit()
    return RedirectResponse(BASE, status_code=303)

