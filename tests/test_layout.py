"""The house holds: floors import only the floors below, no import cycles, configuration reaches code one way,
a feature folder in every layer, and each package says in a README what it is for.

Floors, ground first (ARCHITECTURE.md): core ← rules ← models ← services ← engine / flows ← web ← dutydesk;
notifiers import core only. A floor may import its own package and every floor below it.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"core": 0, "rules": 1, "models": 2, "services": 3, "engine": 4, "flows": 4, "web": 5, "dutydesk": 6}
PRODUCTION = [*FLOORS, "notifiers"]
PROJECT = {*PRODUCTION, "bench", "tests"}
PACKAGES = [*PRODUCTION, "bench", "tests", "docker"]
# Pure libraries only: the official holiday data, and the lunar calendar (which day of a shared item is 中秋).
RULES_MAY_IMPORT = sys.stdlib_module_names | {"chinese_calendar", "lunar_python", "rules", "__future__"}
# The features, named alike in every layer that has them (a folder, or one module when one file is enough).
FEATURES = {"accounts", "audit", "deliveries", "directory", "incidents", "rosters", "spotchecks"}
SHARED = {  # the shell of each layer: what is not a feature
    "rules": set(),
    "models": {"types", "schema", "migrations"},
    "services": {"access", "alerts", "changes", "wall", "times"},  # changes: what live pages listen to; wall: the room's screen;
    # times: how a typed time is read (console filters, CLI options)
    "web/api": {"routes"},
    # notes: the English of sentences services store in zh-CN, shared by the audit log and the incident timeline
    "web/console": {"routes", "render", "nav", "i18n", "forms", "dashboard", "charts", "wall", "notes"},
}
# Package __init__ files hold a docstring; these gather their own modules' names (a facade) or, for models, every
# table so that Alembic sees the whole metadata.
FACADES = {"models/__init__.py", "rules/incidents/__init__.py", "services/audit/__init__.py", "services/deliveries/__init__.py"}


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _module(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path = ROOT) -> list[tuple[int, str, bool]]:
    """(line, dotted name, inside a function) for every import in `path`, relative imports resolved.

    `from a.b import c` yields a.b and a.b.c: whichever of them is a module is what gets imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = list(path.relative_to(root).parts[:-1])  # the package the file is in
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        local = id(node) in in_function
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, local) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name, local))
            found += [(node.lineno, f"{name}.{alias.name}", local) for alias in node.names if alias.name != "*"]
    return found


def _files(package: str) -> list[Path]:
    files = sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)
    assert files, f"{package}/ has no Python files"
    return files


MODULES = {_module(p): p for pkg in PRODUCTION for p in _files(pkg)}


