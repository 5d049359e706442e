"""Stored quarter results (sgoversight.standards.results) on SQLite and PostgreSQL: what is read
back is exactly what the standards work out from every row; an import makes the next read fresh
and removes the old version's rows; a rejected import leaves them as they were; the migration goes
up and down."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, replace

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.demo.borough import build_borough
from sgoversight.demo.load import load_demo
from sgoversight.demo.scale import BoroughScale
from sgoversight.intake.importing import import_file
from sgoversight.periods import Period, last_complete_quarter
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import read as standards_read
from sgoversight.standards import report as standards_report
from sgoversight.standards import rules as standards
from sgoversight.standards.config import load_standards_config
from sgoversight.standards.results import (
    QuarterResults,
    compute_results,
    quarter_series,
    results_version,
    rules_key,
    store_results,
    stored_results,
)
from sgoversight.store.migrate import alembic_config, current_revision, head_revision
from sgoversight.store.models import StandardsResult

AS_OF = dt.date(2026, 11, 20)
SMALL = BoroughScale(providers=40, months=14, concerns_per_month=40, alerts_per_month=12, staff=40)
LAST = last_complete_quarter(AS_OF)  # 2026-Q3: the quarter the page opens on
TABLE = StandardsResult.__table__


@pytest.fixture
def borough(engine: Engine) -> Engine:
    """The small demo borough, loaded as the demo loads it (which stores the recent quarters)."""
    load_demo(engine, seed=2026, as_of=AS_OF, scale=SMALL)
    return engine


def _from_every_row(engine: Engine, last: Period) -> list[QuarterResults]:
    """The 8 quarters ending with `last` worked out from every row, storing nothing."""
    config = load_standards_config()
    inputs = standards_read.load_inputs(engine, last, actor=SYSTEM)
    return compute_results(inputs, standards.quarters_ending(last, 8), config)


def _as_stored(engine: Engine) -> list[QuarterResults]:
    """What the table holds now for the current data, oldest first (asserting all 8 are there)."""
    periods = standards.quarters_ending(LAST, 8)
    key = rules_key(load_standards_config())
    found = stored_results(engine, periods, results_version(engine), key)
    assert sorted(found) == [p.label for p in periods]
    return [found[p.label] for p in periods]


def _exactly(results: list[QuarterResults]) -> list[tuple]:
    """Results with the type of every figure, so 90 and 90.0 or 5 and 5.0 differ."""
    return [
        (
            q.quarter,
            [(asdict(m), type(m.value), type(m.target)) for m in q.measures],
            q.breakdowns,
        )
        for q in results
    ]


def _table_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(TABLE).order_by(TABLE.c.id))]


def test_stored_results_are_those_worked_out_from_every_row(borough: Engine) -> None:
    expected = _from_every_row(borough, LAST)
    stored = _as_stored(borough)  # stored by the demo loader
    assert _exactly(stored) == _exactly(expected)
    assert _exactly(quarter_series(borough, LAST, actor=SYSTEM)) == _exactly(expected)
    assert any(m.value is not None for q in stored for m in q.measures)
    assert any(q.breakdowns["abuse_type"] for q in stored)
    report = standards_report.quarterly_report(borough, SYSTEM, LAST)
    everything = standards_read.load_inputs(borough, LAST, actor=SYSTEM)
    assert report.results == standards.scorecard(everything)
    pd.testing.assert_frame_equal(
        report.series, standards_frames.scorecard_series(everything, LAST)
    )
    for name, frame in standards_frames.breakdowns(everything, LAST).items():
        pd.testing.assert_frame_equal(report.breakdowns[name], frame, obj=name)


def test_a_quarter_not_stored_is_worked_out_and_stored(borough: Engine) -> None:
    earlier = standards.as_quarter("2026-Q1")
    before = _table_rows(borough)
    series = quarter_series(borough, earlier, actor=SYSTEM)
    assert _exactly(series) == _exactly(_from_every_row(borough, earlier))
    after = _table_rows(borough)
    assert len(after) > len(before)
    with borough.connect() as connection:
        versions = connection.execute(select(TABLE.c.data_version).distinct()).scalars().all()
    assert versions == [results_version(borough)]


def test_only_those_who_may_see_the_standards_read_them(borough: Engine) -> None:
    with pytest.raises(PermissionDenied):
        quarter_series(borough, LAST, actor=Actor("pat", frozenset({Role.PROVIDER}), "PRV-1"))


def _concerns_file(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _a_changed_and_a_new_concern() -> list[dict]:
    """One concern of the last quarter given another type of abuse, and a new one beside it."""
    frame = build_borough(2026, AS_OF, SMALL)["concerns"]
    in_last = frame[frame["received_on"].between(LAST.start.isoformat(), LAST.end.isoformat())]
    changed = in_last.iloc[0].to_dict()
    changed["abuse_type"] = "financial" if changed["abuse_type"] != "financial" else "neglect"
    new = in_last.iloc[1].to_dict() | {"concern_id": "CON-NEW-1", "person_id": "PER-NEW-1"}
    return [changed, new]


def test_an_import_stores_the_new_figures_and_removes_the_old(borough: Engine) -> None:
    before = _as_stored(borough)
    old_version = results_version(borough)
    report = import_file(
        borough, "concerns", _concerns_file(_a_changed_and_a_new_concern()),
        filename="change.csv", actor=SYSTEM, today=AS_OF,
    )  # fmt: skip
    assert report.ok, report.problems
    assert results_version(borough) != old_version
    with borough.connect() as connection:
        versions = connection.execute(select(TABLE.c.data_version).distinct()).scalars().all()
    assert versions == [results_version(borough)]  # stored by the import; the old rows gone
    after = _as_stored(borough)
    assert _exactly(after) == _exactly(_from_every_row(borough, LAST))
    by_id = {m.measure_id: m for m in after[-1].measures}
    was = {m.measure_id: m for m in before[-1].measures}
    assert by_id["PROP-1"].value == was["PROP-1"].value + 1
    assert after[-1].breakdowns["abuse_type"] != before[-1].breakdowns["abuse_type"]
    assert _exactly(quarter_series(borough, LAST, actor=SYSTEM)) == _exactly(after)


def test_a_rejected_import_leaves_the_stored_rows_as_they_were(borough: Engine) -> None:
    rows = _a_changed_and_a_new_concern()
    rows[1]["provider_id"] = "NO-SUCH-PROVIDER"
    before = _table_rows(borough)
    report = import_file(
        borough, "concerns", _concerns_file(rows), filename="bad.csv", actor=SYSTEM, today=AS_OF
    )
    assert not report.ok
    assert _table_rows(borough) == before
    assert _exactly(quarter_series(borough, LAST, actor=SYSTEM)) == _exactly(
        _from_every_row(borough, LAST)
    )


def test_a_store_that_cannot_be_written_writes_nothing(borough: Engine) -> None:
    """One transaction: when the new rows break the table's rules (a quarter given twice), the
    old rows are not deleted either, and the caller is told nothing was stored."""
    before = _table_rows(borough)
    computed = _from_every_row(borough, LAST)
    version, key = results_version(borough), rules_key(load_standards_config())
    assert store_results(borough, [*computed, computed[-1]], version, key) is False
    assert _table_rows(borough) == before
    assert store_results(borough, computed, version, key) is True


def test_a_dry_run_stores_nothing(borough: Engine) -> None:
    before = _table_rows(borough)
    report = import_file(
        borough, "concerns", _concerns_file(_a_changed_and_a_new_concern()),
        filename="check.csv", actor=SYSTEM, today=AS_OF, dry_run=True,
    )  # fmt: skip
    assert report.ok and report.dry_run
    assert _table_rows(borough) == before


def test_other_rules_are_never_answered_from_stored_figures(borough: Engine) -> None:
    config = load_standards_config()
    targets = dict(config.targets) | {"EMP-1": 1}
    other = replace(config, targets=targets)
    assert rules_key(other) != rules_key(config)
    series = quarter_series(borough, LAST, actor=SYSTEM, config=other)
    emp_1 = next(m for m in series[-1].measures if m.measure_id == "EMP-1")
    assert emp_1.target == 1
    inputs = standards_read.load_inputs(borough, LAST, actor=SYSTEM)
    assert series[-1].measures == standards.scorecard(inputs, other)


def test_the_migration_goes_down_and_up(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    assert head_revision() == "0014_standards_results"
    command.downgrade(config, "0013")
    assert "standards_results" not in inspect(engine).get_table_names()
    assert current_revision(engine) == "0013"
    command.upgrade(config, "head")
    assert "standards_results" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(TABLE)).scalar() == 0
