"""Console: importing the office's own roster file — a preview (calendar, column mapping, problems), then confirm.

The uploaded bytes wait in `<data_dir>/imports/` under a random token bound to the user, so the confirm
button (and a corrected column mapping) need not upload the file again; one per user, a day at most.
"""

from __future__ import annotations

import secrets
import time
import uuid
from pathlib import Path

from core.spreadsheets import Limits, Sheet, read_workbook
from web import parsing

KEEP_SECONDS = 86400
ROLE_CHOICES = (("date", "日期", "Date"), ("weekday", "星期", "Weekday"), ("phone", "电话", "Phone"),
                ("note", "备注", "Note"), ("ignore", "忽略", "Ignore"))


def _folder(data_dir: Path) -> Path:
    folder = Path(data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stash(data_dir: Path, user_id: uuid.UUID, raw: bytes, name: str = "") -> str:
    """Keep the upload (and the name it was uploaded under) for the confirm step; returns its token. One pending
    upload per user (a new one replaces it, so uploads cannot fill the disk), and stale ones of anybody are removed
    on the way."""
    folder = _folder(data_dir)
    now = time.time()
    for old in [*folder.glob("*.bin"), *folder.glob("*.name")]:
        if old.name.startswith(user_id.hex) or now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (folder / f"{user_id.hex}-{token}.bin").write_bytes(raw)
    (folder / f"{user_id.hex}-{token}.name").write_text(name[:255], encoding="utf-8")
    return token


def _path(data_dir: Path, user_id: uuid.UUID, token: str) -> Path | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return _folder(data_dir) / f"{user_id.hex}-{token}.bin"


def unstash(data_dir: Path, user_id: uuid.UUID, token: str) -> bytes | None:
    """The stashed upload of this user, or None (expired, someone else's, or made up)."""
    path = _path(data_dir, user_id, token)
    return path.read_bytes() if path and path.is_file() else None


def stashed_name(data_dir: Path, user_id: uuid.UUID, token: str) -> str:
    """The name the stashed upload came under ("" if unknown)."""
    path = _path(data_dir, user_id, token)
    named = path.with_suffix(".name") if path else None
    return named.read_text(encoding="utf-8") if named and named.is_file() else ""


def drop(data_dir: Path, user_id: uuid.UUID, token: str) -> None:
    path = _path(data_dir, user_id, token)
    if path:
        path.unlink(missing_ok=True)
        path.with_suffix(".name").unlink(missing_ok=True)


async def read(request, session, caller: str, raw: bytes, limits: Limits = Limits(), name: str = "") -> list[Sheet]:
    """Parse in a parse worker process (web/parsing): reading a workbook is CPU-bound and would stall every other
    request; Busy (503, Retry-After) when every place is taken. `name`: what the file was uploaded as (a text file
    named .xlsx is said to be one)."""
    return await parsing.parse(request, session, caller, read_workbook, raw, limits, name)


def columns_from(form) -> dict[str, str]:
    """The corrected mapping sent back with the preview: fields `col:<sheet>!<column>`."""
    return {k[4:]: str(v) for k, v in form.multi_items() if k.startswith("col:") and str(v)}


def choices_from(form) -> dict:
    """The preview's per-person choices: which people to create join their post's pool (all of them until the
    preview has shown the list, `pool_new_shown`), and whose directory phone to replace with the file's."""
    shown = bool(form.get("pool_new_shown"))
    return {"pool_new": {str(v) for v in form.getlist("pool_new")} if shown else None,
            "update_phones": {str(v) for v in form.getlist("update_phone")}}


def file_months(preview, screen: str) -> tuple[dict[str, str], list[str]]:
    """A workbook's months as read with the month on screen as the hint: sheet -> 'YYYY-MM' (the sheets of the
    month on screen and those left out as other months), and the months found, the one on screen first."""
    sheets = {s: f"{y:04d}-{m:02d}" for s, (y, m) in {**preview.parsed.other_months, **preview.parsed.months}.items()}
    found = sorted(set(sheets.values()))
    return sheets, ([screen] if screen in found else []) + [m for m in found if m != screen]


def ticked_months(form, found: list[str]) -> list[str]:
    """The months ticked in a several-month preview (field `months`, sent with `multi`); all of them at first."""
    if not form.get("multi"):
        return list(found)
    ticked = {str(v) for v in form.getlist("months")}
    return [m for m in found if m in ticked]


def sheets_for(sheets: list[Sheet], of_sheet: dict[str, str], ticked: list[str]) -> list[Sheet]:
    """The sheets of the ticked months, and those whose month was not read (their problems still show)."""
    return [s for s in sheets if of_sheet.get(s.name) is None or of_sheet[s.name] in ticked]


def columns_of(columns: dict[str, str], sheets: list[Sheet]) -> dict[str, str]:
    """The mapping's corrections of these sheets (an unticked month's sheet is not read, nor its columns)."""
    names = {s.name for s in sheets}
    return {k: v for k, v in columns.items() if "!" not in k or k.rpartition("!")[0] in names}
