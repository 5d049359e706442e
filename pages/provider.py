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
from sgoversight.board.profile_pdf import profile_pdf
from sgoversight.periods import add_months, last_complete_month
from sgoversight.vocabulary import CQC_RATING, SERVICE_TYPE
from ui import board_profile, cache, cards
from ui import cqc as cqc_ui
from ui import format as fmt
from ui.board_profile import ALERTS_SEARCH, CONCERNS_SEARCH
from ui.context import engine, require, today
from ui.downloads import PDF
from ui.navigation import link_to_page

actor = require(Permission.VIEW_BOARD)
PROVIDER_KEY, MONTH_KEY = "profile-provider", "profile-month"

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
board_profile.indicators_table(rating)

months_shown = f"{add_months(month, -11).start:%B %Y} to {month.start:%B %Y}"
st.subheader("The last 12 months")
st.altair_chart(board.timeline_chart(profile.timeline), width="stretch", height=300)

board_profile.alerts_list(profile, months_shown)
board_profile.concerns_list(profile, months_shown)
board_profile.open_work(profile)
board_profile.ratings_and_decisions(profile)
board_profile.earlier_work(profile)
