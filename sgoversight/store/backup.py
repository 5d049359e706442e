"""Backup and restore: a consistent copy of every table, taken while the app runs.

Rules:
- A backup is a SQLite database file with the same schema (migrated to the same revision), so
  it can be opened with any SQLite tool and restored to SQLite or PostgreSQL alike.
- It is read inside one transaction (SQLite in WAL mode and PostgreSQL at REPEATABLE READ both
  give one snapshot), so writes made while it runs are either wholly in it or wholly not.
- The file is written under a temporary name and renamed at the end: an interrupted backup never
  leaves a file that looks complete.
- An existing file is never replaced unless asked (`replace`), and then only once the new copy
  is complete.
- Restore reads the backup file read-only (it is never changed) and checks it first: a file cut
  short or damaged is refused with a message about the backup, before the target is touched.
- Restore goes only into a database with no data (migrated, empty), at the backup's schema
  revision, in one transaction: it either loads everything or nothing. It writes one audit event.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from sgoversight.auth import Actor, Permission
from sgoversight.errors import BadInput
from sgoversight.store import audit
from sgoversight.store.db import make_engine
from sgoversight.store.migrate import current_revision, upgrade
from sgoversight.store.models import Base

Progress = Callable[[float, str], None]
BATCH_ROWS = 5_000


@dataclass(frozen=True)
class CopySummary:
    revision: str | None
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def __str__(self) -> str:
        return f"{self.total:,} rows in {len(self.rows)} tables (schema {self.revision})"


def _tables() -> list:
    """Every table in foreign-key order (parents before children)."""
    return list(Base.metadata.sorted_tables)


def _copy(source: Engine, target: Engine, progress: Progress | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    tables = _tables()
    with source.connect() as read:
        if source.dialect.name == "postgresql":
            read.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        else:
            read.exec_driver_sql("BEGIN")  # one read snapshot for every table (WAL mode)
        with target.begin() as write:
            for number, table in enumerate(tables):
                if progress:
                    progress(number / len(tables), f"Copying {table.name}")
                result = read.execution_options(yield_per=BATCH_ROWS).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
                copied = 0
                for batch in result.mappings().partitions(BATCH_ROWS):
                    write.execute(insert(table), [dict(row) for row in batch])
                    copied += len(batch)
                counts[table.name] = copied
        read.rollback()
    if progress:
        progress(1.0, "Copied")
    return counts


def backup(
    engine: Engine,
    out: Path | str,
    actor: Actor,
    *,
    progress: Progress | None = None,
    replace: bool = False,
) -> CopySummary:
    """Write a consistent copy of the database at `engine` to the SQLite file `out` (the actor
    needs BACKUP_RESTORE: a copy holds every record). An existing `out` is refused unless
    `replace`, and then replaced only when the new copy is complete; a folder is always refused."""
    actor.require(Permission.BACKUP_RESTORE)
    out = Path(out)
    if out.is_dir():
        raise BadInput(f"{out}: is a folder; give a file name")
    if out.exists() and not replace:
        raise BadInput(f"{out}: already exists; choose a new file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    target = make_engine(f"sqlite:///{partial}")
    try:
        upgrade(target)
        revision = current_revision(engine)
        if revision != current_revision(target):
            raise BadInput(
                f"the database is at schema {revision}; run init-db before taking a backup"
            )
        rows = _copy(engine, target, progress)
        with target.connect() as conn:  # fold the write-ahead log into the one file
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    except BaseException:
        target.dispose()
        partial.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        raise
    target.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    os.replace(partial, out)
    return CopySummary(revision, rows)


def _has_data(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [
            table.name
            for table in _tables()
            if session.scalar(select(func.count()).select_from(table))
        ]


def _open_backup(source: Path) -> Engine:
    """The backup file opened read-only, so checking and copying it never changes it (not even
    its journal mode)."""
    uri = f"file:{quote(str(source.resolve()))}?mode=ro"
    return create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=NullPool,
    )


def _backup_revision(backup_engine: Engine, source: Path) -> str:
    """The schema revision of the backup file `source`, once it is known to be whole.

    Rule: a file SQLite cannot read through, or whose pages do not check out (a copy cut short,
    a damaged disk), and a file holding no schema are refused with BadInput naming the backup,
    before anything is written anywhere.
    """
    try:
        with backup_engine.connect() as connection:
            verdict = connection.exec_driver_sql("PRAGMA quick_check").scalar()
        revision = current_revision(backup_engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise BadInput(_damaged_backup(source, reason)) from exc
    if verdict != "ok":
        raise BadInput(_damaged_backup(source, str(verdict)))
    if revision is None:
        raise BadInput(f"{source.name}: holds no schema, so it is not a file written by `backup`")
    return revision


def _damaged_backup(source: Path, reason: str) -> str:
    return (
        f"{source.name}: the backup file is incomplete or damaged ({reason}); it may have been "
        "cut short while it was copied. Nothing was restored: use a whole copy of the backup"
    )


def restore(
    engine: Engine, source: Path | str, actor: Actor, *, progress: Progress | None = None
) -> CopySummary:
    """Load the backup file `source` into the empty database at `engine`, all or nothing; a
    damaged or incomplete backup is refused before the database is touched."""
    actor.require(Permission.BACKUP_RESTORE)
    source = Path(source)
    if not source.is_file():
        raise BadInput(f"{source}: no such backup file")
    backup_engine = _open_backup(source)
    try:
        revision = _backup_revision(backup_engine, source)
        upgrade(engine)
        if revision != current_revision(engine):
            raise BadInput(
                f"{source.name}: the backup is at schema {revision}, this database at "
                f"{current_revision(engine)}; restore with the version of the app that took it"
            )
        occupied = _has_data(engine)
        if occupied:
            raise BadInput(
                "restore goes only into an empty database; this one has data in "
                + ", ".join(occupied)
            )
        rows = _copy(backup_engine, engine, progress)
    finally:
        backup_engine.dispose()
    if engine.dialect.name == "postgresql":
        _reset_sequences(engine)
    with Session(engine) as session, session.begin():
        audit.record(
            session,
            actor,
            "restore",
            "database",
            source.name,
            detail=f"restored {sum(rows.values()):,} rows from {source.name}",
        )
    return CopySummary(revision, rows)


def _reset_sequences(engine: Engine) -> None:
    """After loading explicit ids, move each serial column's sequence past the largest id."""
    with engine.begin() as conn:
        for table in _tables():
            for column in table.primary_key.columns:
                if column.autoincrement is True or (
                    column.autoincrement == "auto" and column.type.python_type is int
                ):
                    largest = conn.scalar(select(func.max(column))) or 0
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, false)"),
                        {"t": table.name, "c": column.name, "v": largest + 1},
                    )
