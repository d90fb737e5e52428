"""`python -m dutydesk ...`: the same CLI as the `dutydesk` command (for a checkout without the venv's scripts)."""

from dutydesk.cli import main

main()
