"""Standards inputs built by hand from plain dicts (ISO dates as text, blanks left out or None),
as the rows sgoversight.standards.rules reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sgoversight.periods import Period
from sgoversight.standards.rules import (
    CONCERN_FIELDS,
    ConcernRow,
    ProviderRow,
    StandardsInputs,
    TrainingRow,
)


def _day(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def concern_rows(concerns: Iterable[Mapping[str, Any]]) -> list[ConcernRow]:
    """Each dict as a ConcernRow: the fields the measures read, dates as dates."""
    return [
        ConcernRow(
            **{
                name: _day(value) if name.endswith("_on") else value
                for name, value in row.items()
                if name in CONCERN_FIELDS
            }
        )
        for row in concerns
    ]


def provider_rows(providers: Iterable[Mapping[str, Any]]) -> list[ProviderRow]:
    """Each dict as a ProviderRow (commissioned left out or None: blank)."""
    return [ProviderRow(row["provider_id"], row.get("commissioned")) for row in providers]


def training_rows(training: Iterable[Mapping[str, Any]]) -> list[TrainingRow]:
    """Each dict as a TrainingRow, completed_on as a date."""
    return [
        TrainingRow(row["staff_id"], row["role"], row["training_type"], _day(row["completed_on"]))
        for row in training
    ]


def inputs_from(
    concerns: Iterable[Mapping[str, Any]],
    providers: Iterable[Mapping[str, Any]],
    training: Iterable[Mapping[str, Any]],
    quarter: Period | str,
) -> StandardsInputs:
    """The standards inputs of `quarter` from dict rows."""
    return StandardsInputs(
        concerns=tuple(concern_rows(concerns)),
        providers=tuple(provider_rows(providers)),
        training=tuple(training_rows(training)),
        quarter=quarter,  # type: ignore[arg-type]
    )
