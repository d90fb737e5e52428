"""The console's routes: every page module's router, included once."""

from fastapi import APIRouter

from web import callbacks
from web.console import accounts, dashboard, wall
from web.console.audit import pages as audit
from web.console.deliveries import pages as deliveries
from web.console.directory import contacts as directory_contacts
from web.console.directory import files as directory_files
from web.console.directory import records as directory
from web.console.incidents import ack as incident_ack
from web.console.incidents import pages as incidents
from web.console.incidents import policies as incident_policies
from web.console.incidents import prints as incident_prints
from web.console.rosters import handovers, leave_pairs, leaves, months, posts, swaps
from web.console.rosters import now as rosters_now
from web.console.spotchecks import checks as spotchecks
from web.console.spotchecks import records as spotcheck_records

router = APIRouter(include_in_schema=False)
# posts before months: /rosters/{unit}/posts/defaults would otherwise match months' /{month}/{action}; so
# rosters_now's /rosters/now.
for part in (posts, rosters_now, accounts, dashboard, directory, directory_files, audit, spotchecks, spotcheck_records, incidents,
             incident_ack, incident_prints, incident_policies, deliveries, callbacks, months, leaves, swaps, handovers,
             leave_pairs, wall, directory_contacts):
    router.include_router(part.router)
