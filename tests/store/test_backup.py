"""Backup while the app writes, and restore into SQLite or PostgreSQL, all or nothing."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.errors import BadInput
from sgoversight.store import audit
from sgoversight.store.backup import backup, restore
from sgoversight.store.db import PROJECT_ROOT, make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import AuditEvent, BoardMeeting, Provider, QualityAlert


def _add_alert(engine: Engine, n: int) -> None:
    """One alert and its audit event in one transaction: a backup has both or neither."""
    with Session(engine) as session, session.begin():
        session.add(
            QualityAlert(
                alert_id=f"A{n}",
                provider_id="P1",
                raised_on=dt.date(2026, 11, 2),
                raised_by="commissioner",
                category="staffing",
                severity="low",
                summary="Rota gaps",
                status="open",
            )
        )
        audit.record(session, SYSTEM, "create", "quality_alert", f"A{n}")


def _seed(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            Provider(provider_id="P1", name="Oak", service_type="care_home", regulated=True)
        )
        session.add(
            BoardMeeting(board_month="2026-10", meeting_on=dt.date(2026, 11, 5), created_by="x")
        )
    for n in range(20):
        _add_alert(engine, n)


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_backup_then_restore_round_trip(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    summary = backup(engine, tmp_path / "copy.db", SYSTEM)
    assert summary.rows["quality_alerts"] == 20
    target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    upgrade(target)
    restored = restore(target, tmp_path / "copy.db", SYSTEM)
    assert restored.rows == summary.rows
    assert _count(target, QualityAlert) == 20
    # the restore itself is audited, after the copied events
    assert _count(target, AuditEvent) == 21
    target.dispose()


def test_sqlite_backup_restores_into_the_test_database(engine: Engine, tmp_path: Path) -> None:
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    upgrade(source)
    _seed(source)
    backup(source, tmp_path / "copy.db", SYSTEM)
    source.dispose()
    restore(engine, tmp_path / "copy.db", SYSTEM)
    assert _count(engine, QualityAlert) == 20
    # ids keep counting after the restored ones (sequences moved on PostgreSQL)
    with Session(engine) as session, session.begin():
        session.add(
            BoardMeeting(board_month="2026-11", meeting_on=dt.date(2026, 12, 3), created_by="x")
        )
    with Session(engine) as session:
        assert sorted(session.scalars(select(BoardMeeting.id))) == [1, 2]


def test_backup_taken_during_writes_is_consistent(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    stop = threading.Event()

    def keep_writing() -> None:
        n = 100
        while not stop.is_set():
            _add_alert(engine, n)
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backup(engine, tmp_path / "live.db", SYSTEM)
    finally:
        stop.set()
        writer.join()
    copy = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    alerts, events = _count(copy, QualityAlert), _count(copy, AuditEvent)
    copy.dispose()
    assert alerts >= 20
    assert alerts == events  # never an alert without its audit event, or the reverse


def test_interrupted_backup_leaves_no_file(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)

    def fail_half_way(fraction: float, _message: str) -> None:
        if fraction > 0.5:
            raise KeyboardInterrupt

    out = tmp_path / "backups"
    with pytest.raises(KeyboardInterrupt):
        backup(engine, out / "cut.db", SYSTEM, progress=fail_half_way)
    assert list(out.iterdir()) == []


def test_restore_refuses_a_database_with_data_and_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    _seed(engine)
    backup(engine, tmp_path / "copy.db", SYSTEM)
    before = _count(engine, AuditEvent)
    with pytest.raises(BadInput, match="only into an empty database"):
        restore(engine, tmp_path / "copy.db", SYSTEM)
    assert _count(engine, AuditEvent) == before
    assert _count(engine, QualityAlert) == 20


def test_restore_is_all_or_nothing(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    backup(engine, tmp_path / "copy.db", SYSTEM)
    target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    upgrade(target)

    def fail_late(fraction: float, _message: str) -> None:
        if fraction > 0.9:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        restore(target, tmp_path / "copy.db", SYSTEM, progress=fail_late)
    assert _count(target, Provider) == 0
    assert _count(target, AuditEvent) == 0
    target.dispose()


def test_only_admins_restore_and_backups_never_overwrite(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    backup(engine, tmp_path / "copy.db", SYSTEM)
    with pytest.raises(BadInput, match="already exists"):
        backup(engine, tmp_path / "copy.db", SYSTEM)
    commissioner = Actor("cara", frozenset({Role.COMMISSIONER}))
    with pytest.raises(PermissionDenied):
        restore(engine, tmp_path / "copy.db", commissioner)
    with pytest.raises(PermissionDenied):  # a copy holds every record
        backup(engine, tmp_path / "not-allowed.db", commissioner)
    assert not (tmp_path / "not-allowed.db").exists()
    with pytest.raises(BadInput, match="no such backup file"):
        restore(engine, tmp_path / "missing.db", SYSTEM)


def test_command_line_backup_and_restore(tmp_path: Path) -> None:
    def cli(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
        return subprocess.run(
            [sys.executable, "-m", "sgoversight", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
            check=False,
        )

    source = tmp_path / "source.db"
    assert cli(source, "init-db").returncode == 0
    engine = make_engine(f"sqlite:///{source}")
    _seed(engine)
    engine.dispose()
    made = cli(source, "backup", "--out", str(tmp_path / "copy.db"))
    assert made.returncode == 0, made.stderr
    assert "Backup written to" in made.stdout
    restored = cli(tmp_path / "new.db", "restore", str(tmp_path / "copy.db"))
    assert restored.returncode == 0, restored.stderr
    again = cli(tmp_path / "new.db", "restore", str(tmp_path / "copy.db"))
    assert again.returncode == 2
    assert "only into an empty database" in again.stderr


# --- a damaged backup, and files the commands will not overwrite ---------------------------------


def test_a_backup_cut_short_is_refused_with_a_message_about_the_backup(
    engine: Engine, tmp_path: Path
) -> None:
    source = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    upgrade(source)
    _seed(source)
    backup(source, tmp_path / "copy.db", SYSTEM)
    source.dispose()
    whole = (tmp_path / "copy.db").read_bytes()
    for kept in (len(whole) // 2, 4096, 100):
        cut = tmp_path / f"cut-{kept}.db"
        cut.write_bytes(whole[:kept])
        with pytest.raises(BadInput) as refused:
            restore(engine, cut, SYSTEM)
        assert str(refused.value).startswith(
            f"{cut.name}: the backup file is incomplete or damaged"
        )
        assert cut.read_bytes() == whole[:kept]  # the backup is read, never changed
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(BadInput, match=r"empty\.db: holds no schema"):
        restore(engine, tmp_path / "empty.db", SYSTEM)
    assert _count(engine, Provider) == 0 and _count(engine, AuditEvent) == 0
    restore(engine, tmp_path / "copy.db", SYSTEM)
    assert (tmp_path / "copy.db").read_bytes() == whole
    assert _count(engine, QualityAlert) == 20


def _cli(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "sgoversight", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )


def test_commands_replace_an_existing_file_only_with_force(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    _seed(engine)
    engine.dispose()
    commands = {
        "copy.db": ("backup", "--out"),
        "pack.xlsx": ("export", "board-pack", "--month", "2026-10", "--out"),
        "return.xlsx": ("national-return", "--year", "2025", "--out"),
    }
    for name, command in commands.items():
        out = tmp_path / name
        out.write_bytes(b"keep me")
        refused = _cli(database, *command, str(out))
        assert refused.returncode == 2, refused.stderr
        assert "already exists" in refused.stderr and "--force" in refused.stderr
        assert out.read_bytes() == b"keep me"
        replaced = _cli(database, *command, str(out), "--force")
        assert replaced.returncode == 0, replaced.stderr
        assert out.read_bytes() != b"keep me" and out.stat().st_size > 0
    copy = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    assert _count(copy, QualityAlert) == 20  # the replaced backup is a whole one
    copy.dispose()
    folder = _cli(database, "backup", "--out", str(tmp_path), "--force")
    assert folder.returncode == 2 and "is a folder" in folder.stderr
