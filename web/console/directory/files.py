"""Console import of units and people, with a per-row result page (export links go to the API)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import Invalid, ServiceError, in_language
from services.directory.import_report import RowError
from services.directory.sheet import MAX_BYTES
from web.api.directory.files import IMPORTERS, run_import
from web.console.render import language, page, render
from web.deps import Caller, get_session

router = APIRouter()



def _import_page(kind: str):
    async def handler(request: Request, c: Caller = Depends(page("directory:write")),
                      session: Session = Depends(get_session)):
        form = await request.form()
        upload = form.get("file")
        filename = getattr(upload, "filename", "") or ""
        try:
            if upload is None or isinstance(upload, str):
                raise Invalid("请选择要导入的文件（.xlsx 或 .csv）", field="file")
            data = await upload.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise Invalid(f"文件超过 {MAX_BYTES // 1024 // 1024} MB 上限", field="file")
            report = await run_import(kind, request=request, session=session, data=data, filename=filename, actor=c.actor,
                                dry_run=form.get("dry_run") in ("true", "on", "1"))
        except ServiceError as exc:  # a bad file (422), or every parse place taken (web/parsing.Busy: 503)
            session.rollback()
            response = render(request, "directory_import.html", c, status_code=exc.status,
                              kind=kind, filename=filename, report=None,
                              errors=[RowError(0, exc.field or "file", in_language(exc.reason, language(request, c)),
                                               "")])
            response.headers.update(getattr(exc, "headers", None) or {})
            return response
        lang = language(request, c)
        results = [(r, in_language(r.note, lang)) for r in report.results]
        return render(request, "directory_import.html", c, status_code=200 if report.ok else 422, kind=kind,
                      filename=filename, report=report, errors=report.errors, results=results)

    handler.__name__ = f"import_{kind}_page"
    return handler


for _kind in IMPORTERS:
    router.post(f"/{_kind}/import")(_import_page(_kind))
