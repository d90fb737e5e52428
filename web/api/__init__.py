"""REST API under /api (OpenAPI at /docs): one folder (or module) per feature; routes.py gathers their routers."""
