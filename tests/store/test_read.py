"""The plain read module (sgoversight.store.read): the same rows, dates and placeholders on SQLite
and PostgreSQL, through a URL or the app engine's raw connection, and a missing SQLite file is an
error, never created."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.store import read
from sgoversight.store.models import Provider

SQL = "SELECT provider_id, name FROM providers WHERE provider_id IN (?, ?) ORDER BY provider_id"


def _two_providers(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        for number in (1, 2, 3):
            session.add(
                Provider(
                    provider_id=f"PRV-{number}",
                    name=f"Home {number} 100%",
                    service_type="care_home_residential",
                    regulated=True,
                )
            )


def test_rows_through_the_engine_are_plain_tuples(engine: Engine) -> None:
    _two_providers(engine)
    with read.from_engine(engine) as connection:
        got = read.rows(connection, SQL, ("PRV-1", "PRV-3"))
        # A literal % in SQL is not taken for a placeholder by psycopg.
        like = read.rows(connection, "SELECT count(*) FROM providers WHERE name LIKE '%100%'")
    assert got == [("PRV-1", "Home 1 100%"), ("PRV-3", "Home 3 100%")]
    assert like == [(3,)]


def test_rows_through_a_url_match_the_engine(engine: Engine) -> None:
    _two_providers(engine)
    url = engine.url.render_as_string(hide_password=False)
    with read.connect(url) as connection:
        assert read.rows(connection, SQL, ("PRV-2", "PRV-9")) == [("PRV-2", "Home 2 100%")]


def test_statements_read_at_once_give_what_they_give_one_after_another(engine: Engine) -> None:
    _two_providers(engine)
    statements = {
        "first": (SQL, ("PRV-1", "PRV-2")),
        "count": ("SELECT count(*) FROM providers WHERE name LIKE ?", ("%100%",)),
        "none": (SQL, ("PRV-8", "PRV-9")),
    }
    opened: list[object] = []

    def opener() -> object:
        opened.append(True)
        return read.from_engine(engine)

    with read.from_engine(engine) as connection:
        alone = read.rows_at_once(connection, statements)
        together = read.rows_at_once(connection, statements, opener)  # type: ignore[arg-type]
    assert together == alone == {
        "first": [("PRV-1", "Home 1 100%"), ("PRV-2", "Home 2 100%")],
        "count": [(3,)],
        "none": [],
    }
    assert list(together) == list(statements)
    assert len(opened) == 2  # the first statement on the caller's connection, each other on its own


def test_a_failing_statement_read_at_once_raises(engine: Engine) -> None:
    statements = {"fine": (SQL, ("PRV-1", "PRV-2")), "broken": ("SELECT * FROM nowhere", ())}
    with read.from_engine(engine) as connection, pytest.raises(Exception, match="nowhere"):
        read.rows_at_once(connection, statements, lambda: read.from_engine(engine))


def test_a_missing_sqlite_file_is_an_error_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "missing.db"
    with pytest.raises(sqlite3.OperationalError), read.connect(f"sqlite:///{path}"):
        pass
    assert not path.exists() and not path.parent.exists()


def test_dates_read_back_as_dates() -> None:
    assert read.as_date("2026-11-30") == dt.date(2026, 11, 30)
    assert read.as_date("2026-11-30 10:15:00.000000") == dt.date(2026, 11, 30)
    assert read.as_date(dt.datetime(2026, 11, 30, 10, 15)) == dt.date(2026, 11, 30)
    assert read.as_date(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
    assert read.as_date(None) is None and read.as_date("") is None


def test_urls_are_understood() -> None:
    assert read.is_sqlite("sqlite:///data/x.db") and read.is_sqlite("sqlite+pysqlite:///x.db")
    assert not read.is_sqlite("postgresql+psycopg://u:p@h/db")
    assert read.sqlite_path("sqlite:///data/x.db") == Path("data/x.db")
    assert read.sqlite_path("sqlite:////tmp/x.db") == Path("/tmp/x.db")
    assert read.postgres_conninfo("postgresql+psycopg://u:p@h:5/db") == "postgresql://u:p@h:5/db"


def test_the_module_loads_no_heavy_library() -> None:
    code = (
        "import sys, sgoversight.store.read; "
        "print(sorted(m for m in ('pandas', 'sqlalchemy', 'pydantic', 'psycopg') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
