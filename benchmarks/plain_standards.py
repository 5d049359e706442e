"""The six safeguarding standards scorecard for one quarter (CONTRACT.md section 5) in plain
pandas, straight from the CSV files: the baseline `standards --quarter` is measured against.

Minimal (no validation, the contract's default windows and training rules), but every measure's
numerator and denominator, as the command computes them:

    python benchmarks/plain_standards.py DATA_DIR 2026-Q3
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

REQUIRED_TRAINING = {
    "all_staff": {"corporate_mandatory"},
    "asc_staff": {"corporate_mandatory", "asc_awareness"},
    "practitioner": {"corporate_mandatory", "asc_awareness", "asc_enquiry"},
    "operational_manager": {"corporate_mandatory", "asc_awareness", "asc_managers"},
}
ROLE_ORDER = {role: rank for rank, role in enumerate(REQUIRED_TRAINING)}
DATES = [
    "received_on", "screened_on", "enquiry_started_on", "enquiry_concluded_on",
    "feedback_to_referrer_on", "feedback_to_provider_on",
]  # fmt: skip


def _working_days_after(start: pd.Series, end: pd.Series, calendar: np.busdaycalendar) -> pd.Series:
    """Working days after `start` up to and including `end` (NaN where either is blank)."""
    known = start.notna() & end.notna()
    low = start[known].to_numpy().astype("datetime64[D]") + 1
    high = end[known].to_numpy().astype("datetime64[D]") + 1
    counted = pd.Series(np.nan, index=start.index)
    counted[known] = np.busday_count(low, high, busdaycal=calendar)
    return counted


def _days_since_previous(concerns: pd.DataFrame) -> pd.Series:
    """Days since the same person's latest concern received on an earlier day (NaN if none)."""
    days = (
        concerns[["person_id", "received_on"]]
        .drop_duplicates()
        .sort_values(["person_id", "received_on"])
    )
    days["gap"] = days.groupby("person_id")["received_on"].diff().dt.days
    merged = concerns[["person_id", "received_on"]].merge(
        days, on=["person_id", "received_on"], how="left"
    )
    return pd.Series(merged["gap"].to_numpy(), index=concerns.index)


def _training(directory: Path, end: pd.Timestamp) -> tuple[int, int]:
    """ACC-6: (compliant staff, staff) as of the quarter's last day."""
    training = pd.read_csv(directory / "training.csv", parse_dates=["completed_on"])
    training = training[training["completed_on"] <= end]
    latest = (
        training.assign(rank=training["role"].map(ROLE_ORDER))
        .sort_values(["staff_id", "completed_on", "rank"])
        .groupby("staff_id")
        .tail(1)
    )
    recent = training[training["completed_on"] >= end - pd.Timedelta(days=729)]
    done = recent.groupby("staff_id")["training_type"].agg(set)
    compliant = sum(
        REQUIRED_TRAINING.get(role, {None}) <= done.get(staff, set())
        for staff, role in zip(latest["staff_id"], latest["role"], strict=True)
    )
    return compliant, len(latest)


def compute(directory: Path, quarter: str) -> dict[str, tuple[int, int | None]]:
    """measure id → (numerator, denominator); PROP-1 and PROP-2 are counts (denominator None)."""
    year, number = quarter.upper().split("-Q")
    start = pd.Timestamp(int(year), 3 * int(number) - 2, 1)
    end = start + pd.offsets.QuarterEnd(0)
    concerns = pd.read_csv(directory / "concerns.csv", parse_dates=DATES)
    providers = pd.read_csv(directory / "providers.csv", usecols=["provider_id", "commissioned"])
    years = range(concerns["received_on"].min().year - 1, end.year + 2)
    bank_holidays = list(holidays.country_holidays("GB", subdiv="ENG", years=years))
    calendar = np.busdaycalendar(weekmask="1111100", holidays=bank_holidays)
    concerns["repeat"] = _days_since_previous(concerns) <= 365
    received = concerns[concerns["received_on"].between(start, end)]
    concluded = concerns[concerns["enquiry_concluded_on"].between(start, end)]
    screening = _working_days_after(received["received_on"], received["screened_on"], calendar)
    enquiry = _working_days_after(
        concluded["enquiry_started_on"], concluded["enquiry_concluded_on"], calendar
    )
    commissioned = providers.loc[providers["commissioned"].fillna("yes") == "yes", "provider_id"]
    identified = concluded["risk_assessment"] == "risk_identified"
    with_provider = concluded["provider_id"].notna()
    yes = "yes"
    return {
        "EMP-1": (
            concluded["outcomes_asked"].isin(["yes_expressed", "yes_not_expressed"]).sum(),
            len(concluded),
        ),
        "EMP-2": (
            concluded["protection_agreed"].isin(["fully", "partially"]).sum(),
            concluded["protection_agreed"].notna().sum(),
        ),
        "EMP-3": ((concluded["survey_completed"] == yes).sum(), len(concluded)),
        "PREV-1": ((received["fgc_elements"] == yes).sum(), len(received)),
        "PREV-2": ((received["social_isolation"] == yes).sum(), len(received)),
        "PROT-1": (
            (identified & concluded["risk_outcome"].isin(["reduced", "removed"])).sum(),
            identified.sum(),
        ),
        "PROP-1": (len(received), None),
        "PROP-2": (len(concluded), None),
        "PROP-3": (received["enquiry_started_on"].notna().sum(), len(received)),
        "ACC-1": ((screening <= 1).sum(), len(received)),
        "ACC-2": ((enquiry <= 20).sum(), len(concluded)),
        "ACC-3": (received["repeat"].sum(), len(received)),
        "ACC-4": (
            concluded["outcomes_achieved"].isin(["fully", "partially"]).sum(),
            concluded["outcomes_achieved"].notna().sum(),
        ),
        "ACC-5": ((concluded["protection_plan_reviewed"] == yes).sum(), len(concluded)),
        "ACC-6": _training(directory, end),
        "PART-1": (concluded["feedback_to_referrer_on"].notna().sum(), len(concluded)),
        "PART-2": (
            (with_provider & concluded["feedback_to_provider_on"].notna()).sum(),
            with_provider.sum(),
        ),
        "PART-3": (received["provider_id"].isin(commissioned).sum(), len(received)),
    }


def main() -> None:
    figures = compute(Path(sys.argv[1]), sys.argv[2])
    shown = {k: [int(n), None if d is None else int(d)] for k, (n, d) in figures.items()}
    sys.stdout.write(json.dumps(shown, indent=2) + "\n")


if __name__ == "__main__":
    main()
