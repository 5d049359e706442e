"""Several processes writing at once lose no update and never crash on a locked database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.db import PROJECT_ROOT
from sgoversight.models import AuditEvent, ImportRun, QualityAlert
from tests.fixtures.importing import csv_bytes, good_row, seed

PROCESSES = 4
ROWS = 300


def _start(engine: Engine, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return subprocess.Popen(
        [sys.executable, "-m", "sgoversight", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )


def _alerts_file(tmp_path: Path, batch: int) -> Path:
    rows = [
        good_row("alerts", batch * 10_000 + n, raised_on="2025-06-01", status="open", closed_on="")
        for n in range(ROWS)
    ]
    path = tmp_path / f"alerts-{batch}.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_concurrent_imports_of_different_files_all_land(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    files = [_alerts_file(tmp_path, batch) for batch in range(PROCESSES)]
    running = [_start(engine, "import", "alerts", str(path)) for path in files]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in running]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    assert _count(engine, QualityAlert) == PROCESSES * ROWS
    assert _count(engine, ImportRun) == PROCESSES


def test_concurrent_imports_of_the_same_file_never_crash_or_half_write(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine)
    path = _alerts_file(tmp_path, 0)
    running = [_start(engine, "import", "alerts", str(path)) for _ in range(PROCESSES)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in running]
    for code, err in results:
        assert "Traceback" not in err
        # either it imported (or found nothing to change), or it was refused cleanly and wrote
        # nothing because another process saved the same rows at the same moment
        assert code == 0 or (code == 2 and "the database changed during the import" in err), err
    assert sum(code == 0 for code, _ in results) >= 1
    assert _count(engine, QualityAlert) == ROWS
    with Session(engine) as session:
        imports = session.scalars(select(ImportRun.created)).all()
        assert sum(imports) == ROWS  # every row created exactly once
        assert session.scalar(select(func.count()).select_from(AuditEvent)) >= 1


def test_alerts_logged_at_once_each_get_their_own_number(engine: Engine) -> None:
    """Many people logging alerts at the same moment: every alert is saved, numbered in turn."""
    import threading

    from sgoversight import alerts
    from tests.support.alerts import COMMISSIONER, TODAY, add_providers, form

    add_providers(engine)
    people, each = 8, 6
    start = threading.Barrier(people)
    saved: list[str] = []
    failures: list[BaseException] = []

    def log_several() -> None:
        start.wait()
        for _ in range(each):
            try:
                saved.append(alerts.log_alert(engine, COMMISSIONER, form(), today=TODAY))
            except BaseException as exc:  # every failure is reported below
                failures.append(exc)

    threads = [threading.Thread(target=log_several) for _ in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    assert sorted(saved) == [f"AL-2026-{n:05d}" for n in range(1, people * each + 1)]
    assert _count(engine, QualityAlert) == people * each
