"""Data access and domain operations, one folder (or module) per feature; authorization is decided here."""
