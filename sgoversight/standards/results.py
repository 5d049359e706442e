"""Each quarter's safeguarding standards results, stored when the data changes, so the standards
page reads some hundreds of stored rows instead of counting every concern again.

Rules:
- The figures are worked out only by sgoversight.standards.rules (the one statement of each
  measure and breakdown); this module keeps them and gives them back exactly as worked out.
- Stored results are keyed by quarter, by the data version of what the standards read (the
  newest audit event of a data change to anything but RESULTS_UNRELATED, read before the rows
  are) and by the rules they were worked out with (`rules_key`: the configuration and the rules'
  own code). A read uses them only when both match now; otherwise it works the quarters out,
  stores them and removes every row of another version. So a change of data, configuration or
  rules is never answered from old figures.
- `refresh` works out the quarters the standards page opens on (the 8 of the trend ending with
  the last complete quarter) once an import of providers, concerns or training has committed,
  and after the demo loads: an import that fails never gets there, and storing is a cache, so a
  store that cannot be written (another process stored the same, or the database is busy or
  read-only) leaves the figures to be worked out on the next view.
- Nothing stored here is audited: it is not a change to data, and it must not move the version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, not_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from sgoversight.auth import Actor, Permission
from sgoversight.periods import Period, last_complete_quarter
from sgoversight.standards import rules as standards
from sgoversight.standards.config import MEASURE_IDS, StandardsConfig, given_or_shipped
from sgoversight.standards.read import read_inputs
from sgoversight.standards.rules import (
    SERIES_QUARTERS,
    MeasureResult,
    StandardsInputs,
    Tally,
    as_quarter,
    breakdown_tallies,
    quarters_ending,
    scorecard,
)
from sgoversight.store.audit import data_version
from sgoversight.store.db import session_scope
from sgoversight.store.models import StandardsResult
from sgoversight.store.read import from_engine

LOG = logging.getLogger(__name__)

#: The audit trail's entities whose changes cannot change a quarterly report, which reads only
#: concerns, providers, training records and its own narrative: a page cache of the report
#: ignores them (sgoversight.store.audit.data_version). Any entity not named here, a new kind of
#: record included, still refreshes it.
UNRELATED_ENTITIES = frozenset(
    {
        "alerts", "plans", "actions",  # imports of those files
        "quality_alert", "qa_meeting", "qa_agenda_item", "qa_action",
        "improvement_plan", "improvement_action", "enhanced_monitoring", "monitoring_visit",
        "board_decision", "board_meeting",
    }
)  # fmt: skip
#: What the stored measures and breakdowns do not read either: the report's narrative, which the
#: report reads afresh each time.
RESULTS_UNRELATED = UNRELATED_ENTITIES | {"report_narrative"}
#: The import kinds whose rows the standards read: importing one refreshes the stored results.
READ_KINDS = frozenset({"providers", "concerns", "training"})
MEASURE = "measure"


@dataclass(frozen=True)
class QuarterResults:
    """One quarter's figures: its scorecard in contract order, and per broken-down field the
    concerns received with each code (standards.breakdown_tallies)."""

    quarter: Period
    measures: list[MeasureResult]
    breakdowns: Tally


def rules_key(config: StandardsConfig) -> str:
    """A short fingerprint of the rules figures are worked out with: the configuration and the
    code of sgoversight.standards.rules. Either changing makes stored figures unusable."""
    digest = hashlib.sha256(repr(config).encode("utf-8"))
    digest.update(Path(standards.__file__).read_bytes())
    return digest.hexdigest()[:16]


def results_version(engine: Engine) -> int:
    """The data version stored figures are keyed by (module docstring)."""
    return data_version(engine, RESULTS_UNRELATED)


def compute_results(
    inputs: StandardsInputs, periods: Sequence[Period], config: StandardsConfig
) -> list[QuarterResults]:
    """Each of `periods` (consecutive quarters, oldest first) worked out by the standards from
    `inputs` (which must hold the rows those quarters can count)."""
    tallies = breakdown_tallies(inputs, periods)
    return [
        QuarterResults(period, scorecard(inputs.for_quarter(period), config), tally)
        for period, tally in zip(periods, tallies, strict=True)
    ]


def _rows(results: Sequence[QuarterResults], version: int, key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for quarter in results:
        base = {"quarter": quarter.quarter.label, "data_version": version, "rules_key": key}
        for position, m in enumerate(quarter.measures):
            rows.append(
                base
                | {"kind": MEASURE, "position": position, "code": m.measure_id}
                | {"standard": m.standard, "label": m.label, "numerator": m.numerator}
                | {"denominator": m.denominator, "value": m.value, "target": m.target}
                | {"status": m.status}
            )
        for field_name, counts in quarter.breakdowns.items():
            for position, (code, count) in enumerate(counts.items()):
                rows.append(
                    base
                    | {"kind": field_name, "position": position, "code": code}
                    | {"standard": None, "label": None, "numerator": count}
                    | {"denominator": None, "value": None, "target": None, "status": None}
                )
    return rows


def _number(stored: float | None) -> int | float | None:
    """A stored target as worked out: a whole number as an int, as the configuration gives it."""
    if stored is None:
        return None
    return int(stored) if float(stored).is_integer() else float(stored)


def _measure(row: Any) -> MeasureResult:
    """A stored measure row as the MeasureResult it was: a count's value is a whole number, a
    percentage's a float."""
    if row.value is None:
        value = None
    elif row.denominator is None:
        value = int(row.value)
    else:
        value = float(row.value)
    return MeasureResult(
        measure_id=row.code,
        standard=row.standard,
        label=row.label,
        numerator=int(row.numerator),
        denominator=None if row.denominator is None else int(row.denominator),
        value=value,
        target=_number(row.target),
        status=row.status,
    )


