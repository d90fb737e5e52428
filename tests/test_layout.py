"""The layout holds: imports go one way (rules ← models ← services ← engine/flows/web) and each package has a README."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"dutydesk", "models", "rules", "services", "engine", "flows", "notifiers", "web", "bench", "tests"}
PACKAGES = ["dutydesk", "models", "rules", "services", "engine", "flows", "notifiers", "web", "bench", "tests", "docker"]

# package -> (predicate over an imported dotted name that is forbidden, why)
FORBIDDEN = {
    "rules": (lambda name: _top(name) not in sys.stdlib_module_names | {"chinese_calendar", "rules", "__future__"},
              "rules are pure: stdlib, chinese_calendar and rules only"),
    "models": (lambda name: _top(name) in {"services", "web", "engine", "flows"},
               "models must not import services, web, engine or flows"),
    "services": (lambda name: _top(name) in {"web", "engine", "flows"} or name.startswith("dutydesk.commands"),
                 "services must not import web, engine, flows or the CLI commands"),
    "notifiers": (lambda name: _top(name) in PROJECT - {"notifiers"},
                  "notifiers depend on configuration only, nothing else from the project"),
}


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def imported_names(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module name `path` imports (top-level or inside functions), relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = list(path.relative_to(root).parts[:-1])  # the package the file is in
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def test_imported_names_resolves_relative_imports(tmp_path):
    # The checker itself must see through `from . import x` and `from ..web import y`.
    sample = tmp_path / "services" / "probe.py"
    sample.parent.mkdir()
    sample.write_text("from ..web import app\nfrom . import audit\nimport flows.housekeeping\n")
    names = [n for _, n in imported_names(sample, tmp_path)]
    assert names == ["web", "services", "flows.housekeeping"]
    assert FORBIDDEN["services"][0]("web") and FORBIDDEN["services"][0]("flows.housekeeping")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package):
    forbidden, why = FORBIDDEN[package]
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    bad = [f"{path.relative_to(ROOT)}:{line} imports {name}"
           for path in files for line, name in imported_names(path) if name and forbidden(name)]
    assert not bad, f"{why}:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_top_level_package_has_a_readme(package):
    readme = ROOT / package / "README.md"
    assert readme.is_file(), f"{package}/README.md is missing: say its purpose, entry points and what it may import"
    assert len(readme.read_text(encoding="utf-8").strip().splitlines()) >= 3, f"{readme} is too short to help anyone"
