"""The alert register as people read it: the table with labels, not codes, and its CSV and Excel
downloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sgoversight import vocabulary as v
from sgoversight.alerts.chart import key_question_counts
from sgoversight.alerts.rules import (
    CLOSED,
    officer_label,
    safeguarding_answer,
    yes_no,
)
from sgoversight.exporting import to_csv_bytes, to_xlsx_bytes

OVERDUE_MARK = "⚠ Past response time"


def response_text(row: Mapping[str, Any]) -> str:
    """The register's "Response" words: never colour alone."""
    if row["status"] == CLOSED:
        return "Closed"
    if row["past_response_time"]:
        return OVERDUE_MARK
    due = row["response_due_on"]
    return f"Due by {due.day} {due:%b %Y}"


TABLE_COLUMNS = [
    "Alert", "Provider", "Raised on", "Category", "CQC key question", "Severity", "Status",
    "Assigned to", "Days open", "Days past response time", "Response", "Response due by",
    "Raised by", "Closed on", "Feedback to raiser",
    "Feedback to provider", "Someone at risk of harm", "Safeguarding concern raised",
    "Safeguarding answer at closing", "What happened", "Former alert number",
]  # fmt: skip


def register_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The register as people read it (page and exports alike): labels, not codes."""
    records = frame.to_dict("records")
    return pd.DataFrame(
        {
            "Alert": frame["alert_id"],
            "Provider": frame["provider_name"],
            "Raised on": frame["raised_on"],
            "Category": frame["category"].map(v.ALERT_CATEGORY.label),
            "CQC key question": frame["key_question"],
            "Severity": frame["severity"].map(v.SEVERITY.label),
            "Status": frame["status"].map(v.ALERT_STATUS.label),
            "Assigned to": [officer_label(r["assigned_to"], r["assigned_name"]) for r in records],
            "Days open": frame["days_open"],
            "Days past response time": frame["days_past_response"],
            "Response": [response_text(r) for r in records],
            "Response due by": frame["response_due_on"],
            "Raised by": frame["raised_by"].map(v.ALERT_RAISED_BY.label),
            "Closed on": frame["closed_on"],
            "Feedback to raiser": frame["feedback_to_raiser_on"],
            "Feedback to provider": frame["feedback_to_provider_on"],
            "Someone at risk of harm": frame["risk_of_harm"].map(yes_no),
            "Safeguarding concern raised": frame["safeguarding_concern_raised"].map(yes_no),
            "Safeguarding answer at closing": [
                safeguarding_answer(r["safeguarding_reference"], r["no_concern_reason"])
                for r in records
            ],
            "What happened": frame["summary"],
            "Former alert number": frame["former_id"].fillna(""),
        },
        columns=TABLE_COLUMNS,
    )


def register_csv(frame: pd.DataFrame) -> bytes:
    """The register as CSV (formula-like text neutralised by sgoversight.exporting)."""
    return to_csv_bytes(register_table(frame))


def register_xlsx(frame: pd.DataFrame, note: str, notes: pd.DataFrame | None = None) -> bytes:
    """The register as an Excel workbook with `note` (what was filtered, when) above the table,
    and a sheet of the alerts' notes when `notes` (from register_notes, for the same actor) is
    given."""
    table = register_table(frame)
    counts = key_question_counts(frame)
    sheets = {"Quality alerts": table, "By CQC key question": counts}
    if notes is not None:
        sheets["Notes"] = notes
    return to_xlsx_bytes(sheets, notes=dict.fromkeys(sheets, note))


def alert_label(
    alert_id: str, provider_name: str, category: str, severity: str, former_id: str | None = None
) -> str:
    """How an alert is named in a picker: id (and former id), provider, category, severity. The
    status is left out: a label is for reading only, the choice is kept by id."""
    former = f" (was {former_id})" if former_id else ""
    return (
        f"{alert_id}{former} · {provider_name} · {v.ALERT_CATEGORY.label(category)} · "
        f"{v.SEVERITY.label(severity)}"
    )
