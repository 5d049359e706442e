"""Drawing the alert register: its figures, the table a page at a time (a click on a row opens
that alert), the downloads and the chart by CQC key question."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight.alerts.chart import key_question_chart, key_question_counts
from sgoversight.alerts.config import AlertConfig
from sgoversight.alerts.output import OVERDUE_MARK, register_csv, register_table, register_xlsx
from sgoversight.alerts.register import register_notes
from sgoversight.auth import Actor
from ui import downloads
from ui import format as fmt
from ui.alerts_state import SHOWN_IDS, TABLE, K, row_clicked
from ui.context import engine
from ui.rag import RAG_BACKGROUND, labelled_column

ROWS_PER_PAGE = 500


def figures(frame: pd.DataFrame, config: AlertConfig) -> None:
    """The four figures above the register: shown, not closed, past response time, serious."""
    shown, not_closed, late, serious = st.columns(4)
    shown.metric("Alerts shown", fmt.whole(len(frame)), border=True)
    not_closed.metric(
        "Open or in progress", fmt.whole(int((frame["status"] != "closed").sum())), border=True
    )
    late.metric(
        "⚠ Past response time",
        fmt.whole(int(frame["past_response_time"].sum())),
        help=f"Not closed more than {config.response_days} days after being raised.",
        border=True,
    )
    serious.metric(
        "High or critical, not closed",
        fmt.whole(
            int(
                (frame["severity"].isin(["high", "critical"]) & (frame["status"] != "closed")).sum()
            )
        ),
        border=True,
    )


def draw_table(frame: pd.DataFrame, config: AlertConfig) -> None:
    """The register, a page of ROWS_PER_PAGE rows at a time, with the columns on screen only."""
    # The register is shown a page at a time, with the columns on screen only (a quick first
    # view on a large register); the downloads hold every row.
    shown_columns = [
        "Alert",
        "Provider",
        "Raised on",
        "Severity",
        "Status",
        "Assigned to",
        "Days open",
        "Days past response time",
        "Response",
        "Someone at risk of harm",
        "Category",
        "CQC key question",
        "What happened",
    ]
    pages = max(1, -(-len(frame) // ROWS_PER_PAGE))
    page_number = 1
    if pages > 1:
        page_number = int(
            st.number_input(
                "Page of the register",
                min_value=1,
                max_value=pages,
                value=1,
                step=1,
                key=f"{K}page",
                help=f"{ROWS_PER_PAGE} alerts a page, newest first.",
            )
        )
    first = (page_number - 1) * ROWS_PER_PAGE
    # Only the page shown is put in words: the downloads do the same for every row when clicked.
    shown_rows = register_table(frame.iloc[first : first + ROWS_PER_PAGE])[shown_columns]
    if pages > 1:
        st.caption(
            f"Rows {first + 1:,} to {first + len(shown_rows):,} of {len(frame):,}, newest "
            "first. The downloads below hold every row."
        )
    # A click on a row opens that alert: the callback maps the row's position to its id.
    st.session_state[SHOWN_IDS] = list(shown_rows["Alert"])
    st.caption("Click a row to open that alert below the table.")
    st.dataframe(
        shown_rows,
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(shown_rows)),
        column_order=shown_columns,
        key=TABLE,
        on_select=row_clicked,
        selection_mode="single-row",
        column_config={
            "Raised on": st.column_config.DateColumn(format="D MMM YYYY"),
            "Days open": st.column_config.NumberColumn(
                help="Calendar days from raised to closed, or to today if not closed."
            ),
            "Days past response time": st.column_config.NumberColumn(
                help=f"For an alert not closed within {config.response_days} days of being "
                "raised: the days since its response was due. 0 for any other alert."
            ),
            "Response": labelled_column(
                {OVERDUE_MARK: RAG_BACKGROUND["Amber"]},
                width="medium",
                help=f"Alerts not closed within {config.response_days} days of being raised are "
                "past their response time.",
            ),
            "Assigned to": st.column_config.TextColumn(width="medium"),
            "What happened": st.column_config.TextColumn(width="large"),
        },
    )


def download_buttons(frame: pd.DataFrame, actor: Actor, now: dt.date, filters: str) -> None:
    """CSV and Excel of every row shown (the Excel with the notes `actor` may read), built when
    clicked; `filters` says in words what was filtered."""
    note = f"Quality alert register on {fmt.long_date(now)}. Filters: {filters}."
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Download as CSV",
        lambda: register_csv(frame),  # built when clicked
        file_name=f"quality-alerts-{now.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        "Download as Excel",
        lambda: register_xlsx(  # built when clicked, with the notes this person may read
            frame, note, register_notes(engine(), actor, list(frame["alert_id"]))
        ),
        file_name=f"quality-alerts-{now.isoformat()}.xlsx",
        mime=downloads.XLSX,
        icon=":material/table_view:",
        on_click="ignore",
    )


def key_question_section(frame: pd.DataFrame) -> None:
    """Alerts per category under the five CQC key questions: the chart and its table."""
    if not frame.empty:
        st.subheader("By CQC key question")
        st.caption(
            "The Care Quality Commission (CQC) asks five questions of every service: is it safe, "
            "effective, caring, responsive and well-led? Each alert category is counted under one."
        )
        counts = key_question_counts(frame)
        chart_col, table_col = st.columns([3, 2])
        chart_col.altair_chart(key_question_chart(counts), width="content")
        table_col.dataframe(counts, hide_index=True, width="stretch")