def stored_results(
    engine: Engine, periods: Sequence[Period], version: int, key: str
) -> dict[str, QuarterResults]:
    """The quarters of `periods` stored for `version` and `key`, by quarter label (a quarter
    with no stored scorecard is left out)."""
    table = StandardsResult.__table__
    labels = {period.label: period for period in periods}
    query = (
        select(table)
        .where(
            table.c.quarter.in_(sorted(labels)),
            table.c.data_version == version,
            table.c.rules_key == key,
        )
        .order_by(table.c.quarter, table.c.kind, table.c.position)
    )
    measures: dict[str, list[MeasureResult]] = {}
    tallies: dict[str, Tally] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            if row.kind == MEASURE:
                measures.setdefault(row.quarter, []).append(_measure(row))
            else:
                counts = tallies.setdefault(row.quarter, {}).setdefault(row.kind, {})
                counts[row.code] = int(row.numerator)
    return {
        label: QuarterResults(
            labels[label],
            found,
            {name: tallies.get(label, {}).get(name, {}) for name in standards.BREAKDOWN_FIELDS},
        )
        for label, found in measures.items()
        if len(found) == len(MEASURE_IDS)
    }


def store_results(
    engine: Engine, results: Sequence[QuarterResults], version: int, key: str
) -> bool:
    """Store `results` for `version` and `key` in one transaction, removing every row of another
    version or rules and these quarters' rows of this one. False, and nothing written, when it
    cannot be written now (module docstring)."""
    table = StandardsResult.__table__
    current = and_(table.c.data_version == version, table.c.rules_key == key)
    labels = [quarter.quarter.label for quarter in results]
    try:
        with session_scope(engine) as session:
            session.execute(delete(table).where(not_(current)))
            session.execute(delete(table).where(current, table.c.quarter.in_(labels)))
            session.execute(insert(table), _rows(results, version, key))
    except (IntegrityError, OperationalError) as exc:
        LOG.warning("standards results not stored (worked out again on the next view): %s", exc)
        return False
    return True


def _series(
    engine: Engine, last: Period, quarters: int, config: StandardsConfig
) -> list[QuarterResults]:
    periods = quarters_ending(last, quarters)
    version = results_version(engine)  # before the rows: figures are never newer than their key
    key = rules_key(config)
    found = stored_results(engine, periods, version, key)
    if len(found) == len(periods):
        return [found[period.label] for period in periods]
    with from_engine(engine) as connection:
        inputs = read_inputs(connection, last, quarters, config)
    computed = compute_results(inputs, periods, config)
    store_results(engine, computed, version, key)
    return computed


def quarter_series(
    engine: Engine,
    last: Period | str,
    *,
    actor: Actor,
    quarters: int = SERIES_QUARTERS,
    config: StandardsConfig | None = None,
) -> list[QuarterResults]:
    """The figures of the `quarters` quarters ending with `last`, oldest first: stored ones when
    they are stored for the current data and rules, else worked out and stored (requires
    VIEW_STANDARDS)."""
    actor.require(Permission.VIEW_STANDARDS)
    return _series(engine, as_quarter(last), quarters, given_or_shipped(config))


def refresh(engine: Engine, today: dt.date, config: StandardsConfig | None = None) -> None:
    """Work out and store the 8 quarters the standards page opens on as of `today` (ending with
    the last complete quarter), unless they are stored for the current data already. For the
    system, after a committed import: it shows nothing to anyone."""
    _series(engine, last_complete_quarter(today), SERIES_QUARTERS, given_or_shipped(config))
