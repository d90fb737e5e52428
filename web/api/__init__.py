"""REST API under /api (OpenAPI at /docs). Each area has its own module."""

from fastapi import APIRouter

from web.api import audit, directory, users

router = APIRouter()
router.include_router(directory.router)
router.include_router(users.router)
router.include_router(audit.router)
