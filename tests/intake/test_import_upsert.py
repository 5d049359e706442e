"""Upsert by id, all or nothing, audit: on SQLite and PostgreSQL.

Rules (CONTRACT.md §1): importing the same file twice changes nothing; a corrected file updates the
rows it names; training rows are identified by (staff_id, training_type, completed_on) and a
re-import updates the role; any invalid row means nothing is written. Every successful import adds
an ImportRun and one audit event in its transaction; a rejected one only an `import_rejected` event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.intake import importing
from sgoversight.store.models import (
    AuditEvent,
    ImportRun,
    QualityAlert,
    SafeguardingConcern,
    TrainingRecord,
)
from tests.fixtures.importing import (
    GOOD,
    audit_actions,
    counts,
    csv_bytes,
    good_row,
    run,
    seed,
    snapshot,
)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


def _alerts(n: int = 3, **changes: Any) -> list[dict[str, str]]:
    return [good_row("alerts", i, **changes.get(str(i), {})) for i in range(1, n + 1)]


def test_importing_the_same_file_twice_changes_nothing(seeded: Engine) -> None:
    files = {
        "providers": csv_bytes([good_row("providers", n) for n in range(1, 4)]),
        "alerts": csv_bytes(_alerts()),
        "concerns": csv_bytes([good_row("concerns", n) for n in range(1, 4)]),
        "plans": csv_bytes([good_row("plans", n) for n in range(1, 3)]),
        "actions": csv_bytes([good_row("actions", n) for n in range(1, 3)]),
        "training": csv_bytes([good_row("training", n) for n in range(1, 3)]),
    }
    for kind, data in files.items():
        assert run(seeded, kind, data).ok
    before = snapshot(seeded)
    for kind, data in files.items():
        again = run(seeded, kind, data)
        assert again.ok
        assert (again.created, again.updated) == (0, 0)
        assert again.unchanged == again.rows > 0
    assert snapshot(seeded) == before


def test_corrected_file_updates_only_the_rows_it_changes(seeded: Engine) -> None:
    assert run(seeded, "alerts", csv_bytes(_alerts())).ok
    with Session(seeded) as session:
        stamps = dict(session.execute(select(QualityAlert.alert_id, QualityAlert.updated_at)).all())
    corrected = _alerts(
        **{"2": {"severity": "critical"}, "3": {"status": "in_progress", "closed_on": ""}}
    )
    corrected.append(good_row("alerts", 4))
    report = run(seeded, "alerts", csv_bytes(corrected))
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (1, 2, 1)
    assert report.updated_ids == ["A1-2", "A1-3"] and report.created_ids == ["A1-4"]
    assert report.summary() == "alerts.csv: 4 rows valid: 1 created, 2 updated, 1 unchanged"
    with Session(seeded) as session:
        alerts = {a.alert_id: a for a in session.scalars(select(QualityAlert))}
    assert {k: a.version for k, a in alerts.items()} == {"A1-1": 1, "A1-2": 2, "A1-3": 2, "A1-4": 1}
    assert alerts["A1-2"].severity == "critical"
    assert (alerts["A1-3"].status, alerts["A1-3"].closed_on) == ("in_progress", None)
    assert alerts["A1-1"].updated_at == stamps["A1-1"]
    assert alerts["A1-2"].updated_at >= stamps["A1-2"]


def test_a_column_absent_from_the_file_is_left_as_it_is(seeded: Engine) -> None:
    assert run(seeded, "concerns", csv_bytes([good_row("concerns")])).ok
    columns = [c for c in GOOD["concerns"] if c not in ("screened_on", "survey_completed")]
    row = good_row("concerns", gender="male")
    report = run(seeded, "concerns", csv_bytes([row], columns))
    assert (report.updated, report.unchanged) == (1, 0)
    with Session(seeded) as session:
        concern = session.scalars(select(SafeguardingConcern)).one()
    assert concern.gender == "male"
    assert (concern.screened_on, concern.survey_completed) == (dt.date(2025, 3, 2), True)


def test_training_reimport_updates_the_role(seeded: Engine) -> None:
    first = [
        good_row("training", 1),
        good_row("training", 1, training_type="corporate_mandatory"),
        good_row("training", 1, completed_on="2023-11-05"),
    ]
    assert run(seeded, "training", csv_bytes(first)).created == 3
    second = [dict(r, role="operational_manager") for r in first[:2]] + [first[2]]
    second.append(good_row("training", 2))
    report = run(seeded, "training", csv_bytes(second))
    assert (report.created, report.updated, report.unchanged) == (1, 2, 1)
    with Session(seeded) as session:
        records = session.scalars(select(TrainingRecord).order_by(TrainingRecord.id)).all()
    assert [(r.staff_id, r.training_type, r.completed_on.isoformat(), r.role) for r in records] == [
        ("S1-1", "asc_enquiry", "2024-11-05", "operational_manager"),
        ("S1-1", "corporate_mandatory", "2024-11-05", "operational_manager"),
        ("S1-1", "asc_enquiry", "2023-11-05", "practitioner"),
        ("S1-2", "asc_enquiry", "2024-11-05", "practitioner"),
    ]


def test_one_bad_row_means_nothing_is_written(seeded: Engine) -> None:
    assert run(seeded, "alerts", csv_bytes(_alerts(2))).ok
    before = snapshot(seeded)
    rows = _alerts(3, **{"1": {"severity": "low"}})
    rows.append(good_row("alerts", 9, raised_on="yesterday"))
    report = run(seeded, "alerts", csv_bytes(rows))
    assert [str(p).split(": ")[0] for p in report.problems] == ["alerts.csv:5:raised_on"]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert snapshot(seeded) == before


def test_success_writes_an_import_run_and_one_audit_event(seeded: Engine) -> None:
    run(seeded, "alerts", csv_bytes(_alerts(2)))
    report = run(seeded, "alerts", csv_bytes(_alerts(3, **{"1": {"severity": "low"}})))
    with Session(seeded) as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(r.kind, r.filename, r.rows, r.created, r.updated, r.unchanged) for r in runs] == [
        ("alerts", "alerts.csv", 2, 2, 0, 0),
        ("alerts", "alerts.csv", 3, 1, 1, 1),
    ]
    assert runs[-1].imported_by == "system"
    assert [(e.action, e.entity, e.entity_id) for e in events] == [
        ("import", "alerts", "alerts.csv"),
        ("import", "alerts", "alerts.csv"),
    ]
    assert events[-1].detail == report.summary()
    assert events[-1].after == {"created": ["A1-3"], "updated": ["A1-1"]}


def test_audit_event_lists_at_most_a_thousand_ids(sqlite_engine: Engine) -> None:
    rows = [good_row("providers", n) for n in range(1, 1_206)]
    assert run(sqlite_engine, "providers", csv_bytes(rows)).created == 1_205
    with Session(sqlite_engine) as session:
        event = session.scalars(select(AuditEvent)).one()
    assert event.after is not None and len(event.after["created"]) == 1_000
    assert event.detail == "providers.csv: 1,205 rows valid: 1,205 created, 0 updated, 0 unchanged"


def test_rejection_is_audited_on_its_own(seeded: Engine) -> None:
    report = run(seeded, "alerts", csv_bytes(_alerts(2, **{"2": {"severity": "?"}})))
    assert not report.ok
    with Session(seeded) as session:
        event = session.scalars(select(AuditEvent)).one()
        assert session.scalars(select(ImportRun)).all() == []
    assert (event.action, event.entity, event.entity_id) == (
        "import_rejected",
        "alerts",
        "alerts.csv",
    )
    assert event.after == {"problems": 1, "rows": 2}
    assert event.detail == "alerts.csv: rejected, 1 problem in 1 row; nothing written"


def test_concurrent_change_of_an_alert_is_detected_and_nothing_written(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The update matches the version it read; if someone saved in between, nothing is written."""
    assert run(seeded, "alerts", csv_bytes(_alerts(2))).ok
    before = snapshot(seeded)
    real = importing._existing_rows

    def stale(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        return {key: (values, (*handle[:-1], 0)) for key, (values, handle) in found.items()}

    monkeypatch.setattr(importing, "_existing_rows", stale)
    rows = _alerts(2, **{"1": {"severity": "low"}, "2": {"severity": "low"}})
    rows.append(good_row("alerts", 3))
    report = run(seeded, "alerts", csv_bytes(rows))
    assert [str(p) for p in report.problems] == [
        "alerts.csv:1:-: the database changed during the import (someone else saved at the same "
        "time): nothing was written, import the file again"
    ]
    assert snapshot(seeded) == before
    assert audit_actions(seeded) == ["import", "import_rejected"]


def test_values_no_database_can_store_are_problems(seeded: Engine) -> None:
    """NUL characters and over-long ids are rejected before they reach PostgreSQL."""
    rows = [
        good_row("alerts", 1, summary="nul\x00here"),
        good_row("alerts", 2, alert_id="A" * 65),
        good_row("alerts", 3, provider_id="P\x00"),
    ]
    before = counts(seeded)
    report = run(seeded, "alerts", csv_bytes(rows))
    assert [str(p).split(": ")[0] for p in report.problems] == [
        "alerts.csv:2:summary",
        "alerts.csv:3:alert_id",
        "alerts.csv:4:provider_id",
    ]
    assert counts(seeded) == before


def test_large_file_upserts_in_bulk(seeded: Engine) -> None:
    """Enough rows to use the whole-table comparison path and many IN chunks."""
    rows = [good_row("concerns", n, person_id=f"X{n % 700}") for n in range(1, 3_001)]
    first = run(seeded, "concerns", csv_bytes(rows))
    assert (first.created, first.updated, first.unchanged) == (3_000, 0, 0)
    rows[10]["gender"] = "unknown"
    rows.append(good_row("concerns", 5_000))
    second = run(seeded, "concerns", csv_bytes(rows))
    assert (second.created, second.updated, second.unchanged) == (1, 1, 2_999)
    small = run(seeded, "concerns", csv_bytes(rows[:600]))
    assert (small.created, small.updated, small.unchanged) == (0, 0, 600)
