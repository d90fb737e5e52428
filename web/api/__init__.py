"""REST API under /api (OpenAPI at /docs). Each area has its own module."""

from fastapi import APIRouter

from web.api import accounts as users
from web.api import (
    audit,
    deliveries,  # deliveries (issue 4)
    incidents,  # incidents (issue 5)
)
from web.api.directory import files as directory_io
from web.api.directory import records as directory
from web.api.rosters import files as roster_files
from web.api.rosters import leave_pairs, leaves
from web.api.rosters import months as rosters
from web.api.spotchecks import checks as spotchecks
from web.api.spotchecks import records as spotcheck_records

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
