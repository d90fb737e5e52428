"""FastAPI: the REST API (api/), the console (console/), provider callbacks and the ops endpoints."""
