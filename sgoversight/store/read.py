"""Reading rows fast: plain DB-API connections for the computations that only read.

Rule: a computation (a month's ratings, a week's report, a quarter's scorecard) reads only the
columns and date ranges it needs, as plain tuples, through a DB-API connection: the standard
library's `sqlite3` for a SQLite URL, `psycopg` for PostgreSQL, or, in the app, the engine's own
raw connection (`from_engine`). Nothing here imports SQLAlchemy, pandas or pydantic, so a command
that reads through this module loads none of them.

SQL is written once with `?` placeholders; `rows` turns them into `%s` for psycopg. Dates come
back as `datetime.date` from both databases (SQLite stores them as ISO text: `as_date`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

#: How long a reader waits for a SQLite writer to finish (the same as the app's engine).
SQLITE_BUSY_TIMEOUT_S = 30.0


class Connection(Protocol):
    """The part of a DB-API 2.0 connection this module uses."""

    def cursor(self) -> Any: ...

    def close(self) -> None: ...


def is_sqlite(url: str) -> bool:
    """Whether `url` (a SQLAlchemy-style URL) names a SQLite database."""
    return url.split(":", 1)[0].split("+", 1)[0] == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file a `sqlite:///path` URL names (`sqlite:////abs` for an absolute path; a
    `file:` URI's query is dropped)."""
    path = url.split("://", 1)[1].removeprefix("/")
    path = path.removeprefix("file:").split("?", 1)[0]
    return Path(path)


def postgres_conninfo(url: str) -> str:
    """A libpq connection URI for a `postgresql[+driver]://` (or `postgres://`) URL."""
    rest = url.split("://", 1)[1]
    return f"postgresql://{rest}"


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A read connection to the database `url` names, closed after use. SQLite is opened
    read-only (a missing file is an error, never created)."""
    if is_sqlite(url):
        path = sqlite_path(url).resolve()
        connection: Any = sqlite3.connect(
            f"{path.as_uri()}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_S
        )
    else:
        import psycopg  # only for PostgreSQL

        connection = psycopg.connect(postgres_conninfo(url), autocommit=True)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def from_engine(engine: Any) -> Iterator[Connection]:
    """The raw DB-API connection of a SQLAlchemy engine (the app's pool), returned after use."""
    connection = engine.raw_connection()
    try:
        yield connection
    finally:
        connection.close()


def _paramstyle(connection: Connection) -> str:
    return "qmark" if isinstance(connection, sqlite3.Connection) else "format"


def rows(connection: Connection, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Every row of `sql` (written with `?` placeholders) as plain tuples."""
    dbapi = getattr(connection, "dbapi_connection", None) or getattr(
        connection, "driver_connection", None
    )
    style = _paramstyle(dbapi if dbapi is not None else connection)
    if style == "format":
        sql = sql.replace("%", "%%").replace("?", "%s")
    cursor = connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def as_date(value: object) -> dt.date | None:
    """A stored date as `datetime.date` (SQLite keeps ISO text; PostgreSQL returns dates)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_iso(day: dt.date) -> str:
    """A date as a query parameter both databases compare correctly with stored dates."""
    return day.isoformat()
