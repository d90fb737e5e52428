"""Console: /rosters/now, who is on duty now in every unit the caller may see (the dashboard lists the first few)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from services.rosters import now_list
from web.console.render import render
from web.console.render import page as console_page
from web.deps import Caller, get_session, now_utc

router = APIRouter()
PAGE_SIZE = 100


@router.get("/rosters/now")
def on_duty_now(request: Request, q: str = "", problems: bool = False, page: int = 1,
                c: Caller = Depends(console_page("dashboard:read")), session: Session = Depends(get_session)):
    """Paginated, filtered by a unit's name or code, or to the units with a problem; a unit reporter: own unit."""
    settings = request.app.state.settings
    rows = now_list.all_rows(session=session, now=now_utc(request), by=c.by, tz=settings.timezone)
    total = len(rows)
    if problems:
        rows = [r for r in rows if r["problem"]]
    shown, matching, pages = now_list.page_of(rows, q=q[:100], page=page, size=PAGE_SIZE)
    page = min(max(1, page), pages)
    return render(request, "rosters_now.html", c, rows=shown, total=total, matching=matching, pages=pages,
                  page=page, q=q[:100], problems=problems)
