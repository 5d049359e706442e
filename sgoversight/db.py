"""Engine and session factory, from DATABASE_URL.

Rule (DESIGN.md, CONTRACT.md §2): the database is the SQLite file `data/sgoversight.db` unless
DATABASE_URL names another (any SQLAlchemy URL, PostgreSQL included). SQLite is opened with foreign
keys on, write-ahead logging and a busy timeout, so several processes can share it safely.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "sgoversight.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url() -> str:
    """The configured database URL: DATABASE_URL, else the default SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (the one in requirements.txt)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


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
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


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
