"""The Board's ratings as frames, and frames as the rows the rules read: pandas at the edge only.

`ratings_frame` turns results of `scoring.score_month` into a frame for display and packs;
`rows_from_frames` turns frames shaped as sgoversight.store.queries returns them (dates as
datetime64, python dates or ISO text) into the rows `scoring.score_month` takes, for the pages that
already hold those frames for other tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sgoversight.board.rules import (
    COUNT_INDICATORS,
    FRAME_COLUMNS,
    ActionRow,
    AlertRow,
    ConcernRow,
    ProviderRating,
    ProviderRow,
    rating_row,
)
from sgoversight.errors import BadInput

#: The concern columns the rules read: loading only these keeps large registers quick.
CONCERN_COLUMNS_READ: tuple[str, ...] = ConcernRow._fields

#: The columns of each frame the rules read.
NEEDED: dict[str, tuple[str, ...]] = {
    "providers": ("provider_id", "name", "cqc_rating"),
    "alerts": ("provider_id", "raised_on", "severity", "closed_on"),
    "concerns": CONCERN_COLUMNS_READ,
    "actions": ("provider_id", "due_on", "completed_on"),
}


def ratings_frame(ratings: Iterable[ProviderRating]) -> pd.DataFrame:
    """One row per rating, in the given order: FRAME_COLUMNS (scoring.rating_row), counts as
    int64 and rising_trend as bool."""
    frame = pd.DataFrame([rating_row(r) for r in ratings], columns=list(FRAME_COLUMNS))
    for name in COUNT_INDICATORS:
        frame[name] = frame[name].astype(np.int64)
    frame["rising_trend"] = frame["rising_trend"].astype(bool)
    return frame


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _text(value: object) -> str | None:
    return None if _missing(value) else str(value)


def _flag(value: object) -> bool | None:
    return None if _missing(value) else bool(value)


def _dates(frame: pd.DataFrame, column: str) -> list[dt.date | None]:
    values = pd.to_datetime(frame[column])
    return [None if pd.isna(v) else v.date() for v in values]


def _columns(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    missing = [c for c in NEEDED[kind] if c not in frame.columns]
    if missing:
        raise BadInput(f"the {kind} frame has no column {', '.join(missing)}")
    return frame


def _optional_column(frame: pd.DataFrame, name: str) -> list[object]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def rows_from_frames(
    providers: pd.DataFrame,
    alerts: pd.DataFrame,
    concerns: pd.DataFrame,
    actions: pd.DataFrame,
) -> tuple[list[ProviderRow], list[AlertRow], list[ConcernRow], list[ActionRow]]:
    """The four frames as rows for `scoring.score_month`; a frame without a column the rules
    read is BadInput naming it."""
    providers = _columns(providers, "providers")
    alerts = _columns(alerts, "alerts")
    concerns = _columns(concerns, "concerns")
    actions = _columns(actions, "actions")
    provider_rows = [
        ProviderRow(str(pid), str(name), _text(service), _flag(regulated), _flag(commissioned),
                    _text(cqc))
        for pid, name, service, regulated, commissioned, cqc in zip(
            providers["provider_id"].tolist(),
            providers["name"].tolist(),
            _optional_column(providers, "service_type"),
            _optional_column(providers, "regulated"),
            _optional_column(providers, "commissioned"),
            providers["cqc_rating"].tolist(),
            strict=True,
        )
    ]  # fmt: skip
    alert_rows = [
        AlertRow(_text(pid), raised, _text(severity), closed)
        for pid, raised, severity, closed in zip(
            alerts["provider_id"].tolist(),
            _dates(alerts, "raised_on"),
            alerts["severity"].tolist(),
            _dates(alerts, "closed_on"),
            strict=True,
        )
    ]
    concern_rows = [
        ConcernRow(_text(pid), received, _text(source), _text(abuse), started, concluded,
                   _text(outcome))
        for pid, received, source, abuse, started, concluded, outcome in zip(
            concerns["provider_id"].tolist(),
            _dates(concerns, "received_on"),
            concerns["source_of_risk"].tolist(),
            concerns["abuse_type"].tolist(),
            _dates(concerns, "enquiry_started_on"),
            _dates(concerns, "enquiry_concluded_on"),
            concerns["risk_outcome"].tolist(),
            strict=True,
        )
    ]  # fmt: skip
    action_rows = [
        ActionRow(_text(pid), due, completed)
        for pid, due, completed in zip(
            actions["provider_id"].tolist(),
            _dates(actions, "due_on"),
            _dates(actions, "completed_on"),
            strict=True,
        )
    ]
    return provider_rows, alert_rows, concern_rows, action_rows
