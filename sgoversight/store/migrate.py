"""Schema migrations with Alembic, the same revisions for SQLite (batch mode) and PostgreSQL.

Rule: a database stamped by a revision this version does not know was set up by a newer version;
it is refused before anything reads or writes it (`newer_schema_problem`), by the app and by
every command, init-db included. That check does not load Alembic (every command pays for it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sgoversight.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Engine

    from sgoversight.store.read import Connection

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
_REVISION_LINE = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN_LINE = re.compile(
    r"""^down_revision\s*(?::\s*[^=]+)?=\s*["']([^"']+)["']""", re.MULTILINE
)


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at `migrations/` and the given database URL."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(Path(MIGRATIONS_DIR)))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

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
        return _newer_words(where, current, head)
    return (
        f"the database {where} is at schema {current}, older than this version needs "
        f"({head}): run `python -m sgoversight init-db` to migrate it"
    )


def _newer_words(where: str, current: str, head: str | None) -> str:
    return (
        f"the database {where} is at schema {current}, which this version of the "
        f"application does not know (its newest is {head}): it was set up by a newer "
        "version, so run that version, or restore a backup taken with this one"
    )


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database. A missing SQLite file is
    not opened (opening would create it): it has no schema at all."""
    from sqlalchemy import inspect, text

    from sgoversight.store.db import missing_problem

    if missing_problem(engine) is not None or not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def newer_schema_problem(engine: Engine) -> str | None:
    """schema_problem's words when the database was set up by a newer version of the application
    (a revision not in migrations/), else None."""
    current = current_revision(engine)
    if current is None or current in known_revisions():
        return None
    return schema_problem(engine)


def known_revisions() -> frozenset[str]:
    """Every revision in migrations/versions, read from the files' `revision = "…"` lines without
    loading Alembic (tests check it is Alembic's own list)."""
    return frozenset(
        match.group(1)
        for path in (MIGRATIONS_DIR / "versions").glob("*.py")
        for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))
    )


def head_from_files() -> str | None:
    """The newest revision in migrations/versions (the one no other revises), read from the
    files without loading Alembic; None when there is not exactly one."""
    known, revised = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        known |= {m.group(1) for m in _REVISION_LINE.finditer(text)}
        revised |= {m.group(1) for m in _DOWN_LINE.finditer(text)}
    heads = known - revised
    return next(iter(heads)) if len(heads) == 1 else None


def newer_schema_problem_in(connection: Connection, where: str) -> str | None:
    """newer_schema_problem over a plain DB-API connection (sgoversight.store.read), for the
    commands that load no SQLAlchemy: the same words when the database is stamped by a revision not
    in migrations/, else None (no alembic_version table: no schema, not newer). `where` names the
    database as the words show it."""
    from sgoversight.store.read import rows

    try:
        stamped = rows(connection, "SELECT version_num FROM alembic_version")
    except Exception as exc:  # no such table: the schema is missing, which is not this check's
        if "alembic_version" in str(exc) or "no such table" in str(exc).lower():
            return None
        raise
    current = stamped[0][0] if stamped else None
    if current is None or current in known_revisions():
        return None
    return _newer_words(where, current, head_from_files())


def usable_problem(engine: Engine) -> str | None:
    """Why the app cannot work on `engine`'s database, in words for whoever looks after it, or
    None when it can.

    Rules, first match wins, none of them writing anything or creating a file or folder: the
    SQLite file is missing; the database cannot be reached; it has no schema, an older one or one
    written by a newer version (schema_problem); nothing can be written to it (write_problem: the
    app writes on every sign-in).
    """
    from sqlalchemy.exc import DBAPIError

    from sgoversight.store.db import missing_problem, write_problem

    missing = missing_problem(engine)
    if missing is not None:
        return missing
    try:
        problem = schema_problem(engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        where = engine.url.render_as_string(hide_password=True)
        return f"the database {where} cannot be reached ({reason})"
    return problem or write_problem(engine)
