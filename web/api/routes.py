"""The API's routes: every feature's router under /api, included once (order matters where paths overlap)."""

from fastapi import APIRouter

from web.api import accounts, audit, deliveries
from web.api.directory import contacts as directory_contacts
from web.api.directory import files as directory_files
from web.api.directory import records as directory
from web.api.incidents import merge as incident_merge
from web.api.incidents import policies as incident_policies
from web.api.incidents import records as incidents
from web.api.rosters import files as roster_files
from web.api.rosters import leave_pairs, leaves, months
from web.api.spotchecks import checks as spotchecks
from web.api.spotchecks import records as spotcheck_records

router = APIRouter()
for part in (
    directory_files.router,  # before directory: /units/export is not /units/{id}
    directory.router,
    directory_contacts.router,
    accounts.router,
    audit.router,
    spotchecks.router,
    spotcheck_records.router,
    spotcheck_records.stats_router,
    roster_files.router,  # before months: /rosters/{u}/{m}/export.xlsx
    months.router,
    leaves.router,
    leave_pairs.router,
    incidents.router,
    incident_merge.router,
    incident_policies.router,
    deliveries.router,
):
    router.include_router(part)
