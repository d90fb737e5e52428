"""The ground floor: settings, database engine and sessions, logging, errors. Imports no other project package."""
