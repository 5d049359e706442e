"""Migrations run up from an empty database on SQLite and PostgreSQL, and again harmlessly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from sgoversight.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    schema_problem,
    upgrade,
)
from sgoversight.models import Base


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
    from sgoversight.db import make_engine

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
    from sgoversight.db import make_engine

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
