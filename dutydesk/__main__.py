"""`python -m dutydesk ...`: the same CLI as the `dutydesk` command (for a checkout without the venv's scripts).

Guarded: a spawned process (the spreadsheet parse workers, web/parsing.py) imports this module again as
`__mp_main__`, and must not start the CLI."""

from dutydesk.cli import main

if __name__ == "__main__":
    main()
