"""Provider Oversight Board: every provider rated Red, Amber or Green, with the reasons, and the
Board's decisions."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sgoversight import board
from sgoversight.auth import Permission
from sgoversight.board_pack import board_pack_pdf, board_pack_xlsx
from sgoversight.decisions import DECISIONS, create_meeting, record_decision
from sgoversight.errors import BadInput
from sgoversight.periods import add_months, last_complete_month
from sgoversight.scoring import RATINGS
from sgoversight.vocabulary import SERVICE_TYPE
from ui import cache
from ui import format as fmt
from ui.context import engine, require, today
from ui.downloads import XLSX, prepared_download
from ui.navigation import link_to_page
from ui.rag import rag_cell_style

actor = require(Permission.VIEW_BOARD)
can_decide = actor.can(Permission.DECIDE_BOARD)

st.title("Provider Oversight Board")
st.caption(
    "Each provider is rated Red, Amber or Green each month against the council's thresholds. "
    "The Board agrees each rating or overrides it with a written reason, and decides what "
    "happens next."
)

latest = last_complete_month(today())
months = [add_months(latest, -back) for back in range(12)]
month = st.selectbox(
    "Board month",
    months,
    format_func=lambda m: f"{m.start:%B %Y}",
    help="Ratings use the 3 months ending with this month. The last complete month comes first.",
)
frames = cache.board_frames(actor, month)
view = cache.board_month(actor, month)
table = board.board_table(view)

counts = view.counts()
columns = st.columns(4)
for column, rating in zip(columns, RATINGS, strict=False):
    column.metric(f"{board.rag_text(rating)} providers", fmt.whole(counts[rating]), border=True)
decided = len(view.decisions)
columns[3].metric(
    "Decisions recorded",
    f"{decided} of {len(view.ratings)}",
    help="Providers the Board has agreed or overridden this month.",
    border=True,
)

with st.expander("Filter the table", expanded=False, icon=":material/filter_list:"):
    left, middle, right = st.columns(3)
    ratings_shown = left.multiselect("Rating", RATINGS, default=list(RATINGS))
    services = middle.multiselect(
        "Service type",
        SERVICE_TYPE.codes,
        format_func=SERVICE_TYPE.label,
        placeholder="All service types",
    )
    movement = right.multiselect(
        "Movement since last month",
        list(board.MOVEMENT_TEXT),
        format_func=board.MOVEMENT_TEXT.get,
        placeholder="Any movement",
    )
    left, middle, right = st.columns(3)
    regulated = left.radio("Regulated by CQC", ["All", "Yes", "No"], horizontal=True)
    commissioned = middle.radio("Commissioned", ["All", "Yes", "No"], horizontal=True)
    search = right.text_input("Provider name contains")

shown = table[table["rating"].isin(ratings_shown)]
if services:
    shown = shown[shown["service_type"].isin(services)]
if movement:
    shown = shown[shown["movement"].isin(movement)]
if regulated != "All":
    shown = shown[shown["regulated"] == (regulated == "Yes")]
if commissioned != "All":
    shown = shown[shown["commissioned"] == (commissioned == "Yes")]
if search.strip():
    shown = shown[shown["Provider"].str.contains(search.strip(), case=False, regex=False)]

st.markdown(
    f"**{len(shown):,}** of {len(table):,} providers shown. CQC is the Care Quality Commission, "
    "which registers and inspects regulated services."
)
visible = shown[
    [
        "Provider",
        "Rating",
        "Movement",
        "Board decision",
        "Why",
        "Recommended action",
        "Board's rating",
        "Service",
        "provider_id",
    ]
]  # no link column: a link in a table opens a new tab; a selected row opens the review below
selection = st.dataframe(
    visible.drop(columns="provider_id").style.map(rag_cell_style, subset=["Rating"]),
    hide_index=True,
    width="stretch",
    height=min(36 * (len(visible) + 1) + 4, 560),
    on_select="rerun",
    selection_mode="single-row",
    key=f"board-table-{month.label}",
    column_config={
        "Why": st.column_config.TextColumn(width="large"),
        "Recommended action": st.column_config.TextColumn(width="medium"),
    },
)

st.header("Review a provider")
st.caption("Select a row in the table, or choose the provider here.")
options = list(shown["provider_id"])
picked = selection.selection.rows if selection else []
if picked:
    st.session_state["board-provider"] = options[picked[0]]
names = dict(zip(table["provider_id"], table["Provider"], strict=True))
chosen = st.selectbox(
    "Provider",
    options,
    index=None,
    format_func=lambda pid: f"{names[pid]} ({pid})",
    placeholder="Choose a provider from the table above",
    key="board-provider",
)
if chosen:
    rating = view.rating_of(chosen)
    st.markdown(
        f"### {rating.provider_name}\n"
        f"Computed rating **{board.rag_text(rating.rating)}** · recommended: "
        f"{rating.recommended_action}"
    )
    link_to_page(
        "pages/provider.py",
        "Open the full profile",
        ":material/open_in_full:",
        {"provider": chosen, "month": month.label},
    )
    for reason in rating.reasons or ["No indicator is amber or red."]:
        st.markdown(f"- {reason}")
    current = view.decisions.get(chosen)
    if current:
        st.info(
            f"Decided {current.decided_at:%d %b %Y} by {current.decided_by}: "
            f"{DECISIONS[current.decision]}, rating {board.rag_text(current.rating)}"
            + ("" if current.agreed else " (override)")
            + (f". Rationale: {current.rationale}" if current.rationale else ""),
            icon=":material/gavel:",
        )
    if can_decide:
        meetings = {m.id: board.meeting_summary(m) for m in view.meetings}
        with st.form(f"decision-{chosen}-{month.label}"):
            verdict = st.radio(
                "The Board's view of the computed rating",
                ["Agree", "Override"],
                horizontal=True,
            )
            override = st.selectbox(
                "Rating the Board sets (only when overriding)",
                RATINGS,
                index=None,
                format_func=board.rag_text,
                placeholder="Choose a rating",
            )
            decision = st.selectbox(
                "Decision",
                list(DECISIONS),
                format_func=DECISIONS.get,
                index=list(DECISIONS).index(
                    {"Red": "improvement_plan", "Amber": "enhanced_monitoring"}.get(
                        rating.rating, "routine_monitoring"
                    )
                ),
            )
            rationale = st.text_area(
                "Rationale (required when overriding)", max_chars=5000, height=100
            )
            meeting = st.selectbox(
                "At meeting",
                list(meetings),
                index=len(meetings) - 1 if meetings else None,
                format_func=meetings.get,
                placeholder="No meeting recorded for this month yet",
            )
            if st.form_submit_button(
                "Record the decision", type="primary", icon=":material/gavel:"
            ):
                try:
                    recorded = record_decision(
                        engine(),
                        actor,
                        today=today(),
                        board_month=month.label,
                        provider_id=chosen,
                        computed_rating=rating.rating,
                        agreed=verdict == "Agree",
                        override_rating=override if verdict == "Override" else None,
                        rationale=rationale,
                        decision=decision,
                        meeting_id=meeting,
                    )
                except BadInput as exc:
                    st.error(str(exc))
                    for problem in exc.problems:
                        st.error(problem)
                else:
                    message = "Decision recorded."
                    if recorded.plan_id:
                        message += (
                            f" Improvement plan {recorded.plan_id} is open for this provider."
                        )
                    if recorded.monitoring_id:
                        message += " Enhanced monitoring has started."
                    st.success(message)

if can_decide:
    with st.expander("Record a Board meeting", icon=":material/groups:"), st.form("meeting"):
        meeting_on = st.date_input(
            "Meeting date", value=today(), max_value=today() + dt.timedelta(days=60)
        )
        attendees = st.text_input("Attendees", placeholder="Names or roles, comma separated")
        notes = st.text_area("Notes", height=100)
        if st.form_submit_button("Save the meeting", icon=":material/save:"):
            try:
                create_meeting(
                    engine(),
                    actor,
                    board_month=month.label,
                    meeting_on=meeting_on,
                    attendees=attendees,
                    notes=notes,
                )
            except BadInput as exc:
                st.error(str(exc))
                for problem in exc.problems:
                    st.error(problem)
            else:
                st.success("Meeting saved.")
                st.rerun()

st.header("Beyond the thresholds")
window = board.insight_window(month)
rates_tab, quiet_tab = st.tabs(["Rates per 10 places", "Quiet providers"])
with rates_tab:
    st.caption(
        f"Quality alerts and safeguarding concerns from {fmt.long_date(window.start)} to "
        f"{fmt.long_date(window.end)} for every provider whose number of places is known, per 10 "
        "places, beside the median for its service type. A high rate can point to a problem a "
        "small count hides."
    )
    st.dataframe(board.rates_table(frames, month), hide_index=True, width="stretch", height=320)
with quiet_tab:
    quiet = board.quiet_table(frames, month)
    st.caption(
        "Services with 20 or more places and no quality alert or safeguarding concern in 12 "
        "months. Silence can mean good care, or that nobody is reporting."
    )
    if quiet.empty:
        st.success("No large service has been silent for 12 months.")
    else:
        st.dataframe(quiet, hide_index=True, width="stretch")

st.header("Board pack")
left, right = st.columns(2)
left.download_button(
    "Download the pack (Excel)",
    lambda: board_pack_xlsx(view, frames),  # built when clicked, not on every run
    file_name=f"board-pack-{month.label}.xlsx",
    mime=XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
prepared_download(
    right,
    key="board-pdf",
    version=(month.label,),
    prepare_label="Prepare the PDF pack",
    prepare_icon=":material/picture_as_pdf:",
    spinner="Drawing the pack…",
    build=lambda: board_pack_pdf(view, frames),
    download_label="Download the PDF pack",
    file_name=f"board-pack-{month.label}.pdf",
)
