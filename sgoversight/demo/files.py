"""The demo borough's six contract files: their names, columns and cells, as frames and as CSV."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sgoversight.intake.schemas import ROW_SCHEMAS

#: The files in the order they must be imported (alerts name providers, actions name plans, ...).
KINDS: tuple[str, ...] = ("providers", "alerts", "concerns", "plans", "actions", "training")
#: Each file's columns, in contract order (the importer's schemas are the contract's columns).
COLUMNS: dict[str, tuple[str, ...]] = {kind: ROW_SCHEMAS[kind].columns() for kind in KINDS}

Row = dict[str, Any]


def _cells(values: list[Any]) -> list[str]:
    """Rule: codes as they are, dates as YYYY-MM-DD, yes/no as `yes`/`no`, not recorded as blank.

    A column holds one kind of value (or None), so it is converted by the first value's kind.
    """
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, bool):
        words = {True: "yes", False: "no", None: ""}
        return [words[value] for value in values]
    if isinstance(sample, dt.date):
        return ["" if value is None else value.isoformat() for value in values]
    return ["" if value is None else str(value) for value in values]


def as_frame(kind: str, rows: Sequence[Row]) -> pd.DataFrame:
    """The rows of one file as a frame of text cells with exactly its contract columns."""
    columns = COLUMNS[kind]
    # A column the demo does not fill (an optional one such as assigned_to) is left blank.
    data = {column: _cells([row.get(column) for row in rows]) for column in columns}
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def numbered(rows: list[Row], key: str, prefix: str, date_key: str, width: int) -> None:
    """Sort rows by date (then by their content) and number them in that order."""
    rows.sort(key=lambda row: (row[date_key], row.get("provider_id") or "", row.get("summary", "")))
    for number, row in enumerate(rows, start=1):
        row[key] = f"{prefix}-{number:0{width}d}"


def write_csv(frames: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """Write providers.csv, alerts.csv, concerns.csv, plans.csv, actions.csv and training.csv
    (UTF-8, header row) into `directory`, creating it if needed; return the paths in that order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in KINDS:
        path = directory / f"{kind}.csv"
        path.write_bytes(csv_bytes(frames[kind]))
        paths.append(path)
    return paths


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a UTF-8 CSV file with a header row and no index."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")
