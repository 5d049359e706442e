"""Where the project keeps its database: the contract's default SQLite file (CONTRACT.md §2)."""

from __future__ import annotations

import pytest

from sgoversight import paths


def test_the_default_database_is_the_contracts_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert paths.DEFAULT_SQLITE_PATH == paths.PROJECT_ROOT / "data" / "sgoversight.db"
    assert paths.database_url() == f"sqlite:///{paths.PROJECT_ROOT / 'data' / 'sgoversight.db'}"


def test_database_url_names_another_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/sgo")
    assert paths.database_url() == "postgresql+psycopg://u:p@db/sgo"
