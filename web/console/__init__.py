"""Server-rendered console (zh-CN first). Each area has its own module."""

from fastapi import APIRouter

from web.console import auth_pages, directory_pages, admin_pages, dashboard, directory_io_pages
from web.console import spotcheck_more_pages, spotcheck_pages  # spot checks (issue 6)

from web.console import incident_extra, incident_pages  # incidents (issue 5)
from web import callbacks  # deliveries (issue 4): provider callbacks
from web.console import delivery_pages  # deliveries (issue 4)
from web.console import roster_ops_pages, roster_pages  # rosters (issue 3)
from web.console import leave_pair_pages  # rosters (issue 3)

router = APIRouter(include_in_schema=False)
router.include_router(auth_pages.router)
router.include_router(dashboard.router)
router.include_router(directory_pages.router)
router.include_router(directory_io_pages.router)
router.include_router(admin_pages.router)
router.include_router(spotcheck_pages.router)
router.include_router(spotcheck_more_pages.router)
router.include_router(incident_pages.router)
router.include_router(incident_extra.router)
router.include_router(delivery_pages.router)
router.include_router(callbacks.router)
router.include_router(roster_pages.router)
router.include_router(roster_ops_pages.router)
router.include_router(leave_pair_pages.router)
