"""The provider profile's lists: the provider's quality alerts and safeguarding concerns (each with
its own search), its improvement plans and enhanced monitoring (open, then earlier), 12 months of
ratings beside the Board's decisions, and every decision with its history.

Rules: a concern shows its reference, date, category and whether an enquiry is open, nothing
about the person; an alert's number opens it in the register; every value typed by a person is
escaped (ui.format.plain) before it goes into Markdown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.board import month as board
from sgoversight.board.decisions import DECISIONS
from sgoversight.board.rules import INDICATOR_LABELS, ProviderRating
from sgoversight.periods import parse_month
from sgoversight.plans.rules import NEEDS_SETUP, status_text
from sgoversight.search import matching
from sgoversight.vocabulary import ALERT_CATEGORY, CQC_RATING
from ui import format as fmt
from ui.navigation import link_to_page
from ui.rag import rating_column
from ui.table_search import found_line, search_box

PAGE = "provider"
#: The address parameters of the two lists' search boxes (cleared when the provider changes).
ALERTS_SEARCH, CONCERNS_SEARCH = "alerts_q", "concerns_q"


def _alert_fields(alert: board.ProfileAlert) -> list[str]:
    """What the alerts' search reads: everything the list shows, in words."""
    return [
        alert.alert_id,
        fmt.long_date(alert.raised_on),
        ALERT_CATEGORY.label(alert.category),
        alert.severity_text,
        alert.status_text,
    ]


def _concern_fields(concern: board.ProfileConcern) -> list[str]:
    """What the concerns' search reads: the reference, date, category and whether an enquiry is
    open, nothing about the person."""
    return [
        concern.concern_id,
        fmt.long_date(concern.received_on),
        concern.category_text,
        "Enquiry open" if concern.enquiry_open else "",
    ]


def indicators_table(rating: ProviderRating) -> None:
    """Every indicator's value and level, in an expander."""
    with st.expander("Every indicator"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Indicator": [INDICATOR_LABELS[r.name] for r in rating.results],
                    "Value": [
                        (
                            ("Yes" if r.value else "No")
                            if isinstance(r.value, bool)
                            else (
                                CQC_RATING.label(r.value) if isinstance(r.value, str) else r.value
                            )
                        )
                        for r in rating.results
                    ],
                    "Level": [board.rag_text(r.level) for r in rating.results],
                }
            ).astype({"Value": str}),
            hide_index=True,
            width="stretch",
        )


def alerts_list(profile: board.ProviderProfile, months_shown: str) -> None:
    """The provider's quality alerts, newest first, searchable, each opening in the register."""
    st.subheader("Quality alerts")
    if not profile.alerts:
        st.caption(f"No quality alert raised from {months_shown}, and none open.")
        return
    st.caption(
        f"{len(profile.alerts):,} raised from {months_shown} or still open, newest first. Select "
        "an alert's number to open it in the register (in a new tab, keeping this profile)."
    )
    alert_search = search_box(
        "Search alert number, category, severity, status, date raised",
        page=PAGE,
        param=ALERTS_SEARCH,
        placeholder="e.g. an alert number, medication, high, open, November",
    )
    alerts = matching(profile.alerts, alert_search, _alert_fields)
    if found_line(alert_search, len(alerts), len(profile.alerts), "alerts"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Alert": [f"alerts?alert={a.alert_id}" for a in alerts],
                    "Raised": [a.raised_on for a in alerts],
                    "Category": [ALERT_CATEGORY.label(a.category) for a in alerts],
                    "Severity": [a.severity_text for a in alerts],
                    "Status": [a.status_text for a in alerts],
                }
            ),
            hide_index=True,
            width="stretch",
            height=min(36 * (len(alerts) + 1) + 4, 320),
            column_config={
                "Alert": st.column_config.LinkColumn(display_text=r"alert=(.*)$"),
                "Raised": st.column_config.DateColumn(format="D MMM YYYY"),
            },
        )


def concerns_list(profile: board.ProviderProfile, months_shown: str) -> None:
    """The provider's safeguarding concerns (for those who may see them), searchable."""
    if profile.concerns is None:
        return
    st.subheader("Safeguarding concerns")
    if not profile.concerns:
        st.caption(f"No safeguarding concern received from {months_shown}, and no enquiry open.")
        return
    st.caption(
        f"{len(profile.concerns):,} received from {months_shown} or with an enquiry still "
        "open, newest first: the reference and category only, nothing about the person."
    )
    concern_search = search_box(
        "Search reference, category, date received, open enquiry",
        page=PAGE,
        param=CONCERNS_SEARCH,
        placeholder="e.g. a reference, neglect, October, enquiry open",
    )
    concerns = matching(profile.concerns, concern_search, _concern_fields)
    if found_line(concern_search, len(concerns), len(profile.concerns), "concerns"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Reference": [c.concern_id for c in concerns],
                    "Received": [c.received_on for c in concerns],
                    "Category": [c.category_text for c in concerns],
                    "Enquiry": ["Open" if c.enquiry_open else "" for c in concerns],
                }
            ),
            hide_index=True,
            width="stretch",
            height=min(36 * (len(concerns) + 1) + 4, 320),
            column_config={"Received": st.column_config.DateColumn(format="D MMM YYYY")},
        )


