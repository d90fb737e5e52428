"""Import and export the organisation directory (units, people) as .xlsx or .csv.

Headers in Chinese or English; every row is checked before anything is written,
and a file with any bad row writes nothing and returns a per-row report (zh-CN).
"""

from services.directory_io.export import MEDIA_TYPES, export_people, export_units
from services.directory_io.people import import_people
from services.directory_io.report import ImportReport, RowError
from services.directory_io.sheet import Unsupported
from services.directory_io.units import import_units

__all__ = ["MEDIA_TYPES", "ImportReport", "RowError", "Unsupported", "export_people", "export_units",
           "import_people", "import_units"]
