"""Migrations run up from an empty database on SQLite and PostgreSQL, and again harmlessly; a
database this version cannot use (missing, read-only, set up by a newer version) is refused before
anything reads or writes it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from sgoversight import cli
from sgoversight.store.db import make_engine
from sgoversight.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    newer_schema_problem,
    schema_problem,
    upgrade,
    usable_problem,
)
from sgoversight.store.models import Base


def test_migrated_schema_has_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(engine) == head_revision()
    assert schema_problem(engine) is None


def test_upgrade_is_idempotent(engine: Engine) -> None:
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before


def test_sqlite_from_empty_file(tmp_path) -> None:
    from sgoversight.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_schema_problem_names_the_fix(tmp_path) -> None:
    """No schema, then an older one: each says what to run; the newest says nothing."""
    from sgoversight.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    problem = schema_problem(engine)
    assert problem is not None and "no tables yet" in problem and "init-db" in problem
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    problem = schema_problem(engine)
    assert problem is not None
    assert "schema 0002" in problem and head_revision() in problem and "init-db" in problem
    upgrade(engine)
    assert schema_problem(engine) is None
    with engine.begin() as connection:  # as a newer version of the application would leave it
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    problem = schema_problem(engine)
    assert problem is not None and "schema 0099" in problem and "newer version" in problem
    assert "init-db" not in problem  # migrating cannot help
    engine.dispose()


# --- databases this version cannot use ----------------------------------------------------------


def _stamp_newer(engine: Engine) -> None:
    """As a newer version of the application would leave the database."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))


def _everything(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, the schema stamp included."""
    with engine.connect() as connection:
        rows = {
            table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
            for table in Base.metadata.sorted_tables
        }
        rows["alembic_version"] = list(
            map(tuple, connection.execute(text("SELECT version_num FROM alembic_version")))
        )
    return rows


def _read_only(engine: Engine, tmp_path: Path) -> Engine:
    """A connection to `engine`'s database that cannot write, as a read-only file, replica or
    account would be: a read-only SQLite open, or a PostgreSQL database whose transactions are
    read-only."""
    if engine.dialect.name == "sqlite":
        return make_engine(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text(f'ALTER DATABASE "{engine.url.database}" SET default_transaction_read_only = on')
        )
    return make_engine(engine.url.render_as_string(hide_password=False))


def test_usable_problem_says_why_the_app_cannot_use_a_database(
    engine: Engine, tmp_path: Path
) -> None:
    assert usable_problem(engine) is None
    read_only = _read_only(engine, tmp_path)
    try:
        problem = usable_problem(read_only)
        assert problem is not None and "cannot be written to" in problem
    finally:
        read_only.dispose()
    _stamp_newer(engine)
    problem = usable_problem(engine)
    assert problem is not None and "schema 0099" in problem and "newer version" in problem


def test_a_missing_database_file_is_reported_and_never_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'absent' / 'folder' / 'app.db'}")
    problem = usable_problem(engine)
    assert problem is not None and "does not exist" in problem and "init-db" in problem
    assert newer_schema_problem(engine) is None
    assert not (tmp_path / "absent").exists()
    engine.dispose()


NEWER_REFUSED = [
    ("init-db",),
    ("demo-data",),
    ("import", "alerts", "{tmp}/alerts.csv"),
    ("weekly-report", "--week", "2026-W43"),
    ("score", "--month", "2026-10"),
    ("standards", "--quarter", "2026-Q3"),
    ("export", "board-pack", "--month", "2026-10", "--out", "{tmp}/pack.xlsx"),
    ("national-return", "--year", "2025", "--out", "{tmp}/return.xlsx"),
    ("backup", "--out", "{tmp}/copy.db"),
    ("restore", "{tmp}/alerts.csv"),
    ("users", "list"),
    ("users", "add", "zed", "--name", "Zed", "--email", "z@x.org", "--role", "admin"),
]


@pytest.mark.parametrize("arguments", NEWER_REFUSED, ids=lambda a: " ".join(a[:2]))
def test_every_command_refuses_a_database_from_a_newer_version_before_reading_or_writing(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: tuple[str, ...],
) -> None:
    from tests.fixtures.importing import csv_bytes, good_row

    files = tmp_path / "files"
    files.mkdir()
    (files / "alerts.csv").write_bytes(csv_bytes([good_row("alerts", 1)]))
    _stamp_newer(engine)
    before = _everything(engine)
    monkeypatch.setattr(cli, "get_engine", lambda: engine)
    # Commands that read through sgoversight.store.read find the database by its URL.
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    code = cli.main([a.format(tmp=files) for a in arguments])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILURE
    assert err.startswith("error: the database ") and "newer version" in err, err
    assert "Traceback" not in err and "what failed" not in err
    assert _everything(engine) == before
    assert [p.name for p in files.iterdir()] == ["alerts.csv"]  # no file written either


def test_only_the_commands_that_create_a_database_create_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'app.db'}")
    monkeypatch.setattr(cli, "get_engine", lambda: engine)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'app.db'}")
    assert cli.main(["score", "--month", "2026-10"]) == cli.EXIT_FAILURE
    assert not (tmp_path / "new").exists()
    assert cli.main(["init-db"]) == cli.EXIT_OK
    assert current_revision(engine) == head_revision()
    capsys.readouterr()
    engine.dispose()


def test_the_quick_list_of_revisions_is_alembics_own() -> None:
    """Commands check a database's stamp against known_revisions() without loading Alembic."""
    from sgoversight.store.migrate import _script, known_revisions

    assert known_revisions() == {revision.revision for revision in _script().walk_revisions()}


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    """The plain check of `score` names the same newest schema as Alembic."""
    from sgoversight.store.migrate import head_from_files

    assert head_from_files() == head_revision()
