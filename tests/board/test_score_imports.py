"""`python -m sgoversight score` on SQLite loads only what it uses: no pandas, numpy, pyarrow,
SQLAlchemy, pydantic, Streamlit or PostgreSQL driver (each costs a whole process a noticeable
share of its time). Checked with the interpreter's own import log (`-X importtime`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import HEAVY, run_cli_importing
from tests.support.golden_score import build_boundary


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("score-imports") / "db.sqlite"
    build_boundary(path)
    return path


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_score_on_sqlite_imports_none_of_the_heavy_libraries(database: Path, fmt: str) -> None:
    result, names = run_cli_importing(database, "score", "--month", "2026-11", "--format", fmt)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sgoversight" in names and "sqlite3" in names  # the log was read
    assert not names & HEAVY, sorted(names & HEAVY)


def test_a_refused_month_imports_none_of_them_either(database: Path) -> None:
    result, names = run_cli_importing(database, "score", "--month", "2026-13")
    assert result.returncode == 2
    assert not names & HEAVY, sorted(names & HEAVY)


def test_json_is_compact_unless_indented(database: Path) -> None:
    compact, _ = run_cli_importing(database, "score", "--month", "2026-11", "--format", "json")
    indented, _ = run_cli_importing(
        database, "score", "--month", "2026-11", "--format", "json", "--indent", "2"
    )
    assert compact.stdout.count("\n") == 1 and '": ' not in compact.stdout
    assert indented.stdout.startswith('[\n  {\n    "provider_id": ')
