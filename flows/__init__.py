"""Prefect flows: scheduled batch work, thin wrappers over the services; schedules declared in schedules.py."""
