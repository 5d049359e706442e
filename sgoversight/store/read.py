"""Reading rows fast: plain DB-API connections for the computations that only read.

Rule: a computation (a month's ratings, a week's report, a quarter's scorecard) reads only the
columns and date ranges it needs, as plain tuples, through a DB-API connection: the standard
library's `sqlite3` for a SQLite URL, `psycopg` for PostgreSQL, or, in the app, the engine's own
raw connection (`from_engine`). Nothing here imports SQLAlchemy, pandas or pydantic, so a command
that reads through this module loads none of them.

SQL is written once with `?` placeholders; `rows` turns them into `%s` for psycopg. Dates come
back as `datetime.date` from both databases (SQLite stores them as ISO text: `as_date`).

Independent statements can be read at once (`rows_at_once`), each on a connection of its own,
so the database works on several while Python waits for them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

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


Key = TypeVar("Key")
#: Opens a read connection and closes (or returns) it after use: connect(url), from_engine(engine).
Opener = Callable[[], AbstractContextManager[Connection]]


def rows_at_once(
    connection: Connection,
    statements: Mapping[Key, tuple[str, Sequence[object]]],
    opener: Opener | None = None,
) -> dict[Key, list[tuple]]:
    """Every row of each statement (`sql`, `params`), by its key. With `opener`, the first
    statement is read on `connection` while each other one is read on a connection of its own
    in a thread (the database runs them side by side; the driver lets go of Python while it
    waits); without, one after another on `connection`."""
    items = list(statements.items())
    if opener is None or len(items) < 2:
        return {key: rows(connection, sql, params) for key, (sql, params) in items}
    from concurrent.futures import ThreadPoolExecutor  # only when reading at once

    def apart(sql: str, params: Sequence[object]) -> list[tuple]:
        with opener() as own:
            return rows(own, sql, params)

    (first, (sql, params)), *others = items
    with ThreadPoolExecutor(max_workers=len(others)) as pool:
        pending = {key: pool.submit(apart, *statement) for key, statement in others}
        found = {first: rows(connection, sql, params)}
        found.update((key, future.result()) for key, future in pending.items())
    return {key: found[key] for key, _ in items}


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