def open_work(profile: board.ProviderProfile) -> None:
    """The open improvement plans (each linking to it) and enhanced monitoring, with their next
    review dates and what a plan still needs."""
    st.subheader("Open improvement plans and enhanced monitoring")
    if not profile.open_plans and not profile.open_monitoring:
        st.caption("No improvement plan or enhanced monitoring is open.")
    for plan in profile.open_plans:
        review = plan["next_review_on"]
        status = f"next review {fmt.long_date(review)}" if review else "no review date set"
        if plan["needs"]:
            status += f", {status_text(NEEDS_SETUP)}: it needs {' and '.join(plan['needs'])}"
        link_to_page(
            "pages/plans.py",
            f"Improvement plan {fmt.plain(str(plan['plan_id']))}, "
            f"opened {fmt.long_date(plan['opened_on'])}, {status}",
            ":material/assignment:",
            {"plan": str(plan["plan_id"])},
        )
        st.caption(fmt.plain(str(plan["reason"])))
    for item in profile.open_monitoring:
        review = (
            f"next review {fmt.long_date(item['review_on'])}"
            if item["review_on"]
            else "no review date set"
        )
        st.markdown(
            f"- Enhanced monitoring from {fmt.long_date(item['started_on'])}, {review}"
            + (f": {fmt.plain(str(item['reason']))}" if item["reason"] else "")
        )


def ratings_and_decisions(profile: board.ProviderProfile) -> None:
    """12 months of computed ratings beside the Board's decisions, then every decision (current,
    amended later or withdrawn) with its reasons."""
    st.subheader("Ratings and the Board's decisions, last 12 months")
    history = profile.history
    st.dataframe(
        pd.DataFrame(
            {
                "Month": [parse_month(m).start.strftime("%B %Y") for m in history["month"]],
                "Computed rating": [board.rag_text(r) for r in history["rating"]],
                "Board's decision": [d or "No decision recorded" for d in history["decision"]],
                "Board's rating": list(history["board_rating"]),
            }
        ).iloc[::-1],
        hide_index=True,
        width="stretch",
        column_config={"Computed rating": rating_column()},
        height=36 * (len(history) + 1) + 4,
    )
    st.caption("Newest month first. Each month is rated from today's records.")
    # The decisions take the full width: their reasons need the room.
    st.subheader("Board decisions")
    decisions = profile.decisions
    if not decisions:
        st.caption("The Board has not recorded a decision about this provider yet.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Month": profile.decision_months,
                "Status": [d.status_text for d in decisions],
                "Computed": [d.computed_rating for d in decisions],
                "Board's rating": [
                    d.rating + ("" if d.agreed else " (override)") for d in decisions
                ],
                "Decision": [DECISIONS[d.decision] for d in decisions],
                "Rationale": [d.rationale or "" for d in decisions],
                "Why amended or withdrawn": [
                    d.withdrawn_reason or d.amend_reason or "" for d in decisions
                ],
                "Decided": [f"{d.decided_at:%d %b %Y} by {d.decided_by}" for d in decisions],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Every decision stays here: one is current for each month; an amended one shows "
        "the reason on the decision that replaced it."
    )


def earlier_work(profile: board.ProviderProfile) -> None:
    """Closed improvement plans (each linking to it) and ended enhanced monitoring."""
    closed_plans = [plan for plan in profile.plans if plan["status"] == "closed"]
    ended = [item for item in profile.monitoring if item["ended_on"]]
    if closed_plans or ended:
        st.subheader("Earlier improvement plans and enhanced monitoring")
    for plan in closed_plans:
        link_to_page(
            "pages/plans.py",
            f"Improvement plan {fmt.plain(str(plan['plan_id']))}, "
            f"opened {fmt.long_date(plan['opened_on'])}, closed {fmt.long_date(plan['closed_on'])}",
            ":material/assignment:",
            {"plan": str(plan["plan_id"])},
        )
        st.caption(fmt.plain(str(plan["reason"])))
    for item in ended:
        st.markdown(
            f"- Enhanced monitoring from {fmt.long_date(item['started_on'])}, "
            f"ended {fmt.long_date(item['ended_on'])}"
            + (f": {fmt.plain(str(item['reason']))}" if item["reason"] else "")
        )
