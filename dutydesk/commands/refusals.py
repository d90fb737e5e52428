"""How a command says a refused value: one zh-CN line per field (错误：deaths：须为人数或“待核实”), then exit 1."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from web.problems import lines_zh


def invalid(exc: ValidationError) -> typer.Exit:
    """Print the refusal and return the exit to raise (`raise invalid(exc) from exc`)."""
    for line in lines_zh(exc.errors()):
        typer.echo(f"错误：{line}", err=True)
    return typer.Exit(1)
