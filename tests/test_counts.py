"""Counting primitives at their date edges."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sgoversight import counts
from sgoversight.periods import parse_month
from sgoversight.store.queries import as_dates


def _alerts(*rows: tuple[str, str | None]) -> pd.DataFrame:
    return as_dates(pd.DataFrame(rows, columns=["raised_on", "closed_on"]))


def test_open_alert_closed_on_the_day_is_not_open() -> None:
    alerts = _alerts(
        ("2026-11-01", "2026-11-10"), ("2026-11-01", "2026-11-11"), ("2026-11-11", None)
    )
    assert counts.open_alerts_on(alerts, dt.date(2026, 11, 10)) == 1
    assert counts.open_alerts_on(alerts, dt.date(2026, 11, 11)) == 1
    assert counts.open_alerts_on(alerts, dt.date(2026, 10, 31)) == 0


def test_dated_in_includes_both_ends() -> None:
    alerts = _alerts(
        ("2026-10-31", None), ("2026-11-01", None), ("2026-11-30", None), ("2026-12-01", None)
    )
    assert counts.dated_in(alerts, "raised_on", parse_month("2026-11")) == 2


def test_open_enquiries_on_the_as_of_date() -> None:
    concerns = as_dates(
        pd.DataFrame(
            [
                ("2026-11-01", "2026-11-30"),
                ("2026-11-01", "2026-12-01"),
                ("2026-12-01", None),
                (None, None),
            ],
            columns=["enquiry_started_on", "enquiry_concluded_on"],
        )
    )
    assert counts.open_enquiries_on(concerns, dt.date(2026, 11, 30)) == 1
