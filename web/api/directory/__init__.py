"""Directory API: units and people (records), their spreadsheet import and export (files)."""
