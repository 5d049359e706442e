"""The rows some quarters' standards can count, read through a DB-API connection
(sgoversight.store.read), for `standards.StandardsInputs`.

Rule: only the columns the measures and breakdowns read (`standards.CONCERN_FIELDS`), and for the
`quarters` quarters ending with a quarter only the concerns they can count (a superset, never the
count): those received or concluded in the quarters (every column read), and the others received
in the `repeat_window_days` before the first of them about a person with a concern received in
the quarters (ACC-3 looks back that far for the same person: concern_id, person_id and
received_on only). Training records completed by the last
quarter's end (ACC-6 never reads a later one), in the order they were recorded (which of two
same-day records outside the contract's roles is later). Without `quarters`, every row. No other
order is asked for: no measure depends on it. The rules then run on these rows exactly as on
every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sgoversight.auth import Actor, Permission
from sgoversight.periods import Period
from sgoversight.standards.config import StandardsConfig, given_or_shipped
from sgoversight.standards.rules import (
    CONCERN_FIELDS,
    ConcernRow,
    MeasureResult,
    ProviderRow,
    StandardsInputs,
    TrainingRow,
    as_quarter,
    quarters_ending,
    scorecard,
)
from sgoversight.store.read import Connection, as_date, as_iso, from_engine, rows

_DATES = frozenset(name for name in CONCERN_FIELDS if name.endswith("_on"))
_FLAGS = frozenset(
    {"protection_plan_reviewed", "survey_completed", "social_isolation", "fgc_elements"}
)
# The column names are the row type's own field names, never a value from outside.
_COLUMNS = ", ".join(CONCERN_FIELDS)
_COUNTED = f"""
SELECT {_COLUMNS} FROM safeguarding_concerns
WHERE received_on BETWEEN ? AND ? OR enquiry_concluded_on BETWEEN ? AND ?"""  # noqa: S608
_LOOK_BACK = """
SELECT concern_id, person_id, received_on FROM safeguarding_concerns
WHERE received_on BETWEEN ? AND ?
  AND (enquiry_concluded_on IS NULL OR enquiry_concluded_on NOT BETWEEN ? AND ?)
  AND person_id IN (
    SELECT person_id FROM safeguarding_concerns WHERE received_on BETWEEN ? AND ?
  )"""
_EVERY_CONCERN = f"SELECT {_COLUMNS} FROM safeguarding_concerns"  # noqa: S608
_PROVIDERS = "SELECT provider_id, commissioned FROM providers"
_TRAINING = """
SELECT staff_id, role, training_type, completed_on FROM training_records
WHERE completed_on <= ? ORDER BY id"""
_EVERY_TRAINING = (
    "SELECT staff_id, role, training_type, completed_on FROM training_records ORDER BY id"
)


def _flag(value: object) -> bool | None:
    """A stored yes/no (SQLite keeps 0/1) as True, False or None."""
    return None if value is None else bool(value)


_DATE_AT = tuple(i for i, name in enumerate(CONCERN_FIELDS) if name in _DATES)
_FLAG_AT = tuple(i for i, name in enumerate(CONCERN_FIELDS) if name in _FLAGS)


class _Dates(dict):
    """Stored dates as `datetime.date`, each distinct stored value converted once."""

    def __missing__(self, stored: object) -> dt.date | None:
        day = self[stored] = as_date(stored)
        return day


def _concerns(found: list[tuple], dates: _Dates) -> list[ConcernRow]:
    """Read concern rows (CONCERN_FIELDS in order) as ConcernRows: dates as dates, yes/no as
    True/False, blanks None."""
    result = []
    for values in found:
        cells = list(values)
        for at in _DATE_AT:
            if cells[at] is not None:
                cells[at] = dates[cells[at]]
        for at in _FLAG_AT:
            if cells[at] is not None:
                cells[at] = bool(cells[at])
        result.append(ConcernRow._make(cells))
    return result


def read_inputs(
    connection: Connection,
    quarter: Period | str,
    quarters: int | None = None,
    config: StandardsConfig | None = None,
) -> StandardsInputs:
    """The rows the `quarters` quarters ending with `quarter` can count (module docstring; every
    row without `quarters`), as the inputs of `quarter`."""
    quarter = as_quarter(quarter)
    dates = _Dates()
    if quarters is None:
        concerns = _concerns(rows(connection, _EVERY_CONCERN), dates)
        training_rows = rows(connection, _EVERY_TRAINING)
    else:
        look_back_days = given_or_shipped(config).repeat_window_days
        periods = quarters_ending(quarter, quarters)
        start, end = as_iso(periods[0].start), as_iso(periods[-1].end)
        concerns = _concerns(rows(connection, _COUNTED, [start, end, start, end]), dates)
        earliest = periods[0].start - dt.timedelta(days=look_back_days)
        before = periods[0].start - dt.timedelta(days=1)
        concerns += [
            ConcernRow(concern_id, person_id, dates[received])
            for concern_id, person_id, received in rows(
                connection, _LOOK_BACK, [as_iso(earliest), as_iso(before), start, end, start, end]
            )
        ]
        training_rows = rows(connection, _TRAINING, [end])
    providers = [
        ProviderRow(provider_id, _flag(commissioned))
        for provider_id, commissioned in rows(connection, _PROVIDERS)
    ]
    training = [
        TrainingRow(staff_id, role, training_type, dates[completed])
        for staff_id, role, training_type, completed in training_rows
    ]
    return StandardsInputs(tuple(concerns), tuple(providers), tuple(training), quarter)


@contextmanager
def _connection(source: Any) -> Iterator[Connection]:
    """A DB-API connection as it is, or an engine's raw connection (returned after use)."""
    if hasattr(source, "raw_connection"):
        with from_engine(source) as connection:
            yield connection
    else:
        yield source


def load_inputs(
    source: Any,
    quarter: Period | str,
    *,
    actor: Actor,
    quarters: int | None = None,
    config: StandardsConfig | None = None,
) -> StandardsInputs:
    """The inputs of `quarter` (council-wide) from a DB-API connection or an engine, once the
    actor is shown to be allowed to view the standards (PermissionDenied otherwise). With
    `quarters`, only the rows the `quarters` quarters ending with `quarter` can count (with
    `config`'s look-back): the inputs then answer for those quarters only."""
    actor.require(Permission.VIEW_STANDARDS)
    with _connection(source) as connection:
        return read_inputs(connection, quarter, quarters, config)


def scorecard_from_database(
    source: Any,
    quarter: Period | str,
    *,
    actor: Actor,
    config: StandardsConfig | None = None,
) -> list[MeasureResult]:
    """Read the quarter's rows and compute its scorecard (requires VIEW_STANDARDS)."""
    config = given_or_shipped(config)
    inputs = load_inputs(source, quarter, actor=actor, quarters=1, config=config)
    return scorecard(inputs, config)
