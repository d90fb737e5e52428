"""The yearly duty report (.docx) whose duty paragraph is computed from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session

from core.errors import Invalid
from core.settings import Settings
from rules.spotchecks.statistics import YearFigures
from services.spotchecks import docs, stats
from services.times import ERA, in_era


@dataclass(frozen=True)
class YearlyReport:
    figures: YearFigures
    paragraph: str
    missing_sources: list[str]
    sha256: str = ""


def yearly_report(*, session: Session, year: int, settings: Settings, out: Path | None = None,
                  now: datetime | None = None) -> YearlyReport:
    """Count the year, write the paragraph, and save the .docx when `out` is given, dated `now` (local day;
    without it the year's last day)."""
    if not in_era(year):
        raise Invalid(f"年份 {year} {ERA}", field="year")
    tz = settings.tz
    figures, missing = stats.yearly(session, year, tz)
    text = stats.paragraph(figures, settings)
    digest = ""
    if out is not None:
        series = {"months": stats.months(session, year, tz), "categories": stats.categories(session, year, tz),
                  "quarters": stats.quarters(session, year, tz), "units": stats.units(session, year, tz)}
        dated = now.astimezone(tz).date() if now is not None else date(year, 12, 31)
        doc = docs.yearly_doc(year=year, figures=figures, paragraph=text, series=series,
                              office=settings.spotchecks.report_office, dated=dated,
                              addressee=settings.spotchecks.report_addressee or settings.incidents.brief_addressee)
        digest = docs.save(doc, Path(out))
    return YearlyReport(figures, text, missing, digest)
