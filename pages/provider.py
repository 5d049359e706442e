"""A provider's profile for the Board: details and contact, rating and reasons, 12-month
timeline, enquiries, CQC rating, the provider's quality alerts (each opening in the register) and
safeguarding concerns (reference and category only), open plans and monitoring with their next
review dates, 12 months of ratings with the Board's decisions and every decision's history, and
a one-page PDF for a contract-monitoring visit."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from sgoversight.auth import Permission
from sgoversight.board import month as board
from sgoversight.board.decisions import DECISIONS
from sgoversight.board.profile_pdf import profile_pdf
from sgoversight.board.rules import INDICATOR_LABELS
from sgoversight.periods import add_months, last_complete_month, parse_month
from sgoversight.plans import NEEDS_SETUP, status_text
from sgoversight.search import matching
from sgoversight.vocabulary import ALERT_CATEGORY, CQC_RATING, SERVICE_TYPE
from ui import cache, cards
from ui import cqc as cqc_ui
from ui import format as fmt
from ui.context import engine, require, today
from ui.downloads import PDF
from ui.navigation import link_to_page
from ui.rag import rating_column
from ui.table_search import found_line, search_box

actor = require(Permission.VIEW_BOARD)
PROVIDER_KEY, MONTH_KEY = "profile-provider", "profile-month"
PAGE = "provider"
#: The address parameters of the two lists' search boxes (cleared when the provider changes).
ALERTS_SEARCH, CONCERNS_SEARCH = "alerts_q", "concerns_q"

register = cache.register(actor).sort_values("name")
names = dict(zip(register["provider_id"], register["name"], strict=True))
latest = last_complete_month(today())
months = {m.label: m for m in (add_months(latest, -back) for back in range(12))}

# Arriving (a link from the Board, a reload, back or forward): the address bar says which
# provider and month; after that the pickers do, and the address bar follows them.
wanted = st.query_params.get("provider")
if wanted and wanted != st.session_state.get(PROVIDER_KEY):
    if wanted in names:
        st.session_state[PROVIDER_KEY] = wanted
    else:
        st.warning(
            f"There is no provider {fmt.plain(wanted)} in the register; choose one below.",
            icon=":material/warning:",
        )
wanted_month = st.query_params.get("month")
if wanted_month in months and wanted_month != st.session_state.get(MONTH_KEY):
    st.session_state[MONTH_KEY] = wanted_month
elif MONTH_KEY not in st.session_state:
    st.session_state[MONTH_KEY] = latest.label


def _to_address() -> None:
    """The pickers' choice, in the address bar (by id) before the page runs again."""
    chosen = st.session_state.get(PROVIDER_KEY)
    if chosen != st.query_params.get("provider"):  # another provider's lists: a fresh search
        st.query_params.pop(ALERTS_SEARCH, None)
        st.query_params.pop(CONCERNS_SEARCH, None)
    if chosen:
        st.query_params["provider"] = chosen
    else:
        st.query_params.pop("provider", None)
    st.query_params["month"] = st.session_state[MONTH_KEY]


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


st.title("Provider profile")
provider_id = st.selectbox(
    "Provider",
    list(names),
    index=None,
    format_func=lambda pid: f"{names[pid]} ({pid})",
    placeholder="Type to search the register",
    key=PROVIDER_KEY,
    on_change=_to_address,
)
month_label = st.selectbox(
    "Board month",
    list(months),
    format_func=lambda label: f"{months[label].start:%B %Y}",
    key=MONTH_KEY,
    on_change=_to_address,
)
month = months[month_label]
if provider_id is None:
    st.query_params.pop("provider", None)
    st.query_params["month"] = month.label
    st.info("Choose a provider to see their profile.")
    st.stop()
st.query_params.update({"provider": provider_id, "month": month.label})
link_to_page(
    "pages/board.py",
    "Back to the Board, with this provider chosen",
    ":material/arrow_back:",
    {"provider": provider_id, "month": month.label},
)

profile = board.provider_profile(
    engine(), actor, provider_id, month, frames=cache.provider_frames(actor, provider_id)
)
provider, rating = profile.provider, profile.rating

