"""Engine and session factory, from DATABASE_URL.

Rule (DESIGN.md, CONTRACT.md §2): the database is the SQLite file `data/sgoversight.db` unless
DATABASE_URL names another (any SQLAlchemy URL, PostgreSQL included). SQLite is opened with foreign
keys on, write-ahead logging and a busy timeout, so several processes can share it safely.
Making an engine creates nothing: only the commands that create a database (init-db, restore)
make its folder (`create_folder`), so a mistyped path never leaves folders behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from sgoversight.paths import DEFAULT_SQLITE_PATH as DEFAULT_SQLITE_PATH
from sgoversight.paths import PROJECT_ROOT as PROJECT_ROOT
from sgoversight.paths import database_url, normalise_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for `url` (default: database_url()), SQLite configured as described above."""
    url = normalise_url(url) if url else database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database (also when named as a `file:` URI), else None."""
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def create_folder(engine: Engine) -> None:
    """Make the folder of a SQLite database file, for a command that creates the database."""
    path = sqlite_file(engine)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def missing_problem(engine: Engine) -> str | None:
    """Why the database does not exist yet, checked without opening it (opening a SQLite file
    creates it): its file is missing. None when it exists or is not a file."""
    path = sqlite_file(engine)
    if path is None or path.is_file():
        return None
    return (
        f"the database file {path} does not exist: run `python -m sgoversight init-db` to create "
        "it, or set DATABASE_URL to the database you mean"
    )


def write_problem(engine: Engine) -> str | None:
    """Why nothing can be written to the database (read-only file or connection, a read-only
    PostgreSQL server or transaction, no permission), or None.

    Rule: it is found by an update that matches no row, rolled back, so it changes nothing.
    """
    try:
        with engine.connect() as connection:
            connection.execute(text("UPDATE users SET failed_logins = failed_logins WHERE 1 = 0"))
            connection.rollback()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        where = engine.url.render_as_string(hide_password=True)
        return f"the database {where} cannot be written to ({reason})"
    return None


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (cached: one pool per database)."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A writing session in one transaction: committed on success, rolled back on any error."""
    session = session_factory(engine)()
    try:
        begin_write(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Start `session`'s transaction as a writer.

    Rule: on SQLite a transaction that will write takes the write lock when it starts (BEGIN
    IMMEDIATE, waiting up to the busy timeout for other writers), so it can never fail half-way
    with "database is locked" because another process wrote after it first read. PostgreSQL needs
    nothing: row locks and the version checks handle concurrent writers.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
