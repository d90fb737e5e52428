"""REST API under /api (OpenAPI at /docs). Each area has its own module."""

from fastapi import APIRouter

from web.api import audit, directory, directory_io, users
from web.api import spotcheck_records, spotchecks  # spot checks (issue 6)
from web.api import leaves, roster_files, rosters  # rosters (issue 3)
from web.api import leave_pairs  # rosters (issue 3)
from web.api import incidents  # incidents (issue 5)
from web.api import deliveries  # deliveries (issue 4)

router = APIRouter()
router.include_router(directory_io.router)  # before directory: /units/export is not /units/{id}
router.include_router(directory.router)
router.include_router(users.router)
router.include_router(audit.router)
router.include_router(spotchecks.router)
router.include_router(spotcheck_records.router)
router.include_router(spotcheck_records.stats_router)
router.include_router(roster_files.router)  # before rosters: /rosters/{u}/{m}/export.xlsx
router.include_router(rosters.router)
router.include_router(leaves.router)
router.include_router(leave_pairs.router)
router.include_router(incidents.router)
router.include_router(deliveries.router)
