"""Server-rendered console (zh-CN first). Each area has its own module."""

from fastapi import APIRouter

from web.console import auth_pages, directory_pages, admin_pages, dashboard

router = APIRouter(include_in_schema=False)
router.include_router(auth_pages.router)
router.include_router(dashboard.router)
router.include_router(directory_pages.router)
router.include_router(admin_pages.router)