def _resolve(name: str) -> str | None:
    """The project module `name` refers to (a module, or the module holding the attribute), else None."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def test_imported_names_resolves_relative_imports(tmp_path):
    # The checker itself must see through `from . import x` and `from ..web import y`, and inside functions.
    sample = tmp_path / "services" / "probe.py"
    sample.parent.mkdir()
    sample.write_text("from ..web import app\nfrom . import audit\ndef f():\n    import flows.housekeeping\n")
    names = [(n, local) for _, n, local in imported_names(sample, tmp_path)]
    assert names == [("web", False), ("web.app", False), ("services", False), ("services.audit", False),
                     ("flows.housekeeping", True)]


def _upward(package: str, name: str) -> str | None:
    """Why importing `name` from `package` goes the wrong way, or None when it is allowed."""
    target = _top(name)
    if package == "rules":
        return None if target in RULES_MAY_IMPORT else "rules are pure: stdlib, chinese_calendar, lunar_python and rules only"
    if target not in PROJECT or target == package:
        return None
    if target in ("tests", "bench"):
        return "production code never imports tests or benchmarks"
    if package == "notifiers":
        return None if target == "core" else "notifiers import core only"
    if target == "notifiers":
        return None if FLOORS[package] >= FLOORS["services"] else "only services and above send through notifiers"
    if FLOORS[target] >= FLOORS[package]:
        return f"{package} (floor {FLOORS[package]}) may not import {target} (floor {FLOORS[target]})"
    return None


@pytest.mark.parametrize("package", PRODUCTION)
def test_imports_go_one_way(package):
    bad = []
    for path in _files(package):
        for line, name, _ in imported_names(path):
            why = name and _upward(package, name)
            if why:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}: {why}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for _, name, local in imported_names(path):
            target = _resolve(name)
            if target and target != module and not local:
                graph[module].add(target)
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]
    limit = sys.getrecursionlimit()  # put back afterwards: a raised limit lets other tests' deep JSON parse
    sys.setrecursionlimit(max(limit, 10_000))

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    try:
        for v in graph:
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_function_level_imports_of_the_project_say_why():
    """A project module imported inside a function is a hidden dependency; allowed where a comment says why."""
    bad = []
    for module, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, name, local in imported_names(path):
            if not local or _top(name) not in PROJECT or _resolve(name) is None:
                continue
            if not _explained(lines, line):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name} inside a function without a comment")
    assert not sorted(set(bad)), "\n".join(sorted(set(bad)))


def _explained(lines: list[str], line: int) -> bool:
    """A comment on the import's line, or on the line above its block of imports (blank lines skipped)."""
    if "#" in lines[line - 1]:
        return True
    n = line - 2
    while n >= 0 and (not lines[n].strip() or lines[n].strip().startswith(("import ", "from "))):
        n -= 1
    return n >= 0 and lines[n].strip().startswith("#")


def test_configuration_reaches_code_one_way():
    """Settings come in explicitly below the top: no global settings read, no time zone literal below core."""
    bad = []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        package = _top(module)
        if module != "core.settings" and re.search(r"""["']Asia/Shanghai["']""", text):
            bad.append(f"{path.relative_to(ROOT)}: a time zone literal (it is DUTYDESK_TIMEZONE, passed in)")
        if package in ("rules", "models", "services", "engine", "web") and re.search(r"\bget_settings\b", text):
            bad.append(f"{path.relative_to(ROOT)}: reads global settings (take `settings` from the caller)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", sorted(SHARED))
def test_a_feature_folder_in_every_layer(layer):
    names = {p.stem for p in (ROOT / layer).iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}
    vague = {n for n in names if re.search(r"(^|_)(more|extra|common|misc|utils|helpers)(_|$)", n)}
    assert not vague, f"{layer}: name modules by what they do, not how big they got: {sorted(vague)}"
    stray = names - FEATURES - SHARED[layer]
    assert not stray, f"{layer}: {sorted(stray)} is neither a feature ({sorted(FEATURES)}) nor the layer's shell"


def test_package_inits_hold_a_docstring_only():
    """Importing a package registers nothing and imports nothing (facades excepted, see FACADES)."""
    bad = []
    for pkg in PRODUCTION:
        for init in (ROOT / pkg).rglob("__init__.py"):
            rel = init.relative_to(ROOT).as_posix()
            if "migrations" in init.parts:
                continue
            tree = ast.parse(init.read_text(encoding="utf-8"))
            body = tree.body[1:] if tree.body and isinstance(tree.body[0], ast.Expr) else tree.body
            if not ast.get_docstring(tree):
                bad.append(f"{rel}: say in a docstring what the package is for")
            own = rel.rsplit("/", 1)[0].replace("/", ".")
            for node in body:
                gathers = (isinstance(node, ast.ImportFrom) and (node.module or "").startswith(own + ".")
                           or isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"])
                if not (rel in FACADES and gathers):
                    bad.append(f"{rel}:{node.lineno}: a package __init__ holds its docstring only")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_top_level_package_has_a_readme(package):
    readme = ROOT / package / "README.md"
    assert readme.is_file(), f"{package}/README.md is missing: say its purpose, entry points and what it may import"
    assert len(readme.read_text(encoding="utf-8").strip().splitlines()) >= 3, f"{readme} is too short to help anyone"
