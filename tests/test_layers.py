"""The layers of docs/architecture.md hold: read from the source, every import counted (at the top
of a module, inside a function, or for type checking only).

Rules:
- the package `sgoversight` has no import cycle between its modules;
- it never imports the user interface (`ui`, `pages`, `app`) or Streamlit;
- the store (tables, connections, reads, audit, migrations, backup) and the shared pieces at the
  bottom import no capability;
- the shared pieces import nothing from the store either;
- the rule modules (the Board's scoring, the weekly report, the standards' measures) import no
  store module and none of pandas, numpy, SQLAlchemy or pydantic: rows in, results out;
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

#: Tables, connections, plain reads, the audit trail, migrations and backups.
STORE = frozenset({"models", "db", "queries", "read", "audit", "migrate", "backup"})
#: Small pieces every layer may use: periods, working days, vocabularies, errors, the actor and
#: its permissions, UK time, spreadsheet-formula and small-number rules, search, exports, PDFs,
#: where the project and its database are.
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
    }
)
#: The rules, stated once each, as plain Python over rows.
RULES = frozenset({"scoring", "weekly", "standards"})
HEAVY = frozenset({"pandas", "numpy", "sqlalchemy", "pydantic"})


def _modules() -> dict[str, Path]:
    return {
        path.stem: path
        for path in PACKAGE.glob("*.py")
        if path.stem not in {"__init__", "__main__"}
    }


def _imported(path: Path) -> Iterator[str]:
    """Every module name `path` imports, anywhere in it (absolute names)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            if node.module == "sgoversight":
                yield from (f"sgoversight.{alias.name}" for alias in node.names)


@cache
def _graph() -> dict[str, frozenset[str]]:
    """Each module of the package and the other modules of the package it imports."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        inside = {
            imported.split(".")[1]
            for imported in _imported(path)
            if imported.startswith("sgoversight.")
        }
        graph[name] = frozenset(inside & set(modules) - {name})
    return graph


def _tops(path: Path) -> set[str]:
    return {imported.split(".")[0] for imported in _imported(path)}


def test_the_layers_name_real_modules() -> None:
    modules = set(_modules())
    assert modules >= STORE | SHARED | RULES, sorted((STORE | SHARED | RULES) - modules)


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


@pytest.mark.parametrize("module", sorted(STORE | SHARED))
def test_the_store_and_the_shared_pieces_import_no_capability(module: str) -> None:
    allowed = SHARED if module in SHARED else STORE | SHARED
    upward = _graph()[module] - allowed
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(RULES))
def test_the_rules_read_no_database_and_load_no_heavy_library(module: str) -> None:
    path = _modules()[module]
    store = _graph()[module] & STORE
    reads = {name for name in _graph()[module] if name.endswith("_read")}
    assert not store | reads, f"{module} imports {sorted(store | reads)}"
    assert not _tops(path) & HEAVY, sorted(_tops(path) & HEAVY)


def test_the_user_interface_imports_no_page() -> None:
    for path in [ROOT / "app.py", *(ROOT / "ui").glob("*.py")]:
        assert "pages" not in _tops(path), path.name


def test_the_architecture_page_places_every_module() -> None:
    """docs/architecture.md names every module of the package in its layer picture."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    words = set(text.replace(",", " ").replace("·", " ").replace("`", " ").split())
    missing = sorted(name for name in _modules() if name not in words and f"{name}.py" not in words)
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
