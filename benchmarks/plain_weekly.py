"""The weekly safeguarding data report for one ISO week (CONTRACT.md section 4) in plain pandas,
straight from the CSV files: the baseline `weekly-report --week` is measured against.

Minimal (no validation, the contract's default flag rules), but every figure of the command:

    python benchmarks/plain_weekly.py DATA_DIR 2026-W39
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd


def compute(directory: Path, week: str) -> dict[str, Any]:
    """The headline counts, the two breakdowns and the flagged providers' ids (sorted)."""
    year, number = week.upper().split("-W")
    start = pd.Timestamp(dt.date.fromisocalendar(int(year), int(number), 1))
    end = start + pd.Timedelta(days=6)
    alerts = pd.read_csv(
        directory / "alerts.csv",
        usecols=["provider_id", "raised_on", "severity", "closed_on"],
        parse_dates=["raised_on", "closed_on"],
    )
    concerns = pd.read_csv(
        directory / "concerns.csv",
        usecols=[
            "provider_id", "received_on", "source_of_risk", "abuse_type", "location",
            "enquiry_started_on", "enquiry_concluded_on",
        ],
        parse_dates=["received_on", "enquiry_started_on", "enquiry_concluded_on"],
    )  # fmt: skip
    received = concerns[concerns["received_on"].between(start, end)]
    by_provider = received[received["source_of_risk"] == "service_provider"]
    raised = alerts[alerts["raised_on"].between(start, end)]
    per_provider = pd.DataFrame(
        {
            "alerts": raised["provider_id"].value_counts(),
            "concerns": by_provider["provider_id"].value_counts(),
            "critical": raised.loc[raised["severity"] == "critical", "provider_id"].value_counts(),
            "organisational": received.loc[
                received["abuse_type"] == "organisational", "provider_id"
            ].value_counts(),
        }
    ).fillna(0)
    flagged = per_provider[
        (per_provider["alerts"] + per_provider["concerns"] >= 3)
        | (per_provider["critical"] > 0)
        | (per_provider["organisational"] > 0)
    ]
    return {
        "concerns_received": len(received),
        "provider_concerns": len(by_provider),
        "enquiries_started": int(concerns["enquiry_started_on"].between(start, end).sum()),
        "enquiries_concluded": int(concerns["enquiry_concluded_on"].between(start, end).sum()),
        "alerts_raised": len(raised),
        "alerts_closed": int(alerts["closed_on"].between(start, end).sum()),
        "open_alerts": int(((alerts["raised_on"] <= end) & ~(alerts["closed_on"] <= end)).sum()),
        "concerns_by_abuse_type": received["abuse_type"].value_counts().to_dict(),
        "concerns_by_location": received["location"].value_counts().to_dict(),
        "providers_flagged": sorted(flagged.index),
    }


def main() -> None:
    sys.stdout.write(json.dumps(compute(Path(sys.argv[1]), sys.argv[2]), indent=2) + "\n")


if __name__ == "__main__":
    main()
