"""Pure business rules (no I/O, `now` and the zone passed in), one folder per feature."""
