"""Landing page: this month at a glance (open alerts, concerns, data freshness)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.auth import Permission
from sgoversight.vocabulary import SEVERITY
from ui import cache
from ui import format as fmt
from ui.attention import show_attention
from ui.context import require, today

#: What each metric's movement compares with, short enough for the card's narrow chip.
SAME_DAYS = " on last month to date"

actor = require(Permission.VIEW_OVERVIEW)
now = today()
glance = cache.month_at_a_glance(actor, now)

st.title("This month at a glance")
scope_note = (
    f" for your service, {fmt.plain(glance.service_name or actor.provider_id or '')}"
    if actor.provider_scope() is not None
    else ""
)
st.caption(f"{fmt.long_date(now)}{scope_note}. Figures for {now:%B} run from the 1st to today.")

show_attention(actor, now)

alerts_col, raised_col, concerns_col, enquiries_col = st.columns(4)
alerts_col.metric(
    "Open quality alerts",
    fmt.whole(glance.open_alerts),
    help="Alerts raised and not yet closed, as of today.",
    border=True,
)
raised_col.metric(
    "Alerts raised this month",
    fmt.whole(glance.alerts_raised_month_to_date),
    delta=fmt.change(glance.alerts_raised_month_to_date, glance.alerts_raised_same_days_last_month)
    + SAME_DAYS,
    delta_color="off",
    delta_arrow=fmt.change_arrow(
        glance.alerts_raised_month_to_date, glance.alerts_raised_same_days_last_month
    ),
    help="Change against the same days of last month.",
    border=True,
)
if glance.concerns_month_to_date is not None:
    concerns_col.metric(
        "Concerns this month",
        fmt.whole(glance.concerns_month_to_date),
        delta=fmt.change(glance.concerns_month_to_date, glance.concerns_same_days_last_month or 0)
        + SAME_DAYS,
        delta_color="off",
        delta_arrow=fmt.change_arrow(
            glance.concerns_month_to_date, glance.concerns_same_days_last_month or 0
        ),
        help=(
            "Safeguarding concerns received so far this month; change against the same days of "
            f"last month. All of last month: "
            f"{fmt.whole(glance.concerns_last_month)}."
        ),
        border=True,
    )
    enquiries_col.metric(
        "Enquiries open",
        fmt.whole(glance.open_enquiries),
        help="Section 42 enquiries started and not yet concluded, as of today.",
        border=True,
    )

if glance.concerns_month_to_date is not None:
    st.markdown(
        f"**{fmt.whole(glance.concerns_month_to_date)}** safeguarding concerns so far this month, "
        f"against **{fmt.whole(glance.concerns_same_days_last_month)}** by the same day last "
        f"month and **{fmt.whole(glance.concerns_last_month)}** in all of last month."
    )

st.subheader("Open quality alerts by severity")
severity = pd.DataFrame(
    {
        "Severity": [SEVERITY.label(code) for code in glance.open_alerts_by_severity],
        "Open alerts": list(glance.open_alerts_by_severity.values()),
    }
)
st.dataframe(severity, hide_index=True, width="content")

if glance.freshness:
    st.subheader("How fresh the data is")
    freshness = pd.DataFrame(
        {
            "Data": [f.kind.capitalize() for f in glance.freshness],
            "Last imported": [fmt.when(f.last_imported_at, now) for f in glance.freshness],
            "From file": [f.filename or "—" for f in glance.freshness],
            "Rows": [fmt.whole(f.rows) for f in glance.freshness],
        }
    )
    st.dataframe(freshness, hide_index=True, width="stretch")
