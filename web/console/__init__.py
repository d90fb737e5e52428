"""Server-rendered console (zh-CN first). Each area has its own module."""

from fastapi import APIRouter

from web import callbacks  # deliveries (issue 4): provider callbacks
from web.console import admin_pages, auth_pages, dashboard
from web.console import deliveries as delivery_pages
from web.console.directory import files as directory_io_pages
from web.console.directory import pages as directory_pages
from web.console.incidents import extra as incident_extra
from web.console.incidents import pages as incident_pages
from web.console.rosters import calendar as roster_pages
from web.console.rosters import duty as roster_ops_pages
from web.console.rosters import leave_pairs as leave_pair_pages
from web.console.spotchecks import records as spotcheck_more_pages
from web.console.spotchecks import tasks as spotcheck_pages

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
