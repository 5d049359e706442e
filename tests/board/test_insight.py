"""Rates per 10 places and quiet providers."""

from __future__ import annotations

import pandas as pd

from sgoversight.board.insight import quiet_providers, rates_per_10_places
from sgoversight.periods import parse_month
from sgoversight.store.queries import as_dates

MONTH = parse_month("2026-10")  # 12 months: 2025-11-01 .. 2026-10-31


def _providers() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("A", "Ash", "care_home", 40, "good"),
            ("B", "Beech", "care_home", 20, "good"),
            ("C", "Cedar", "care_home", 30, None),
            ("D", "Dove", "home_care", None, "good"),
            ("E", "Elm", "care_home", 10, "good"),
        ],
        columns=["provider_id", "name", "service_type", "capacity", "cqc_rating"],
    )


def _alerts(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return as_dates(pd.DataFrame(rows, columns=["provider_id", "raised_on"]))


def _concerns(rows: list[tuple[str | None, str]]) -> pd.DataFrame:
    return as_dates(pd.DataFrame(rows, columns=["provider_id", "received_on"]))


def test_rate_per_ten_places_and_median_comparison() -> None:
    alerts = _alerts([("A", "2025-11-01"), ("A", "2026-10-31"), ("B", "2026-01-01"),
                      ("A", "2025-10-31"), ("A", "2026-11-01")])  # fmt: skip
    concerns = _concerns([("A", "2026-05-05"), ("B", "2026-02-02"), (None, "2026-02-02")])
    frame = rates_per_10_places(MONTH, _providers(), alerts, concerns).set_index("provider_id")
    assert "D" not in frame.index  # capacity unknown
    assert frame.loc["A", ["alerts_12m", "concerns_12m"]].tolist() == [2, 1]
    assert frame.loc["A", "rate_per_10"] == 0.75  # 3 events * 10 / 40 places
    assert frame.loc["B", "rate_per_10"] == 1.0
    # care homes: A 0.75, B 1.0, C 0, E 0 → median 0.375
    assert frame.loc["B", "service_type_median"] == 0.375
    assert frame.loc["B", "ratio_to_median"] == 2.67


def test_quiet_providers_are_large_and_silent_for_twelve_months() -> None:
    alerts = _alerts([("A", "2026-10-01"), ("C", "2025-10-31")])  # C's alert is 13 months ago
    concerns = _concerns([("B", "2026-03-03")])
    quiet = quiet_providers(MONTH, _providers(), alerts, concerns)
    assert quiet["provider_id"].tolist() == ["C"]  # E is too small, D has no capacity
    assert quiet_providers(MONTH, _providers(), alerts, concerns, min_capacity=10)[
        "provider_id"
    ].tolist() == ["C", "E"]
