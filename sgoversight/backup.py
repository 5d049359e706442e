"""Backup and restore: a consistent copy of every table, taken while the app runs.

Rules:
- A backup is a SQLite database file with the same schema (migrated to the same revision), so
  it can be opened with any SQLite tool and restored to SQLite or PostgreSQL alike.
- It is read inside one transaction (SQLite in WAL mode and PostgreSQL at REPEATABLE READ both
  give one snapshot), so writes made while it runs are either wholly in it or wholly not.
- The file is written under a temporary name and renamed at the end: an interrupted backup never
  leaves a file that looks complete.
- Restore goes only into a database with no data (migrated, empty), at the backup's schema
  revision, in one transaction: it either loads everything or nothing. It writes one audit event.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from sgoversight import audit
from sgoversight.auth import Actor, Permission
from sgoversight.db import make_engine
from sgoversight.errors import BadInput
from sgoversight.migrate import current_revision, upgrade
from sgoversight.models import Base

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
    engine: Engine, out: Path | str, actor: Actor, *, progress: Progress | None = None
) -> CopySummary:
    """Write a consistent copy of the database at `engine` to the SQLite file `out` (the actor
    needs BACKUP_RESTORE: a copy holds every record)."""
    actor.require(Permission.BACKUP_RESTORE)
    out = Path(out)
    if out.exists():
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


def restore(
    engine: Engine, source: Path | str, actor: Actor, *, progress: Progress | None = None
) -> CopySummary:
    """Load the backup file `source` into the empty database at `engine`, all or nothing."""
    actor.require(Permission.BACKUP_RESTORE)
    source = Path(source)
    if not source.is_file():
        raise BadInput(f"{source}: no such backup file")
    backup_engine = make_engine(f"sqlite:///{source}")
    try:
        revision = current_revision(backup_engine)
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
