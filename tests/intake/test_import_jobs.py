"""An import run in a child process: the web app watches its progress, gets its report, can cancel
it, and the child is held to its memory and time budget from outside."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sgoversight.auth import SYSTEM
from sgoversight.intake import import_jobs
from sgoversight.intake.import_jobs import ImportJob
from sgoversight.intake.importing import CANCELLED
from sgoversight.intake.sheets import ImportLimits
from tests.fixtures.importing import (
    TODAY,
    add_providers,
    audit_actions,
    csv_bytes,
    good_row,
    large_alerts_csv,
    seed,
    snapshot,
)

WAIT = 120


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine


def _job(engine: Engine, data: bytes, **options: object) -> ImportJob:
    options.setdefault("dry_run", True)
    return ImportJob(
        engine.url.render_as_string(hide_password=False),
        "alerts",
        data,
        filename="alerts.csv",
        actor=SYSTEM,
        today=TODAY,
        **options,  # type: ignore[arg-type]
    )


def test_a_check_reports_problems_and_writes_nothing(seeded: Engine) -> None:
    before = snapshot(seeded)
    data = csv_bytes([good_row("alerts"), good_row("alerts", 2, severity="bad")])
    status = _job(seeded, data).wait(WAIT)
    assert status.finished and status.fraction == 1.0
    assert status.report is not None
    assert [str(p).split(": ")[0] for p in status.report.problems] == ["alerts.csv:3:severity"]
    assert status.message == "alerts.csv: rejected, 1 problem in 1 row; nothing written"
    assert snapshot(seeded) == before
    assert audit_actions(seeded) == []


def test_an_import_writes_in_the_child(seeded: Engine) -> None:
    data = csv_bytes([good_row("alerts", n) for n in range(1, 4)])
    status = _job(seeded, data, dry_run=False).wait(WAIT)
    assert status.report is not None and status.report.ok, status.report
    assert status.report.created == 3
    assert audit_actions(seeded) == ["import"]


@pytest.mark.parametrize("when", ["at once", "while checking"])
def test_cancel_stops_the_child_and_writes_nothing(
    sqlite_engine: Engine, tmp_path: Path, when: str
) -> None:
    """At once, the child may not have started (it is killed); while it checks the rows, it
    stops at its next check and says so. Either way nothing is written."""
    add_providers(sqlite_engine, 1_000)
    data = large_alerts_csv(tmp_path / "alerts.csv", 150_000).read_bytes()
    before = snapshot(sqlite_engine)
    job = _job(sqlite_engine, data, dry_run=False)
    deadline = time.monotonic() + WAIT
    while when != "at once" and not job.status().message.startswith("Checking"):
        assert time.monotonic() < deadline and not job.status().finished
        time.sleep(0.05)
    job.cancel()
    assert job.status().message == "Cancelling…"
    status = job.wait(WAIT)
    assert status.report is not None
    assert [p.message for p in status.report.problems] == [CANCELLED]
    assert snapshot(sqlite_engine) == before


def test_a_child_over_its_memory_budget_is_stopped(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held from outside as well: a child past the budget is killed, whatever it is doing."""
    monkeypatch.setattr(import_jobs, "BASE_MEMORY_MIB", 1)
    data = csv_bytes([good_row("alerts")])
    before = snapshot(seeded)
    status = _job(seeded, data, dry_run=False, limits=ImportLimits(memory_mib=0)).wait(WAIT)
    assert status.report is not None and not status.report.ok
    assert "more than 0 MiB of memory" in status.report.problems[0].message
    assert snapshot(seeded) == before


def test_a_child_over_its_time_budget_is_stopped(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_jobs, "WRITE_GRACE_SECONDS", 0.0)
    status = _job(seeded, csv_bytes([good_row("alerts")]), limits=ImportLimits(seconds=0)).wait(
        WAIT
    )
    assert status.report is not None and not status.report.ok
    assert "took longer than 0 seconds" in status.report.problems[0].message


def test_the_uploaded_copy_is_removed(seeded: Engine) -> None:
    job = _job(seeded, csv_bytes([good_row("alerts")]))
    path = job._path
    assert path.exists() or job.wait(WAIT).finished
    job.wait(WAIT)
    assert not path.exists()


def test_a_child_that_fails_is_logged_not_shown(
    seeded: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A database that cannot be opened makes the child fail: the page gets a plain problem and
    the traceback goes to the log."""
    job = ImportJob(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        "alerts",
        csv_bytes([good_row("alerts")]),
        filename="alerts.csv",
        actor=SYSTEM,
        dry_run=True,
    )
    with caplog.at_level("ERROR", logger="sgoversight.intake.import_jobs"):
        status = job.wait(WAIT)
    assert status.report is not None
    assert [p.message for p in status.report.problems] == [
        "the check stopped unexpectedly: nothing was written; try again, or split the file into "
        "parts"
    ]
    assert "ended without a report" in caplog.text and "OperationalError" in caplog.text


def test_the_child_gives_way_to_the_web_app(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The check runs at a lower CPU priority than the process that started it."""
    add_providers(sqlite_engine, 10)
    data = large_alerts_csv(tmp_path / "alerts.csv", 150_000).read_bytes()
    job = _job(sqlite_engine, data)
    deadline = time.monotonic() + WAIT
    while not job.status().message.startswith("Checking"):
        assert time.monotonic() < deadline and not job.status().finished
        time.sleep(0.05)
    child = job._process.pid
    try:
        niceness = os.getpriority(os.PRIO_PROCESS, child)
    finally:
        job.cancel()
        job.wait(WAIT)
    assert niceness - os.getpriority(os.PRIO_PROCESS, 0) == import_jobs.CHILD_NICENESS
