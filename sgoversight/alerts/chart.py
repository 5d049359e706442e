"""Alerts counted under the CQC key questions: the counts and their chart.

Rule: each category is counted under one CQC key question (rules.CQC_KEY_QUESTION).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sgoversight import vocabulary as v
from sgoversight.alerts.rules import KEY_QUESTIONS

if TYPE_CHECKING:
    import altair as alt


def key_question_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Alerts per category, grouped under their CQC key question (CQC order, then most first)."""
    columns = ["CQC key question", "Category", "Alerts"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    counts = frame.groupby(["key_question", "category"]).size().reset_index(name="Alerts")
    counts["order"] = counts["key_question"].map({q: i for i, q in enumerate(KEY_QUESTIONS)})
    counts = counts.sort_values(["order", "Alerts", "category"], ascending=[True, False, True])
    counts["Category"] = counts["category"].map(v.ALERT_CATEGORY.label)
    counts = counts.rename(columns={"key_question": "CQC key question"})
    return counts[columns].reset_index(drop=True)


BAR_COLOUR = "#1f4e79"


def key_question_chart(counts: pd.DataFrame) -> alt.FacetChart:
    """Bars of alerts per category, one panel per CQC key question; counts printed on the bars so
    the chart reads without colour. (Altair is loaded here, for the page: an import of alerts
    does not need it.)"""
    import altair as alt

    questions = [q for q in KEY_QUESTIONS if q in set(counts["CQC key question"])]
    base = alt.Chart().encode(
        y=alt.Y("Category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("Alerts:Q", title="Quality alerts", axis=alt.Axis(tickMinStep=1)),
        tooltip=["CQC key question", "Category", "Alerts"],
    )
    bars = base.mark_bar(color=BAR_COLOUR)
    labels = base.mark_text(align="left", dx=3, color="#1b1b1b").encode(text="Alerts:Q")
    return (
        alt.layer(bars, labels, data=counts)
        .properties(width=380, height=alt.Step(20))
        .facet(
            row=alt.Row(
                "CQC key question:N",
                sort=questions,
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontWeight="bold",
                    labelFontSize=13,
                ),
            ),
            spacing=8,
        )
        .resolve_scale(y="independent")
    )
