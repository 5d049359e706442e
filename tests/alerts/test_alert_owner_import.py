"""The alerts file's optional assigned_to column: a council user's username is imported; an
unknown username or provider staff is a FILE:ROW:COLUMN problem and nothing is written; a file
without the column leaves existing assignments as they are."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.auth import Role
from sgoversight.store.models import QualityAlert
from tests.alerts.test_alert_owner import add_user
from tests.fixtures.importing import counts, csv_bytes, good_row, run, seed


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    add_user(engine, "cara", [Role.COMMISSIONER])
    add_user(engine, "gone", [Role.COMMISSIONER], disabled=True)
    add_user(engine, "pat", [Role.PROVIDER], provider_id="P1")
    return engine


def _owners(engine: Engine) -> dict[str, str | None]:
    with Session(engine) as session:
        return dict(session.execute(select(QualityAlert.alert_id, QualityAlert.assigned_to)).all())


def test_assigned_to_names_a_council_user_or_is_blank(seeded: Engine) -> None:
    rows = [
        good_row("alerts", 1, assigned_to="cara"),
        good_row("alerts", 2, assigned_to=""),
        good_row("alerts", 3, assigned_to=" gone "),  # disabled: old alerts keep their owner
    ]
    report = run(seeded, "alerts", csv_bytes(rows))
    assert report.ok, [str(p) for p in report.problems]
    assert _owners(seeded) == {"A1-1": "cara", "A1-2": None, "A1-3": "gone"}


def test_unknown_or_provider_staff_username_is_a_row_problem_and_nothing_is_written(
    seeded: Engine,
) -> None:
    before = counts(seeded)
    rows = [
        good_row("alerts", 1, assigned_to="cara"),
        good_row("alerts", 2, assigned_to="pat"),
        good_row("alerts", 3, assigned_to="nobody", severity="dreadful"),
    ]
    report = run(seeded, "alerts", csv_bytes(rows))
    assert not report.ok
    located = {(p.row, p.column) for p in report.problems}
    assert located == {(3, "assigned_to"), (4, "assigned_to"), (4, "severity")}
    message = next(str(p) for p in report.problems if p.row == 3)
    assert message.startswith("alerts.csv:3:assigned_to: ")
    assert "pat" in message and "council user" in message
    assert counts(seeded) == before


def test_a_file_without_the_column_keeps_the_assignments(seeded: Engine) -> None:
    assert run(seeded, "alerts", csv_bytes([good_row("alerts", 1, assigned_to="cara")])).ok
    changed = good_row("alerts", 1, summary="Medication given late on three evenings.")
    assert run(seeded, "alerts", csv_bytes([changed])).ok  # the contract's original columns
    assert _owners(seeded) == {"A1-1": "cara"}
