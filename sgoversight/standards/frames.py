"""The standards' results as frames, for the page, the quarterly report's pack and its charts.

Rule: every figure here comes from sgoversight.standards.rules (the only statement of each measure);
this module only lays the results out as pandas frames at the edge, so the command line, which
needs no frame, never loads pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import pandas as pd

from sgoversight.auth import Actor, PermissionDenied
from sgoversight.errors import BadInput
from sgoversight.exporting import suppress_count
from sgoversight.periods import Period
from sgoversight.standards.config import CONTRACT_DEFAULTS, StandardsConfig, given_or_shipped
from sgoversight.standards.read import load_inputs
from sgoversight.standards.rules import (
    SCORECARD_COLUMNS,
    SERIES_QUARTERS,
    BreakdownCount,
    MeasureResult,
    StandardsInputs,
    TrainingRow,
    breakdown_counts,
    scorecard_json,
    scorecard_series_results,
    staff_training,
)

SERIES_COLUMNS = ["quarter", "start", "end", *SCORECARD_COLUMNS]
BREAKDOWN_COLUMNS = ["quarter", "code", "label", "concerns"]
STAFF_STATUS_COLUMNS = ["staff_id", "role", "compliant", "missing_training"]


def scorecard_frame(results: list[MeasureResult], suppress: bool = False) -> pd.DataFrame:
    """The scorecard as a frame with the contract's keys as columns, in contract order. Cells
    keep their JSON values (object dtype): a count stays a whole number and "no value" None."""
    return pd.DataFrame(scorecard_json(results, suppress), columns=SCORECARD_COLUMNS, dtype=object)


def scorecard_series(
    source: StandardsInputs | Any,
    quarter: Period | str | None = None,
    quarters: int = SERIES_QUARTERS,
    *,
    actor: Actor | None = None,
    config: StandardsConfig | None = None,
) -> pd.DataFrame:
    """The scorecard of the `quarters` quarters ending with `quarter` (default: the inputs'
    quarter), oldest first (standards.scorecard_series_results): one row per quarter × measure,
    columns SERIES_COLUMNS. Numeric columns are numeric, for charts: a missing value or target
    (no data, trend) is NaN there. `source` is the inputs, or an engine or DB-API connection to
    read them from for `actor` (standards_read.load_inputs: the permission is checked there)."""
    config = given_or_shipped(config)
    if isinstance(source, StandardsInputs):
        inputs = source
    else:
        if quarter is None:
            raise BadInput("a quarter is needed to load the standards")
        if actor is None:
            raise PermissionDenied("loading the standards needs the actor who asks")
        inputs = load_inputs(source, quarter, actor=actor, quarters=quarters, config=config)
    return series_frame(scorecard_series_results(inputs, quarter, quarters, config))


def series_frame(series: Iterable[tuple[Period, list[MeasureResult]]]) -> pd.DataFrame:
    """Scorecards of quarters, oldest first, as scorecard_series lays them out: one row per
    quarter × measure, columns SERIES_COLUMNS."""
    rows = [
        {"quarter": period.label, "start": period.start, "end": period.end} | asdict(result)
        for period, results in series
        for result in results
    ]
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def breakdowns(
    inputs: StandardsInputs,
    quarter: Period | str | None = None,
    quarters: int = SERIES_QUARTERS,
) -> dict[str, pd.DataFrame]:
    """standards.breakdown_counts as one frame per field, columns BREAKDOWN_COLUMNS (quarter
    label, code, plain-English label, concerns), in its order."""
    return breakdown_frames(breakdown_counts(inputs, quarter, quarters))


def breakdown_frames(counts: dict[str, list[BreakdownCount]]) -> dict[str, pd.DataFrame]:
    """Breakdown counts (standards.breakdown_counts or breakdown_layout) as one frame per field,
    columns BREAKDOWN_COLUMNS."""
    return {
        column: pd.DataFrame(rows, columns=BREAKDOWN_COLUMNS).astype({"concerns": "int64"})
        for column, rows in counts.items()
    }


def breakdown_table(frame: pd.DataFrame, suppress: bool = False) -> pd.DataFrame:
    """A breakdown as a table to read: one row per code (its label), one column per quarter with
    the newest quarter first (beside the labels, where the eye starts); counts below 5 shown as
    `<5` when `suppress`."""
    table = frame.pivot(index="label", columns="quarter", values="concerns")
    table = table.reindex(
        index=list(dict.fromkeys(frame["label"])),
        columns=list(dict.fromkeys(frame["quarter"]))[::-1],  # `breakdowns` lists oldest first
    )
    table.columns.name = None
    table = table.reset_index().rename(columns={"label": ""})
    if suppress:
        for column in table.columns[1:]:
            table[column] = table[column].map(suppress_count).astype(object)
    return table


def staff_training_status(
    training: Iterable[TrainingRow],
    as_of: dt.date,
    config: StandardsConfig = CONTRACT_DEFAULTS,
) -> pd.DataFrame:
    """standards.staff_training as a frame, columns STAFF_STATUS_COLUMNS: the required types with
    no completion in the window comma separated (for a drill-down beside ACC-6)."""
    staff = staff_training(training, as_of, config)
    return pd.DataFrame(
        [
            (person.staff_id, person.role, person.compliant, ", ".join(person.missing_training))
            for person in staff
        ],
        columns=STAFF_STATUS_COLUMNS,
    ).astype({"compliant": bool})
