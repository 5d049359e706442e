"""The Board's RAG table for one month (CONTRACT.md section 3) in plain pandas, straight from the
CSV files: the baseline `score --month` is measured against.

Deliberately minimal (no validation, no configuration file: the contract's default thresholds),
but it computes every figure the command does, so the comparison is of like with like:

    python benchmarks/plain_score.py DATA_DIR 2026-09
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# indicator: (amber at, red at); None = no such level.
THRESHOLDS = {
    "alerts_3m": (3, 6),
    "high_alerts_3m": (1, 3),
    "critical_alerts_3m": (None, 1),
    "provider_concerns_3m": (2, 5),
    "open_enquiries": (1, 3),
    "risk_remains_3m": (1, 2),
    "organisational_abuse_3m": (None, 1),
    "overdue_actions": (1, 3),
    "unresolved_alerts": (1, 3),
}


def _read(directory: Path, name: str, columns: list[str], dates: list[str]) -> pd.DataFrame:
    return pd.read_csv(directory / f"{name}.csv", usecols=columns, parse_dates=dates)


def compute(directory: Path, month: str) -> pd.DataFrame:
    """One row per provider (index provider_id): every indicator, then `rating`."""
    start = pd.Timestamp(f"{month}-01")
    as_of = start + pd.offsets.MonthEnd(0)
    window_start = start - pd.DateOffset(months=2)
    previous_start = start - pd.DateOffset(months=5)
    providers = _read(directory, "providers", ["provider_id", "cqc_rating"], [])
    alerts = _read(
        directory,
        "alerts",
        ["provider_id", "raised_on", "severity", "closed_on"],
        ["raised_on", "closed_on"],
    )
    concerns = _read(
        directory,
        "concerns",
        [
            "provider_id", "received_on", "source_of_risk", "abuse_type", "enquiry_started_on",
            "enquiry_concluded_on", "risk_outcome",
        ],
        ["received_on", "enquiry_started_on", "enquiry_concluded_on"],
    )  # fmt: skip
    plans = _read(directory, "plans", ["plan_id", "provider_id"], [])
    actions = _read(
        directory, "actions", ["plan_id", "due_on", "completed_on"], ["due_on", "completed_on"]
    ).merge(plans, on="plan_id")
    day_before_window = window_start - pd.Timedelta(days=1)

    raised = alerts["raised_on"].between(window_start, as_of)
    received = concerns["received_on"].between(window_start, as_of)
    concluded = concerns["enquiry_concluded_on"].between(window_start, as_of)
    by_provider = concerns["source_of_risk"] == "service_provider"
    masks = {
        "alerts_3m": (alerts, raised),
        "high_alerts_3m": (alerts, raised & (alerts["severity"] == "high")),
        "critical_alerts_3m": (alerts, raised & (alerts["severity"] == "critical")),
        "provider_concerns_3m": (concerns, received & by_provider),
        "open_enquiries": (
            concerns,
            (concerns["enquiry_started_on"] <= as_of)
            & ~(concerns["enquiry_concluded_on"] <= as_of),
        ),
        "risk_remains_3m": (concerns, concluded & (concerns["risk_outcome"] == "remains")),
        "organisational_abuse_3m": (
            concerns,
            received & (concerns["abuse_type"] == "organisational"),
        ),
        "overdue_actions": (
            actions,
            (actions["due_on"] < as_of) & ~(actions["completed_on"] <= as_of),
        ),
        "unresolved_alerts": (
            alerts,
            (alerts["raised_on"] <= as_of - pd.Timedelta(days=28))
            & ~(alerts["closed_on"] <= as_of),
        ),
        "previous_sum": (alerts, alerts["raised_on"].between(previous_start, day_before_window)),
    }
    table = pd.DataFrame(index=pd.Index(providers["provider_id"], name="provider_id"))
    for name, (frame, mask) in masks.items():
        counted = frame.loc[mask, "provider_id"].value_counts()
        table[name] = counted.reindex(table.index, fill_value=0).to_numpy()
    earlier = concerns["received_on"].between(previous_start, day_before_window)
    table["previous_sum"] += (
        concerns.loc[earlier & by_provider, "provider_id"]
        .value_counts()
        .reindex(table.index, fill_value=0)
        .to_numpy()
    )
    current = table["alerts_3m"] + table["provider_concerns_3m"]
    table["rising_trend"] = (current >= 3) & (current * 2 >= table["previous_sum"] * 3)
    table["cqc_rating"] = providers["cqc_rating"].to_numpy()

    levels = pd.DataFrame(index=table.index)
    for name, (amber, red) in THRESHOLDS.items():
        level = np.zeros(len(table), dtype=int)
        if amber is not None:
            level[table[name] >= amber] = 1
        level[table[name] >= red] = 2
        levels[name] = level
    levels["cqc_rating"] = np.select(
        [table["cqc_rating"] == "inadequate", table["cqc_rating"] == "requires_improvement"], [2, 1]
    )
    levels["rising_trend"] = table["rising_trend"].astype(int)
    ambers = (levels == 1).sum(axis=1)
    table["rating"] = np.where(
        (levels == 2).any(axis=1) | (ambers >= 3), "Red", np.where(ambers > 0, "Amber", "Green")
    )
    return table.drop(columns="previous_sum")


def main() -> None:
    directory, month = Path(sys.argv[1]), sys.argv[2]
    table = compute(directory, month)
    sys.stdout.write(table.reset_index().to_json(orient="records") + "\n")


if __name__ == "__main__":
    main()
