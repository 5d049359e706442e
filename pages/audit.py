"""Audit trail: every create, update and delete, who made it and when, with before and after."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight import uktime
from sgoversight.auth import Permission
from sgoversight.exporting import (
    EXCEL_CELL_LIMIT,
    LONG_VALUES_SHEET,
    long_values,
    to_csv_bytes,
    to_xlsx_bytes,
)
from sgoversight.search import is_active
from sgoversight.store.audit import audit_choices, audit_trail
from ui import downloads
from ui import format as fmt
from ui.context import engine, require, today
from ui.table_search import filter_frame, nothing_found, search_box

actor = require(Permission.VIEW_AUDIT)

PAGE = "audit"
#: The most changes read for one choice of dates and filters (the newest); the search reads these.
LIMIT = 5_000
#: The table's columns the search box reads.
SEARCHED = ["Who", "Change", "Record", "Record id", "Before", "After", "Detail"]

#: The kinds of record in the trail, in words (imports are named after their file).
RECORD_KINDS = {
    "quality_alert": "Quality alert",
    "qa_meeting": "Quality Assurance meeting",
    "qa_agenda_item": "Quality Assurance agenda item",
    "qa_action": "Quality Assurance action",
    "improvement_plan": "Improvement plan",
    "improvement_action": "Improvement plan action",
    "enhanced_monitoring": "Enhanced monitoring",
    "monitoring_visit": "Monitoring visit",
    "board_decision": "Board decision",
    "board_meeting": "Board meeting",
    "report_narrative": "Report text",
    "user": "User account",
    "database": "Whole database",
    "providers": "Providers file",
    "alerts": "Quality alerts file",
    "concerns": "Safeguarding concerns file",
    "plans": "Improvement plans file",
    "actions": "Plan actions file",
    "training": "Training records file",
}


def _kind(entity: str) -> str:
    return RECORD_KINDS.get(entity, entity.replace("_", " ").capitalize())


def _change(action: str) -> str:
    return action.replace("_", " ").capitalize()


st.title("Audit trail")
st.caption(
    "Every change made in the app or by an import, newest first. The trail can only be added "
    "to: nobody, administrators included, can change or delete an entry."
)

choices = audit_choices(engine(), actor)
# Audit times are real clock times, read in UK time, so the default range ends on the UK date.
now = max(today(), uktime.today())
with st.container(border=True):
    first, second, third = st.columns(3)
    period = first.date_input(
        "Between", value=(now - dt.timedelta(days=30), now), max_value=now, format="DD/MM/YYYY"
    )
    who = second.selectbox("Made by", choices["who"], index=None, placeholder="Anyone")
    entity = third.selectbox(
        "Kind of record",
        choices["entity"],
        index=None,
        placeholder="Any",
        format_func=_kind,
    )
    first, second = st.columns([1, 2])
    action = first.selectbox(
        "Change", choices["action"], index=None, placeholder="Any", format_func=_change
    )
    with second:
        search = search_box(
            "Search who, record id, before and after, detail",
            page=PAGE,
            placeholder="e.g. PRV-0012, a username, a status",
        )

since, until = (period[0], period[-1]) if isinstance(period, tuple) and period else (None, None)
events = audit_trail(
    engine(), actor, since=since, until=until, who=who, entity=entity, action=action, limit=LIMIT
)


def _readable(value: object) -> str:
    """A record's fields as 'field: value; field: value' (lists joined with commas)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{key.replace('_', ' ')}: {_readable(item) or 'blank'}"
                         for key, item in sorted(value.items()))  # fmt: skip
    if isinstance(value, list | tuple):
        return ", ".join(_readable(item) for item in value)
    return str(value)


table = pd.DataFrame(
    {
        "When (UK time)": events["occurred_at"].map(uktime.stamp),
        "Who": events["actor"],
        "Change": events["action"].map(_change),
        "Record": events["entity"].map(_kind),
        "Record id": events["entity_id"],
        "Before": events["before"].map(_readable),
        "After": events["after"].map(_readable),
        "Detail": events["detail"].fillna(""),
    }
)
listed = len(table)
table = filter_frame(table, search, SEARCHED)
if is_active(search):
    typed = fmt.plain(search)
    counted = f"**{len(table):,}** of {listed:,} changes shown for the search “{typed}”."
else:
    counted = f"**{len(table):,}** change{'s' if len(table) != 1 else ''} match."
st.markdown(f"{counted} Times are UK time (GMT in winter, BST in summer).")
if listed == LIMIT:
    st.caption(
        f"Only the newest {LIMIT:,} changes for these dates and filters are listed and searched. "
        "Choose fewer days to reach older ones."
    )
if nothing_found(search, len(table), listed, "changes"):
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "When (UK time)": st.column_config.TextColumn(width="medium"),
            "Before": st.column_config.TextColumn(width="medium"),
            "After": st.column_config.TextColumn(width="medium"),
        },
    )
long = long_values(table)
if long:
    st.info(
        f"{long:,} value{'s are' if long != 1 else ' is'} longer than an Excel cell holds "
        f"({EXCEL_CELL_LIMIT:,} characters). In the Excel file each starts in its cell and "
        f"continues in the sheet “{LONG_VALUES_SHEET}”; the CSV file has every value in full.",
        icon=":material/info:",
    )
left, right = st.columns(2)
left.download_button(
    "Download as CSV",
    lambda: to_csv_bytes(table),  # built when clicked, not on every run
    file_name=f"audit-trail-{now.isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
right.download_button(
    "Download as Excel",
    lambda: to_xlsx_bytes({"Audit trail": table}),
    file_name=f"audit-trail-{now.isoformat()}.xlsx",
    mime=downloads.XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
