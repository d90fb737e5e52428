"""The yearly duty report (.docx) whose duty paragraph is computed from the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from core.settings import Settings
from rules.spotchecks.statistics import YearFigures
from services.spotchecks import docs, stats


@dataclass(frozen=True)
class YearlyReport:
    figures: YearFigures
    paragraph: str
    missing_sources: list[str]
    sha256: str = ""


def yearly_report(*, session: Session, year: int, settings: Settings, out: Path | None = None) -> YearlyReport:
    """Count the year, write the paragraph, and save the .docx when `out` is given."""
    tz = settings.tz
    figures, missing = stats.yearly(session, year, tz)
    text = stats.paragraph(figures, settings)
    digest = ""
    if out is not None:
        digest = docs.save(docs.yearly_doc(year, figures, text, stats.months(session, year, tz)), Path(out))
    return YearlyReport(figures, text, missing, digest)
