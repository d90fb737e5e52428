"""The benchmark runner finds every bench/bench_*.py and each has run(); CI does not run them."""

from __future__ import annotations

import importlib
import inspect

from bench.__main__ import discover, main, table


def test_every_benchmark_is_discovered_and_has_run():
    modules = discover([])
    assert {"bench_rotation", "bench_spotcheck_plan"} <= set(modules)
    for name in modules:
        run = getattr(importlib.import_module(f"bench.{name}"), "run", None)
        assert callable(run), f"bench/{name}.py has no run()"
        assert all(p.default is not inspect.Parameter.empty for p in inspect.signature(run).parameters.values()), \
            f"bench/{name}.py run() must be callable without arguments"


def test_names_filter_and_unknown_name(capsys):
    assert discover(["rotation"]) == ["bench_rotation"]
    assert main(["no-such-benchmark"]) == 2
    assert main(["--list", "spotcheck"]) == 0
    assert capsys.readouterr().out.split() == ["bench_spotcheck_plan"]


def test_table_shows_each_figure():
    text = table([("bench_x", {"p99_ms": 12.5, "goal_met": True}, 1.0)])
    assert "x  (1.0 s)" in text and "p99_ms    12.5" in text and "cores" in text
