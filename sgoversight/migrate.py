"""Schema migrations with Alembic, the same revisions for SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from sgoversight.db import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at `migrations/` and the given database URL."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(Path(MIGRATIONS_DIR)))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """The newest revision in migrations/ (what `init-db` migrates to)."""
    head = _script().get_current_head()
    assert head is not None, "migrations/ holds no revision"
    return head


def schema_problem(engine: Engine) -> str | None:
    """Why `engine`'s database cannot be used yet, in words for the person at the keyboard: it
    has no schema; an older one than this version of the application needs (init-db migrates
    it); or one this version does not know, written by a newer version (init-db cannot help).
    None when it is at the newest revision."""
    script = _script()
    current, head = current_revision(engine), script.get_current_head()
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        return f"the database {where} has no tables yet: run `python -m sgoversight init-db` first"
    if current == head:
        return None
    if current not in {revision.revision for revision in script.walk_revisions()}:
        return (
            f"the database {where} is at schema {current}, which this version of the "
            f"application does not know (its newest is {head}): it was set up by a newer "
            "version, so run that version, or restore a backup taken with this one"
        )
    return (
        f"the database {where} is at schema {current}, older than this version needs "
        f"({head}): run `python -m sgoversight init-db` to migrate it"
    )


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        from sqlalchemy import text

        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
