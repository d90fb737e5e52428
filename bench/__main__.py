"""`python -m bench [NAME ...] [--quick]`: run every bench/bench_*.py `run()` and print a table.

NAME filters by substring of the module name (bench_rotation -> "rotation"). With --quick,
`run(quick=True)` is called where `run` accepts it, so a smoke run stays short.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).parent


def discover(names: list[str]) -> list[str]:
    """Module names of the benchmarks, filtered by any of `names` (substring match)."""
    found = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    return [m for m in found if not names or any(n in m for n in names)]


def run_one(module: str, quick: bool) -> tuple[dict, float]:
    """Import bench.<module>, call its run(); return its figures and wall time."""
    fn = importlib.import_module(f"bench.{module}").run
    kwargs = {"quick": True} if quick and "quick" in inspect.signature(fn).parameters else {}
    started = time.perf_counter()
    figures = fn(**kwargs)
    return figures, time.perf_counter() - started


def table(results: list[tuple[str, dict, float]]) -> str:
    """One block per benchmark: figure name, value."""
    lines = [f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}"]
    for module, figures, seconds in results:
        lines.append(f"\n{module.removeprefix('bench_')}  ({seconds:.1f} s)")
        width = max((len(k) for k in figures), default=0)
        lines += [f"  {key:<{width}}  {value}" for key, value in figures.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only benchmarks whose module name contains one of these")
    parser.add_argument("--quick", action="store_true", help="smaller inputs where the benchmark supports it")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    modules = discover(args.names)
    if not modules:
        print(f"no benchmark matches {args.names}", file=sys.stderr)
        return 2
    if args.list:
        print("\n".join(modules))
        return 0
    results, failed = [], []
    for module in modules:
        print(f"running {module} ...", flush=True)
        try:
            figures, seconds = run_one(module, args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(module)
            continue
        results.append((module, figures, seconds))
    print(table(results))
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
