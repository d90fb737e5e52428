"""The top floor: the CLI, `dutydesk serve`, the demo county and the composition root (composition.py)."""
