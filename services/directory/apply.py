"""Write a checked import plan in one savepoint: all rows or none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.errors import ServiceError
from services import audit
from services.directory.import_report import ImportReport, RowError, RowResult


@dataclass
class Step:
    row: int
    action: str  # "create", "update" or "unchanged"
    run: Callable[[], None]
    field_names: dict[str, str]  # service field -> file column key, for errors raised while writing
    result: RowResult | None = None  # what the report says of the row
    result_unit: object = None  # the unit the row is for (people: to tell namesakes apart)


def count(report: ImportReport, steps: list[Step]) -> None:
    report.created = sum(s.action == "create" for s in steps)
    report.updated = sum(s.action == "update" for s in steps)
    report.unchanged = sum(s.action == "unchanged" for s in steps)
    report.results = sorted((s.result for s in steps if s.result is not None), key=lambda r: r.row)


def apply(*, session: Session, report: ImportReport, steps: list[Step], actor: str, filename: str) -> None:
    """Run every step; keep the writes only when all succeed and this is not a dry run."""
    nested = session.begin_nested()
    try:
        for step in steps:
            if step.action == "unchanged":
                continue
            try:
                step.run()
            except ServiceError as exc:
                field = step.field_names.get(exc.field or "", exc.field or "row")
                report.errors.append(RowError(step.row, field, exc.reason))
            except IntegrityError:
                report.errors.append(RowError(step.row, "row", "与已有数据冲突（可能有人同时修改），请重试"))
                break  # the savepoint is unusable now; nothing of it is kept
        if not report.errors and (report.created or report.updated):
            audit.record(session=session, actor=actor, action="import", entity=report.kind,
                         note=f"{filename}: {report.created} created, {report.updated} updated")
        if report.errors or report.dry_run:
            nested.rollback()
        else:
            nested.commit()
    except BaseException:
        if nested.is_active:
            nested.rollback()
        raise
