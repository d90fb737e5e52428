"""Import and export units and people as .xlsx or .csv (per-row report on a bad file)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from core.errors import Invalid
from services.directory import export, people_import, units_import
from services.directory.sheet import MAX_BYTES, read_sheet
from web import parsing
from web.deps import Caller, get_session, require
from web.downloads import download_headers

ZH_NAMES = {"units": "单位名单", "people": "人员名单"}  # the download names of the Chinese exports

router = APIRouter(tags=["directory"])
read = require("directory:read")
write = require("directory:write")
IMPORTERS = {"units": units_import.import_units, "people": people_import.import_people}


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded bytes, refusing anything past the size limit without reading it all."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(f"文件超过 {MAX_BYTES // 1024 // 1024} MB 上限", field="file")
    return data


async def run_import(kind: str, *, request: Request, session: Session, data: bytes, filename: str, actor: str,
                     dry_run: bool):
    """Import and commit when the whole file is good (a bad file or a dry run left nothing to commit). The file
    is read in a parse worker process (web/parsing: bounded, per caller; Busy, 503, when every place is taken)."""
    sheet = await parsing.parse(request, session, actor, read_sheet, data, filename)
    report = IMPORTERS[kind](session=session, data=data, filename=filename, actor=actor, dry_run=dry_run,
                             sheet=sheet)
    if report.ok and not dry_run:
        session.commit()
    return report


def report_response(report) -> JSONResponse:
    if report.ok:
        return JSONResponse({**report.counts(), "results": report.as_dict()["results"]})
    detail = [{"loc": ["file", e.row, e.field], "msg": e.reason, "type": "Invalid", "row": e.row, "field": e.field,
               "column": e.column, "value": e.value} for e in report.errors]
    return JSONResponse({"detail": detail, "report": report.as_dict()}, status_code=422)


def _import_route(kind: str):
    async def handler(request: Request,
                      file: UploadFile = File(..., description=".xlsx or .csv with a header row (zh or en)"),
                      dry_run: bool = Form(False, description="check only, write nothing"),
                      dry_run_query: bool = Query(False, alias="dry_run"),
                      c: Caller = Depends(write), session: Session = Depends(get_session)):
        data = await read_upload(file)
        report = await run_import(kind, request=request, session=session, data=data, filename=file.filename or "", actor=c.actor,
                            dry_run=dry_run or dry_run_query)
        return report_response(report)

    handler.__name__ = f"import_{kind}"
    handler.__doc__ = f"Import {kind} from .xlsx/.csv: 200 with counts, or 422 with a per-row report (nothing written)."
    return handler


def _export_route(kind: str):
    def handler(format: Literal["xlsx", "csv"] = "xlsx", lang: Literal["zh", "en"] = "zh",
                c: Caller = Depends(read), session: Session = Depends(get_session)):
        write = export.export_units if kind == "units" else export.export_people
        content = write(session=session, by=c.by, fmt=format, lang=lang)
        name = f"{ZH_NAMES[kind]}.{format}" if lang == "zh" else f"{kind}.{format}"
        return Response(content, media_type=export.MEDIA_TYPES[format],
                        headers=download_headers(name, f"{kind}.{format}"))

    handler.__name__ = f"export_{kind}"
    handler.__doc__ = f"Export {kind} in the import format (unit reporters: their own unit only)."
    return handler


class ImportRow(BaseModel):
    """One row's outcome: created, updated or unchanged, and how it was matched when that is not plain."""

    row: int
    action: Literal["create", "update", "unchanged"]
    name: str
    unit: str = ""
    note: str = Field("", description="中文 (English): e.g. a same-named person in another unit, kept apart")


class ImportCounts(BaseModel):
    """A good file: what it did (or, with dry_run, would do), row by row."""

    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    results: list[ImportRow] = []


EXPORTED = {200: {"description": "the records in the import format", "content": {
    export.MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
    export.MEDIA_TYPES["csv"]: {"schema": {"type": "string"}}}}}

for _kind in IMPORTERS:
    router.post(f"/{_kind}/import", name=f"import_{_kind}", response_model=ImportCounts)(_import_route(_kind))
    router.get(f"/{_kind}/export", name=f"export_{_kind}", response_class=Response,
               responses=EXPORTED)(_export_route(_kind))
