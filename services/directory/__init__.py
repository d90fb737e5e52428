"""Import and export the organisation directory (units, people) as .xlsx or .csv.

Headers in Chinese or English; every row is checked before anything is written,
and a file with any bad row writes nothing and returns a per-row report (zh-CN).
"""

from services.directory.export import MEDIA_TYPES, export_people, export_units
from services.directory.import_report import ImportReport, RowError
from services.directory.people_import import import_people
from services.directory.sheet import Unsupported
from services.directory.units_import import import_units

__all__ = ["MEDIA_TYPES", "ImportReport", "RowError", "Unsupported", "export_people", "export_units",
           "import_people", "import_units"]
