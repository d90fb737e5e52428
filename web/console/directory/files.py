"""Console import of units and people, with a per-row result page (export links go to the API)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from core.errors import Invalid, ServiceError
from services.directory import RowError
from services.directory.sheet import MAX_BYTES
from web.api.directory.files import IMPORTERS, run_import
from web.console.i18n import register
from web.console.render import page, render
from web.deps import Caller, get_session

router = APIRouter()

register({
    "io.title.units": ("导入单位", "Import units"),
    "io.title.people": ("导入人员", "Import people"),
    "io.dry_run": ("仅检查，不写入", "Check only"),
    "io.dry_run_ok": ("检查通过，未写入任何数据", "File checked: nothing was written"),
    "io.done": ("导入完成", "Import done"),
    "io.failed": ("文件有错误，未导入任何数据。请按下表修改后重新导入。",
                  "The file has errors: nothing was imported. Fix the rows below and import again."),
    "io.rows": ("数据行", "Rows"),
    "io.created": ("新增", "Created"),
    "io.updated": ("更新", "Updated"),
    "io.unchanged": ("无变化", "Unchanged"),
    "io.row": ("行号", "Row"),
    "io.column": ("列", "Column"),
    "io.value": ("内容", "Value"),
    "io.reason": ("原因", "Reason"),
    "io.back": ("返回", "Back"),
})


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
            report = run_import(kind, session=session, data=data, filename=filename, actor=c.actor,
                                dry_run=form.get("dry_run") in ("true", "on", "1"))
        except ServiceError as exc:
            session.rollback()
            return render(request, "directory_import.html", c, status_code=exc.status,
                          kind=kind, filename=filename, report=None,
                          errors=[RowError(0, exc.field or "file", exc.reason, "")])
        return render(request, "directory_import.html", c, status_code=200 if report.ok else 422, kind=kind,
                      filename=filename, report=report, errors=report.errors)

    handler.__name__ = f"import_{kind}_page"
    return handler


for _kind in IMPORTERS:
    router.post(f"/{_kind}/import")(_import_page(_kind))
