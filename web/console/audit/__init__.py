"""Console: the audit log (pages.py), how its entries read (view.py, shared with the CLI) and its words."""
