"""Directory console: unit and people pages, their spreadsheet import."""
