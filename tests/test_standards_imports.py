"""`python -m sgoversight standards` on SQLite loads only what it uses: no pandas, numpy,
pyarrow, SQLAlchemy, pydantic, Streamlit or PostgreSQL driver (each costs a whole process a
noticeable share of its time). Checked with the interpreter's own import log (`-X importtime`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sgoversight.db import PROJECT_ROOT
from tests.support.golden_standards import build_boundary

HEAVY = {"pandas", "numpy", "pyarrow", "sqlalchemy", "pydantic", "streamlit", "psycopg", "altair"}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("standards-imports") / "db.sqlite"
    build_boundary(f"sqlite:///{path}")
    return path


def _imported(database: Path, *arguments: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run the command with the import log on; the top-level packages it imported."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sgoversight", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return result, names


@pytest.mark.parametrize(
    "arguments",
    [
        ("--format", "table"),
        ("--format", "csv"),
        ("--format", "json"),
        ("--format", "csv", "--suppress"),
    ],
)
def test_standards_on_sqlite_imports_none_of_the_heavy_libraries(
    database: Path, arguments: tuple[str, ...]
) -> None:
    result, names = _imported(database, "standards", "--quarter", "2026-Q3", *arguments)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sgoversight" in names and "sqlite3" in names  # the log was read
    assert not names & HEAVY, sorted(names & HEAVY)


def test_a_refused_quarter_imports_none_of_them_either(database: Path) -> None:
    result, names = _imported(database, "standards", "--quarter", "2026-Q5")
    assert result.returncode == 2
    assert not names & HEAVY, sorted(names & HEAVY)


def test_json_is_compact_unless_indented(database: Path) -> None:
    compact, _ = _imported(database, "standards", "--quarter", "2026-Q3", "--format", "json")
    indented, _ = _imported(
        database, "standards", "--quarter", "2026-Q3", "--format", "json", "--indent", "2"
    )
    assert compact.stdout.count("\n") == 1 and '": ' not in compact.stdout
    assert indented.stdout.startswith('[\n  {\n    "measure_id": ')
    assert json.loads(compact.stdout) == json.loads(indented.stdout)
