"""Several processes writing at once lose no update and never crash on a locked database."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Role
from sgoversight.board import decisions
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.plans import actions as plan_actions
from sgoversight.store.db import PROJECT_ROOT
from sgoversight.store.models import (
    AuditEvent,
    BoardDecision,
    ImportRun,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
)
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

    from sgoversight.alerts.intake import log_alert
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
                saved.append(log_alert(engine, COMMISSIONER, form(), today=TODAY))
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


# --- plans and Board decisions written at the same moment ----------------------------------------

TRIES = 10
TODAY = dt.date(2026, 11, 24)
BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
COMMISSIONER = Actor("cal", frozenset({Role.COMMISSIONER}))


def _at_once(work: Callable[[int], object]) -> list[object]:
    """Run `work(n)` for n in range(TRIES) in threads released together; each result or the
    exception it raised, in order."""
    barrier = threading.Barrier(TRIES)

    def run(n: int) -> object:
        barrier.wait()
        try:
            return work(n)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(TRIES) as pool:
        return list(pool.map(run, range(TRIES)))


def _plan(engine: Engine) -> str:
    with Session(engine) as session, session.begin():
        session.add(
            Provider(
                provider_id="PRV-1",
                name="Elm House",
                service_type="care_home",
                regulated=True,
                cqc_rating="requires_improvement",  # Amber every month
            )
        )
    return plan_actions.open_plan(
        engine,
        COMMISSIONER,
        "PRV-1",
        "Medication errors",
        "planowner",
        TODAY - dt.timedelta(days=10),
        TODAY + dt.timedelta(days=30),
        today=TODAY,
    )


def test_actions_added_to_one_plan_at_once_all_land_with_their_own_ids(engine: Engine) -> None:
    plan_id = _plan(engine)
    results = _at_once(
        lambda n: plan_actions.add_action(
            engine, COMMISSIONER, plan_id, f"Action {n}", "planowner", TODAY + dt.timedelta(n)
        )
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == TRIES
    assert _count(engine, ImprovementAction) == TRIES


def test_one_action_saved_by_many_at_once_keeps_one_and_refuses_the_rest(engine: Engine) -> None:
    plan_id = _plan(engine)
    action_id = plan_actions.add_action(
        engine, COMMISSIONER, plan_id, "Audit", "planowner", TODAY + dt.timedelta(7)
    )
    results = _at_once(
        lambda n: plan_actions.update_action(
            engine, COMMISSIONER, action_id, evidence=f"Evidence {n}", version=1
        )
    )
    saved = [n for n, r in enumerate(results) if r is True]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(saved) == 1
    assert all(isinstance(r, EditConflict) for r in refused), refused
    with Session(engine) as session:
        assert session.get(ImprovementAction, action_id).evidence == f"Evidence {saved[0]}"


def test_first_decisions_recorded_at_once_leave_one_current_and_no_raw_error(
    engine: Engine,
) -> None:
    _plan(engine)
    results = _at_once(
        lambda n: decisions.record_decision(
            engine,
            BOARD,
            today=TODAY,
            board_month="2026-10",
            provider_id="PRV-1",
            computed_rating="Amber",
            agreed=True,
            decision="routine_monitoring" if n % 2 else "other",
        )
    )
    recorded = [r for r in results if isinstance(r, decisions.RecordedDecision)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(recorded) == 1
    # the others are told a decision exists (amend it, with a reason) or that it changed meanwhile
    assert all(isinstance(r, FormInvalid | EditConflict) for r in refused), refused
    with Session(engine) as session:
        assert len(decisions.latest_decisions(session, "2026-10")) == 1
        assert session.scalar(select(func.count()).select_from(BoardDecision)) == 1


def test_board_decisions_and_plans_opened_at_once_leave_one_open_plan(engine: Engine) -> None:
    plan_id = _plan(engine)
    plan_actions.close_plan(  # no action yet: the provider has no open plan now
        engine, BOARD, plan_id, "Opened in error", TODAY, today=TODAY
    )

    def work(n: int) -> object:
        if n % 2:
            return plan_actions.open_plan(
                engine,
                COMMISSIONER,
                "PRV-1",
                "Medication errors",
                "planowner",
                TODAY,
                TODAY + dt.timedelta(days=30),
                today=TODAY,
            )
        return decisions.record_decision(
            engine,
            BOARD,
            today=TODAY,
            board_month=f"2026-{n // 2 + 5:02d}",  # a month each: no decision amends another
            provider_id="PRV-1",
            computed_rating="Amber",
            agreed=False,
            override_rating="Red",
            rationale="Concerns rising",
            decision="improvement_plan",
        )

    results = _at_once(work)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, BadInput)]
    assert not unexpected, unexpected
    with Session(engine) as session:
        open_plans = session.scalars(
            select(ImprovementPlan.plan_id).where(ImprovementPlan.status == "open")
        ).all()
    assert len(open_plans) == 1
    decided = [r for r in results if isinstance(r, decisions.RecordedDecision)]
    assert {r.plan_id for r in decided} <= set(open_plans)  # every decision links that one plan
