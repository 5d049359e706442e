"""The timeline chart of one plan's actions: each due date marked by its status, and each
completion date."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from sgoversight.plans.read import PlanDetail
from sgoversight.plans.rules import DUE_SOON, NOT_YET_DUE, OVERDUE

#: Marker shape and colour per timeline mark; shapes differ so the chart reads in greyscale.
TIMELINE_MARKS: dict[str, tuple[str, str]] = {
    f"Due: {OVERDUE.lower()}": ("cross", "#b2182b"),
    f"Due: {DUE_SOON.lower()}": ("triangle-up", "#b35806"),
    f"Due: {NOT_YET_DUE.lower()}": ("circle", "#2166ac"),
    "Due: done": ("square", "#4d4d4d"),
    "Completed": ("diamond", "#1b7837"),
}


TODAY_COLOUR = "#000000"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timeline_frame(detail: PlanDetail) -> pd.DataFrame:
    """One row per mark of the timeline: each action's due date (labelled by its status) and,
    for done actions, its completion date. Columns: action, mark, date, due_on, completed_on,
    status, owner."""
    rows = []
    for position, row in enumerate(detail.actions.itertuples(index=False), start=1):
        label = f"{position}. {_short(row.description)}"
        common = {
            "action": label,
            "order": position,
            "due_on": row.due_on,
            "completed_on": row.completed_on,
            "status": row.status_text,
            "owner": row.owner,
        }
        rows.append({**common, "mark": f"Due: {row.status.lower()}", "date": row.due_on})
        if pd.notna(row.completed_on):
            rows.append({**common, "mark": "Completed", "date": row.completed_on})
    return pd.DataFrame(
        rows,
        columns=["action", "order", "mark", "date", "due_on", "completed_on", "status", "owner"],
    )


def action_timeline_chart(detail: PlanDetail, today: dt.date) -> alt.LayerChart:
    """The plan's actions against their due dates: a point at each due date (shape and colour by
    status, named in the legend), a diamond where a done action was completed joined to its due
    date by a line, and a rule for today."""
    frame = timeline_frame(detail)
    actions = frame.drop_duplicates("action")
    order = list(actions["action"])
    height = max(120, 34 * len(order))
    y = alt.Y("action:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    domain = list(TIMELINE_MARKS)
    marks = (
        alt.Chart(frame)
        .mark_point(size=140, filled=True, opacity=1)
        .encode(
            x=alt.X(
                "date:T",
                title="Date",
                axis=alt.Axis(format="%d %b %Y"),
                scale=alt.Scale(padding=16),  # keep markers at either end whole
            ),
            y=y,
            shape=alt.Shape(
                "mark:N",
                scale=alt.Scale(domain=domain, range=[s for s, _ in TIMELINE_MARKS.values()]),
                legend=alt.Legend(title="On the timeline", orient="bottom", columns=3),
            ),
            color=alt.Color(
                "mark:N",
                scale=alt.Scale(domain=domain, range=[c for _, c in TIMELINE_MARKS.values()]),
                legend=alt.Legend(title="On the timeline", orient="bottom", columns=3),
            ),
            tooltip=[
                alt.Tooltip("action:N", title="Action"),
                alt.Tooltip("owner:N", title="Owner"),
                alt.Tooltip("due_on:T", title="Due", format="%d %b %Y"),
                alt.Tooltip("completed_on:T", title="Completed", format="%d %b %Y"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
    )
    done = actions[actions["completed_on"].notna()]
    span = (
        alt.Chart(done)
        .mark_rule(strokeDash=[3, 3], color="#4d4d4d")
        .encode(x="due_on:T", x2="completed_on:T", y=y)
    )
    today_frame = pd.DataFrame({"date": [pd.Timestamp(today)], "label": [f"Today, {today:%d %b}"]})
    today_rule = (
        alt.Chart(today_frame).mark_rule(color=TODAY_COLOUR, strokeWidth=2).encode(x="date:T")
    )
    today_label = (
        alt.Chart(today_frame)
        .mark_text(align="left", dx=4, dy=-6, baseline="bottom", color=TODAY_COLOUR)
        .encode(x="date:T", y=alt.value(0), text="label:N")
    )
    return (
        alt.layer(span, marks, today_rule, today_label)
        .properties(
            height=height,
            title=f"Actions of {detail.plan_id} against their due dates",
            # Fit the width only: with Streamlit's default "fit" the legend and title would
            # squeeze the rows into the given height.
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        )
        .configure_legend(labelLimit=260)
    )