st.header(fmt.plain(str(provider["name"])))
cqc = provider.get("cqc_rating")
capacity = provider.get("capacity")
facts = [
    SERVICE_TYPE.label(str(provider["service_type"])),
    "regulated by the Care Quality Commission (CQC)" if provider["regulated"] else "not regulated",
    "commissioned by the council"
    if provider.get("commissioned") is not False
    else "not commissioned",
    f"{int(capacity)} places" if pd.notna(capacity) else "places not known",
]
st.markdown(" · ".join(facts))
contact = profile.contact
st.markdown(
    "  \n".join(
        f"**{label}:** {fmt.plain(value) if value else 'not recorded'}"
        for label, value in (
            ("Address", contact.address),
            ("Contact", contact.contact),
            ("Registered manager", contact.registered_manager),
        )
    )
)
st.download_button(
    "Download a one-page visit sheet (PDF)",
    partial(profile_pdf, profile, month, today()),  # drawn when clicked, from this run's reads
    file_name=f"visit-sheet-{provider_id}-{month.label}.pdf",
    mime=PDF,
    icon=":material/picture_as_pdf:",
    on_click="ignore",
    help="Details, contact, this month's rating and reasons, open alerts, concerns, open plans "
    "and monitoring, and 12 months of ratings with the Board's decisions, for a "
    "contract-monitoring visit.",
)

cards.facts(
    (f"Rating for {month.start:%B %Y}", board.rag_text(rating.rating)),
    (
        "Open safeguarding enquiries",
        f"{fmt.whole(profile.open_enquiries)} on {fmt.long_date(month.end)}",
    ),
    ("CQC rating", CQC_RATING.label(cqc) if isinstance(cqc, str) else "Not rated"),
)

cqc_ui.provider_ratings(actor, provider_id, today())

st.subheader("Why this rating")
for reason in board.reasons_worst_first(rating) or ["No indicator is amber or red."]:
    st.markdown(f"- {fmt.plain(reason)}")
st.caption(f"Recommended action: {rating.recommended_action}.")
with st.expander("Every indicator"):
    st.dataframe(
        pd.DataFrame(
            {
                "Indicator": [INDICATOR_LABELS[r.name] for r in rating.results],
                "Value": [
                    (
                        ("Yes" if r.value else "No")
                        if isinstance(r.value, bool)
                        else (CQC_RATING.label(r.value) if isinstance(r.value, str) else r.value)
                    )
                    for r in rating.results
                ],
                "Level": [board.rag_text(r.level) for r in rating.results],
            }
        ).astype({"Value": str}),
        hide_index=True,
        width="stretch",
    )

months_shown = f"{add_months(month, -11).start:%B %Y} to {month.start:%B %Y}"
st.subheader("The last 12 months")
st.altair_chart(board.timeline_chart(profile.timeline), width="stretch", height=300)

st.subheader("Quality alerts")
if profile.alerts:
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
else:
    st.caption(f"No quality alert raised from {months_shown}, and none open.")

if profile.concerns is not None:
    st.subheader("Safeguarding concerns")
    if profile.concerns:
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
    else:
        st.caption(f"No safeguarding concern received from {months_shown}, and no enquiry open.")

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
if profile.decisions:
    st.dataframe(
        pd.DataFrame(
            {
                "Month": profile.decision_months,
                "Status": [d.status_text for d in profile.decisions],
                "Computed": [d.computed_rating for d in profile.decisions],
                "Board's rating": [
                    d.rating + ("" if d.agreed else " (override)") for d in profile.decisions
                ],
                "Decision": [DECISIONS[d.decision] for d in profile.decisions],
                "Rationale": [d.rationale or "" for d in profile.decisions],
                "Why amended or withdrawn": [
                    d.withdrawn_reason or d.amend_reason or "" for d in profile.decisions
                ],
                "Decided": [
                    f"{d.decided_at:%d %b %Y} by {d.decided_by}" for d in profile.decisions
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Every decision stays here: one is current for each month; an amended one shows "
        "the reason on the decision that replaced it."
    )
else:
    st.caption("The Board has not recorded a decision about this provider yet.")

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
