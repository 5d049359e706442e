"""Insight beyond the thresholds, for the Provider Oversight Board.

Rules:
- Rate per 10 places: (quality alerts raised + safeguarding concerns about the provider received)
  in the 12 months ending with the Board month, per 10 places of its `capacity`; only providers with
  a known capacity above zero have a rate. Each rate is compared with the median rate of providers
  of the same service type (`ratio_to_median`: 2.0 = twice the median).
- Quiet provider: a service with capacity of at least `min_capacity` places (default 20) and no
  quality alerts and no safeguarding concerns about it in the 12 months ending with the Board
  month. Silence from a large service can mean under-reporting rather than good care.
Rows dated after the Board month's last day never count.
"""

from __future__ import annotations

import pandas as pd

from sgoversight import counts
from sgoversight.periods import Period, months_window

INSIGHT_MONTHS = 12
QUIET_MIN_CAPACITY = 20


def _events_per_provider(
    alerts: pd.DataFrame, concerns: pd.DataFrame, window: Period
) -> pd.DataFrame:
    """Alerts raised and concerns received about each provider in `window`: the rows in it, each
    counting as its `records` when the frame has that column (counts per provider and month),
    else as one record."""

    def per_provider(frame: pd.DataFrame) -> pd.Series:
        if "records" in frame.columns:
            return frame.groupby("provider_id")["records"].sum()
        return frame.groupby("provider_id").size()

    raised = alerts[counts.dated_in_mask(alerts, "raised_on", window)]
    received = concerns[
        counts.dated_in_mask(concerns, "received_on", window) & concerns["provider_id"].notna()
    ]
    return pd.DataFrame(
        {"alerts_12m": per_provider(raised), "concerns_12m": per_provider(received)}
    )


def rates_per_10_places(
    month: Period, providers: pd.DataFrame, alerts: pd.DataFrame, concerns: pd.DataFrame
) -> pd.DataFrame:
    """One row per provider with a known capacity: counts, rate per 10 places and comparison.

    Columns: provider_id, name, service_type, capacity, alerts_12m, concerns_12m, rate_per_10,
    service_type_median, ratio_to_median.
    """
    window = months_window(month, INSIGHT_MONTHS)
    events = _events_per_provider(alerts, concerns, window)
    frame = providers[providers["capacity"].fillna(0) > 0][
        ["provider_id", "name", "service_type", "capacity"]
    ].copy()
    frame = frame.join(events, on="provider_id")
    frame[["alerts_12m", "concerns_12m"]] = (
        frame[["alerts_12m", "concerns_12m"]].fillna(0).astype(int)
    )
    frame["rate_per_10"] = (
        (frame["alerts_12m"] + frame["concerns_12m"]) * 10 / frame["capacity"]
    ).round(2)
    frame["service_type_median"] = frame.groupby("service_type")["rate_per_10"].transform("median")
    median = frame["service_type_median"].where(frame["service_type_median"] > 0)
    frame["ratio_to_median"] = (frame["rate_per_10"] / median).round(2)
    return frame.sort_values(["rate_per_10", "name"], ascending=[False, True]).reset_index(
        drop=True
    )


def quiet_providers(
    month: Period,
    providers: pd.DataFrame,
    alerts: pd.DataFrame,
    concerns: pd.DataFrame,
    min_capacity: int = QUIET_MIN_CAPACITY,
) -> pd.DataFrame:
    """Large services with nothing reported about them in 12 months (see module rules)."""
    window = months_window(month, INSIGHT_MONTHS)
    events = _events_per_provider(alerts, concerns, window)
    active = set(events.index)
    large = providers[providers["capacity"].fillna(0) >= min_capacity]
    quiet = large[~large["provider_id"].isin(active)]
    return (
        quiet[["provider_id", "name", "service_type", "capacity", "cqc_rating"]]
        .sort_values(["capacity", "name"], ascending=[False, True])
        .reset_index(drop=True)
    )
