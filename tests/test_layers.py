"""The layers of docs/architecture.md hold: read from the source, every import counted (at the top
of a module, inside a function, or for type checking only).

Rules:
- the package `sgoversight` is one folder per capability (`alerts`, `board`, `plans`, `weekly`,
  `standards`, `intake`, `demo`), the store (`store`) under them, and at the top level only the
  command line, the use cases that span capabilities, and the small shared pieces;
- it has no import cycle between its modules;
- it never imports the user interface (`ui`, `pages`, `app`) or Streamlit;
- the store and the shared pieces at the bottom import no capability;
- the shared pieces import nothing from the store either;
- the rule modules (the Board's scoring, the weekly report, the standards' measures) import no
  store module, no reading module and none of pandas, numpy, SQLAlchemy or pydantic;
- one settings loader (`config_file`) reads TOML; one write-transaction helper (`store.db`)
  commits; one edit-conflict error (`errors.EditConflict`) has no variants;
- the tests mirror the tree: each capability and the store have their folder under `tests/`;
- the user interface imports no page (`pages/` is run by Streamlit, never imported).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sgoversight"

#: One package per capability, named as the pages name it.
CAPABILITIES = frozenset({"alerts", "board", "plans", "weekly", "standards", "intake", "demo"})
#: Tables, connections, plain reads, the audit trail, migrations and backups.
STORE_PACKAGE = "store"
#: Small pieces every layer may use: periods, working days, vocabularies, errors, the actor and
#: its permissions, UK time, spreadsheet-formula and small-number rules, search, exports, PDFs,
#: counting over frames, where the project and its database are, and the one loader of the
#: settings files.
SHARED = frozenset(
    {
        "periods",
        "workdays",
        "vocabulary",
        "errors",
        "auth",
        "uktime",
        "formulas",
        "suppression",
        "search",
        "exporting",
        "pdf",
        "paths",
        "config_file",
        "counts",
    }
)
#: Top-level use cases that span capabilities, and the command line.
TOP_LEVEL = frozenset({"cli", "users", "attention", "overview", "narratives"})
#: The rules, stated once each, as plain Python over rows.
RULES = frozenset({"board.rules", "weekly.rules", "standards.rules"})
HEAVY = frozenset({"pandas", "numpy", "sqlalchemy", "pydantic"})


def _modules() -> dict[str, Path]:
    """Every module of the package by its dotted name under `sgoversight` ("board.rules")."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name in {"__init__.py", "__main__.py"}:
            continue
        relative = path.relative_to(PACKAGE).with_suffix("")
        found[".".join(relative.parts)] = path
    return found


def _store() -> frozenset[str]:
    return frozenset(name for name in _modules() if name.startswith(f"{STORE_PACKAGE}."))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imported(path: Path) -> Iterator[str]:
    """Every module name `path` imports, anywhere in it (absolute names)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            if node.module.startswith("sgoversight"):
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


@cache
def _graph() -> dict[str, frozenset[str]]:
    """Each module of the package and the other modules of the package it imports."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        inside = {
            imported.removeprefix("sgoversight.")
            for imported in _imported(path)
            if imported.startswith("sgoversight.")
        }
        graph[name] = frozenset(inside & set(modules) - {name})
    return graph


def _tops(path: Path) -> set[str]:
    return {imported.split(".")[0] for imported in _imported(path)}


def test_the_package_is_one_folder_per_capability() -> None:
    folders = {
        path.name
        for path in PACKAGE.iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert folders == CAPABILITIES | {STORE_PACKAGE}, sorted(folders)
    top = {name for name in _modules() if "." not in name}
    assert top == SHARED | TOP_LEVEL, f"unplaced: {sorted(top - SHARED - TOP_LEVEL)}"
    assert set(_modules()) >= RULES


def test_each_package_is_only_a_name() -> None:
    """No re-export shims: a package's __init__ holds its docstring and nothing else."""
    for init in PACKAGE.glob("*/__init__.py"):
        body = _tree(init).body
        assert all(isinstance(node, ast.Expr) for node in body), init


def test_the_package_has_no_import_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        if module in trail:
            cycle = " -> ".join((*trail[trail.index(module) :], module))
            pytest.fail(f"import cycle: {cycle}")
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, (*trail, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


@pytest.mark.parametrize("module", sorted(_modules()))
def test_the_domain_never_imports_the_user_interface(module: str) -> None:
    tops = _tops(_modules()[module])
    assert not tops & {"ui", "pages", "app", "streamlit"}, sorted(tops)


@pytest.mark.parametrize("module", sorted(_store() | SHARED))
def test_the_store_and_the_shared_pieces_import_no_capability(module: str) -> None:
    allowed = SHARED if module in SHARED else _store() | SHARED
    upward = _graph()[module] - allowed
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(RULES))
def test_the_rules_read_no_database_and_load_no_heavy_library(module: str) -> None:
    path = _modules()[module]
    store = _graph()[module] & _store()
    reads = {name for name in _graph()[module] if name.endswith("read")}
    assert not store | reads, f"{module} imports {sorted(store | reads)}"
    assert not _tops(path) & HEAVY, sorted(_tops(path) & HEAVY)


def test_one_loader_reads_the_settings_files() -> None:
    readers = sorted(name for name, path in _modules().items() if "tomllib" in _tops(path))
    assert readers == ["config_file"], readers


def test_one_helper_commits_writes() -> None:
    """Only the store's write-transaction helper commits (BEGIN IMMEDIATE on SQLite first)."""
    committing = sorted(
        name
        for name, path in _modules().items()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    )
    assert set(committing) <= {"store.db"}, committing


def test_one_edit_conflict_error() -> None:
    variants = sorted(
        f"{name}.{node.name}"
        for name, path in _modules().items()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith("EditConflict") for base in node.bases)
    )
    assert not variants, variants


def test_the_tests_mirror_the_tree() -> None:
    for package in sorted(CAPABILITIES | {STORE_PACKAGE}):
        folder = ROOT / "tests" / package
        assert any(folder.glob("test_*.py")), f"tests/{package}/ holds no tests"


def test_the_user_interface_imports_no_page() -> None:
    for path in [ROOT / "app.py", *(ROOT / "ui").glob("*.py")]:
        assert "pages" not in _tops(path), path.name


def test_the_architecture_page_places_every_module() -> None:
    """docs/architecture.md names every module of the package, as `folder/module` or by name."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    words = set(text.replace(",", " ").replace("·", " ").replace("`", " ").split())
    missing = sorted(
        name
        for name in _modules()
        if name.replace(".", "/") not in words and f"{name.replace('.', '/')}.py" not in words
    )
    assert not missing, f"docs/architecture.md does not place {missing}"


def test_importing_a_file_loads_no_chart_or_web_library() -> None:
    """The command line's import reads and writes records: charts (Altair) and Streamlit are the
    pages' business, so loading the importer loads neither."""
    import subprocess
    import sys

    code = (
        "import sys, sgoversight.intake.importing, sgoversight.intake.import_jobs; "
        "print(sorted(m for m in ('altair', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
