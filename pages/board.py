"""Provider Oversight Board: every provider rated Red, Amber or Green, with the reasons, and the
Board's decisions.

The address bar holds the month, the table's order and the provider under review
(`?month=YYYY-MM&order=CODE&provider=ID`, the order by its code in sgoversight.board.ORDERS) and
any search of the table (`&q=…`; the rates and quiet tables' own as `rates_q`, `quiet_q`) and
any filtered list (`&show=red_or_worse` or `&show=awaiting_decision`: a landing page line's
providers, by the line's own rule, board.red_or_worse or board.awaiting_decision), so a
link, a reload and the browser's back button all come back to the same place. The table is most
at risk first unless the Board chooses another order; its leading columns (provider, rating,
main reason, recommended action, the Board's decision) fit a 1366-pixel-wide laptop screen
without scrolling sideways, the full reasons being in the review panel below. Every write runs
in its button's callback (ui.writes) before the page reads, so the counts, the table, the review
panel and the packs drawn after a save include it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import streamlit as st

from sgoversight import board
from sgoversight.auth import Permission
from sgoversight.board_pack import board_pack_pdf, board_pack_xlsx
from sgoversight.decisions import (
    DECISIONS,
    WORKSTREAM_CHOICES,
    RecordedDecision,
    create_meeting,
    open_workstreams,
    record_decision,
    withdraw_decision,
)
from sgoversight.periods import add_months, last_complete_month
from sgoversight.scoring import RATINGS
from sgoversight.search import is_active
from sgoversight.vocabulary import SERVICE_TYPE
from ui import cache, forms, writes
from ui import cqc as cqc_ui
from ui import format as fmt
from ui.address import shown_list, shown_list_notice
from ui.context import engine, require, today
from ui.downloads import XLSX, prepared_download
from ui.navigation import link_to_page
from ui.rag import rating_column
from ui.table_search import filter_frame, found_line, nothing_found, search_box

PAGE = "board"
#: The table's columns the search box reads: everything a row says about the provider.
SEARCHED = [
    "Provider",
    "provider_id",
    "Service",
    "Rating",
    "Main reason",
    "Why",
    "Recommended action",
    "Board decision",
    "Board's rating",
    "Plan or monitoring",
]
MONTH_KEY, PROVIDER_KEY, ORDER_KEY = "board-month", "board-provider", "board-order"
#: The decision form's fields in the words on the form (ui.forms): each problem about one of
#: them is shown beside it; any other (the rating changed meanwhile, say) at the form's top.
DECISION_LABELS = {
    "agreed": "The Board's view of the computed rating",
    "override_rating": "Rating the Board sets (only when overriding)",
    "rationale": "Rationale (required when overriding)",
    "decision": "Decision",
    "meeting_id": "At meeting",
    "amend_reason": "Why the decision is being amended",
    "workstream": "What happens to the work the earlier decision started",
    "workstream_reason": "Why it closes",
}
WITHDRAW_LABELS = {
    "withdraw_reason": "Why the decision is withdrawn",
    "workstream": "What happens to the work this decision started",
    "workstream_reason": "Why it closes",
}
MEETING_LABELS = {
    "meeting_on": "Meeting date",
    "attendees": "Attendees",
    "notes": "Notes",
}

actor = require(Permission.VIEW_BOARD)
can_decide = actor.can(Permission.DECIDE_BOARD)

latest = last_complete_month(today())
months = {m.label: m for m in (add_months(latest, -back) for back in range(12))}


def _to_address() -> None:
    """The month and the provider under review, in the address bar (by id, never by label)."""
    st.query_params["month"] = st.session_state[MONTH_KEY]
    st.query_params["order"] = st.session_state.get(ORDER_KEY, board.DEFAULT_ORDER)
    chosen = st.session_state.get(PROVIDER_KEY)
    if chosen:
        st.query_params["provider"] = chosen
    else:
        st.query_params.pop("provider", None)


def _row_chosen(table_key: str, ids: list[str]) -> None:
    """A row selected in the table: that provider is reviewed below."""
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[PROVIDER_KEY] = ids[rows[0]]
        _to_address()


def _decision_message(recorded: RecordedDecision) -> str:
    message = "Decision amended." if recorded.amended else "Decision recorded."
    if recorded.plan_id:
        message += (
            f" Improvement plan {recorded.plan_id} is open for this provider; until it has an "
            "owner, a next review date and an action it shows as Needs setting up."
        )
    if recorded.monitoring_id:
        message += " Enhanced monitoring is under way."
    if recorded.closed:
        message += f" Closed: {', '.join(recorded.closed)}."
    if recorded.kept:
        message += f" Kept open: {', '.join(recorded.kept)}."
    return message


def _record(
    form: str, provider_id: str, month_label: str, computed: str, amends: int | None
) -> None:
    """The decision form's callback: save the decision (or amendment) as typed."""
    state = st.session_state
    overriding = state[f"{form}-verdict"] == "Override"
    writes.run(
        PAGE,
        lambda: record_decision(
            engine(),
            actor,
            today=today(),
            board_month=month_label,
            provider_id=provider_id,
            computed_rating=computed,
            agreed=not overriding,
            override_rating=state.get(f"{form}-override") if overriding else None,
            rationale=state.get(f"{form}-rationale", ""),
            decision=state[f"{form}-decision"],
            meeting_id=state.get(f"{form}-meeting"),
            amends=amends,
            amend_reason=state.get(f"{form}-amend-reason"),
            workstream=state.get(f"{form}-workstream"),
            workstream_reason=state.get(f"{form}-workstream-reason"),
        ),
        _decision_message,
        form=form,
        where="decision",
        clear=[f"{form}-rationale", f"{form}-amend-reason", f"{form}-workstream-reason"],
    )


def _withdraw(form: str, decision_id: int) -> None:
    """The withdrawal form's callback."""
    state = st.session_state
    writes.run(
        PAGE,
        lambda: withdraw_decision(
            engine(),
            actor,
            decision_id,
            state.get(f"{form}-reason"),
            workstream=state.get(f"{form}-workstream"),
            workstream_reason=state.get(f"{form}-workstream-reason"),
            today=today(),
        ),
        lambda closed: "Decision withdrawn." + (f" Closed: {', '.join(closed)}." if closed else ""),
        form=form,
        where="decision",
        clear=[f"{form}-reason", f"{form}-workstream-reason"],
    )


def _save_meeting(month_label: str) -> None:
    """The meeting form's callback."""
    state = st.session_state
    writes.run(
        PAGE,
        lambda: create_meeting(
            engine(),
            actor,
            board_month=month_label,
            meeting_on=state["meeting-on"],
            attendees=state.get("meeting-attendees", ""),
            notes=state.get("meeting-notes", ""),
        ),
        "Meeting saved.",
        form="meeting",
        where="meeting",
        clear=["meeting-attendees", "meeting-notes"],
    )


def _flash(where: str, form: str | None = None) -> None:
    """The last change's outcome, once. A refused form already says so at its top and beside
    each field, so its flash is not shown a second time."""
    if form and forms.problems(form):
        writes.take(PAGE, where)
    else:
        writes.show(PAGE, where=where)


def _workstream_question(form: str, streams: list, because: str, labels: dict[str, str]) -> None:
    """Ask what happens to the open workstreams `streams` (keep, or close with a reason)."""
    if not streams:
        return
    names = " and ".join(w.label for w in streams)
    st.radio(
        labels["workstream"],
        list(WORKSTREAM_CHOICES),
        index=None,
        format_func=WORKSTREAM_CHOICES.get,
        horizontal=True,
        key=f"{form}-workstream",
        help=f"{because} {fmt.plain(names)}. It is never left open or closed without saying so.",
    )
    st.caption(f"{because} {fmt.plain(names)}.")
    forms.beside(form, "workstream")
    st.text_input(labels["workstream_reason"], max_chars=5000, key=f"{form}-workstream-reason")
    forms.beside(form, "workstream_reason")


# --- the month: from the address bar on arrival (a link, a reload, back), then the picker ------
if MONTH_KEY not in st.session_state:
    wanted = st.query_params.get("month")
    st.session_state[MONTH_KEY] = wanted if wanted in months else latest.label
if ORDER_KEY not in st.session_state:
    wanted = st.query_params.get("order")
    st.session_state[ORDER_KEY] = wanted if wanted in board.ORDERS else board.DEFAULT_ORDER
if PROVIDER_KEY not in st.session_state and st.query_params.get("provider"):
    st.session_state[PROVIDER_KEY] = st.query_params.get("provider")

st.title("Provider Oversight Board")
st.caption(
    "Each provider is rated Red, Amber or Green each month against the council's thresholds. "
    "The Board agrees each rating or overrides it with a written reason, and decides what "
    "happens next."
)

# The month, the order and the search share one row, so the table's first rows stay on a
# laptop's first screen.
month_column, order_column, search_column = st.columns([1, 1, 2])
month_label = month_column.selectbox(
    "Board month",
    list(months),
    format_func=lambda label: f"{months[label].start:%B %Y}",
    help="Ratings use the 3 months ending with this month. The last complete month comes first.",
    key=MONTH_KEY,
    on_change=_to_address,
)
order_column.selectbox(
    "Order the table",
    list(board.ORDERS),
    format_func=lambda code: board.ORDERS[code].label,
    help="Kept in the address, so a link or a reload shows the same order.",
    key=ORDER_KEY,
    on_change=_to_address,
)
with search_column:
    search = search_box(
        "Search providers, reasons, actions, decisions",
        page=PAGE,
        placeholder="e.g. a provider's name, PRV-0048, medication",
        help="Reads the provider's name and id, every reason (not only the main one), the "
        "recommended action, the Board's decision and rating, and any plan or monitoring.",
    )
month = months[month_label]
#: The landing page's lines this table can be filtered to (`?show=CODE`), each by the line's rule.
SHOWN_LISTS = {
    board.RED_OR_WORSE: (
        board.red_or_worse, "providers rated Red for {month} or worse than the month before"
    ),
    board.AWAITING_DECISION: (
        board.awaiting_decision, "providers awaiting the Board's decision for {month}"
    ),
}
showing = shown_list({code: words for code, (_, words) in SHOWN_LISTS.items()})
frames = cache.insight_frames(actor, month)
view = cache.board_month(actor, month)
order = st.session_state[ORDER_KEY]
table = cache.board_table(actor, month, order)
names = dict(zip(table["provider_id"], table["Provider"], strict=True))
if st.session_state.get(PROVIDER_KEY) not in names:
    unknown = st.session_state.pop(PROVIDER_KEY, None)
    if unknown:
        st.warning(
            f"There is no provider {fmt.plain(str(unknown))} in the register; choose one below.",
            icon=":material/warning:",
        )
_to_address()

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
    left, middle, _ = st.columns(3)
    regulated = left.radio("Regulated by CQC", ["All", "Yes", "No"], horizontal=True)
    commissioned = middle.radio("Commissioned", ["All", "Yes", "No"], horizontal=True)

shown = table[table["rating"].isin(ratings_shown)]
if services:
    shown = shown[shown["service_type"].isin(services)]
if movement:
    shown = shown[shown["movement"].isin(movement)]
if regulated != "All":
    shown = shown[shown["regulated"] == (regulated == "Yes")]
if commissioned != "All":
    shown = shown[shown["commissioned"] == (commissioned == "Yes")]
if showing is not None:  # a landing page line's providers, by the line's own rule
    rule, words = SHOWN_LISTS[showing]
    shown = shown[shown["provider_id"].isin({r.provider_id for r in rule(view)})]
    shown_list_notice(
        words.format(month=f"{month.start:%B %Y}"), len(shown), key="board-show-all"
    )
filtered = len(shown)
shown = filter_frame(shown, search, SEARCHED)

searched = f" for the search “{fmt.plain(search)}”" if is_active(search) else ""
st.markdown(
    f"**{len(shown):,}** of {len(table):,} providers shown{searched}. "
    f"{board.ORDERS[order].explanation}"
)
anything = nothing_found(search, len(shown), filtered, "providers")
st.caption(
    "Main reason: the worst one (select a row to read them all below). "
    f"Last {board.HISTORY_MONTHS} months: {board.STRIP_KEY} "
    "CQC: the Care Quality Commission, which registers and inspects regulated services."
)
STRIP = f"Last {board.HISTORY_MONTHS} months"
#: Rows tall enough for three lines: the table wraps text in rows taller than 64 pixels, so a
#: long reason or provider name is read in full, not cut off.
ROW_HEIGHT = 68
# The leading columns fit a 1366-pixel-wide laptop screen (sidebar open) without scrolling
# sideways; the rest follow. No link column: a link in a table opens a new tab; a selected row
# opens the review below.
visible = shown[
    [
        "Provider",
        "Rating",
        "Main reason",
        "Recommended action",
        "Board decision",
        STRIP,
        "Movement",
        "Board's rating",
        "Plan or monitoring",
        "Service",
    ]
]
table_key = f"board-table-{month.label}"
if anything:  # a search that found nothing says so instead of drawing an empty table
    st.dataframe(
        visible,
        hide_index=True,
        width="stretch",
        row_height=ROW_HEIGHT,
        height=min(ROW_HEIGHT * len(visible) + 40, 600),
        on_select=partial(_row_chosen, table_key, list(shown["provider_id"])),
        selection_mode="single-row",
        key=table_key,
        column_config={
            "Provider": st.column_config.TextColumn(width=170),
            "Rating": rating_column(width=84),
            "Main reason": st.column_config.TextColumn(
                width=250,
                help="The worst of the provider's reasons, and how many more there are. Select the "
                "row to read them all in the review below.",
            ),
            "Recommended action": st.column_config.TextColumn(width=170),
            "Board decision": st.column_config.TextColumn(width=150),
            STRIP: st.column_config.TextColumn(width=110, help=board.STRIP_KEY),
            "Plan or monitoring": st.column_config.TextColumn(
                help="What is open for the provider now. A plan needs setting up until it has an "
                "owner, a next review date and at least one action."
            ),
        },
    )

st.header("Review a provider")
st.caption("Select a row in the table, or choose the provider here.")
chosen = st.selectbox(
    "Provider",
    list(names),
    index=None,
    format_func=lambda pid: f"{names[pid]} ({pid})",
    placeholder="Choose a provider from the table above",
    key=PROVIDER_KEY,
    on_change=_to_address,
)
if chosen:
    rating = view.rating_of(chosen)
    st.markdown(
        f"### {fmt.plain(rating.provider_name)}\n"
        f"Computed rating **{board.rag_text(rating.rating)}** · recommended: "
        f"{fmt.plain(rating.recommended_action)}"
    )
    link_to_page(
        "pages/provider.py",
        "Open the full profile",
        ":material/open_in_full:",
        {"provider": chosen, "month": month.label},
    )
    st.markdown(
        f"Last {board.HISTORY_MONTHS} months: "
        + ", ".join(
            f"{add_months(month, back - board.HISTORY_MONTHS + 1).start:%b} {board.rag_text(r)}"
            for back, r in enumerate(view.history.get(chosen, (rating.rating,)))
        )
    )
    st.markdown("**Why**")
    for reason in board.reasons_worst_first(rating) or ["No indicator is amber or red."]:
        st.markdown(f"- {fmt.plain(reason)}")
    if view.open_work.get(chosen):
        st.markdown(f"**Open now:** {fmt.plain(view.open_work[chosen])}")
    current = view.decisions.get(chosen)
    decision_form = f"decision-{chosen}-{month.label}"
    withdraw_form = f"withdraw-{current.decision_id}" if current else None
    _flash(
        "decision",
        decision_form if forms.problems(decision_form) else withdraw_form,
    )
    if current:
        st.info(
            f"Decided {current.decided_at:%d %b %Y} by {fmt.plain(current.decided_by)}: "
            f"{DECISIONS[current.decision]}, rating {board.rag_text(current.rating)}"
            + ("" if current.agreed else " (override)")
            + (f". Rationale: {fmt.plain(current.rationale)}" if current.rationale else "")
            + (
                f". Amended because: {fmt.plain(current.amend_reason)}"
                if current.amend_reason
                else ""
            ),
            icon=":material/gavel:",
        )
    earlier = [
        d
        for d in board.decision_trail(engine(), actor, chosen, month.label)
        if d.status != "current"
    ]
    if earlier:
        with st.expander(
            f"Earlier decisions this month ({len(earlier)})", icon=":material/history:"
        ):
            for d in earlier:
                what = (
                    f"withdrawn by {fmt.plain(d.withdrawn_by or '')}: "
                    f"{fmt.plain(d.withdrawn_reason or '')}"
                    if d.status == "withdrawn"
                    else "amended later"
                )
                st.markdown(
                    f"- {d.decided_at:%d %b %Y}, {fmt.plain(d.decided_by)}: "
                    f"{DECISIONS[d.decision]}, rating {board.rag_text(d.rating)}"
                    + ("" if d.agreed else " (override)")
                    + f"; {what}"
                )
    if can_decide:
        form = decision_form
        streams = open_workstreams(engine(), actor, current.decision_id) if current else []
        meetings = {m.id: board.meeting_summary(m) for m in view.meetings}
        st.markdown("#### Amend the decision" if current else "#### Record the decision")
        with st.form(form):
            forms.summary(form, DECISION_LABELS)
            st.radio(
                DECISION_LABELS["agreed"],
                ["Agree", "Override"],
                horizontal=True,
                key=f"{form}-verdict",
            )
            forms.beside(form, "agreed")
            st.selectbox(
                DECISION_LABELS["override_rating"],
                RATINGS,
                index=None,
                format_func=board.rag_text,
                placeholder="Choose a rating",
                key=f"{form}-override",
            )
            forms.beside(form, "override_rating")
            st.selectbox(
                DECISION_LABELS["decision"],
                list(DECISIONS),
                format_func=DECISIONS.get,
                index=list(DECISIONS).index(
                    (current.decision if current else None)
                    or {"Red": "improvement_plan", "Amber": "enhanced_monitoring"}.get(
                        rating.rating, "routine_monitoring"
                    )
                ),
                key=f"{form}-decision",
            )
            forms.beside(form, "decision")
            st.text_area(
                DECISION_LABELS["rationale"], max_chars=5000, height=100, key=f"{form}-rationale"
            )
            forms.beside(form, "rationale")
            st.selectbox(
                DECISION_LABELS["meeting_id"],
                list(meetings),
                index=len(meetings) - 1 if meetings else None,
                format_func=meetings.get,
                placeholder="No meeting recorded for this month yet",
                key=f"{form}-meeting",
            )
            forms.beside(form, "meeting_id")
            if current:
                st.text_area(
                    DECISION_LABELS["amend_reason"],
                    max_chars=5000,
                    height=80,
                    key=f"{form}-amend-reason",
                    help="Required: the earlier decision stays in the history with this reason "
                    "beside the new one.",
                )
                forms.beside(form, "amend_reason")
                _workstream_question(
                    form,
                    streams,
                    "If the decision changes, the earlier decision opened",
                    DECISION_LABELS,
                )
            st.form_submit_button(
                "Amend the decision" if current else "Record the decision",
                type="primary",
                icon=":material/gavel:",
                on_click=_record,
                args=(
                    form,
                    chosen,
                    month.label,
                    rating.rating,
                    current.decision_id if current else None,
                ),
            )
        if current:
            withdraw = f"withdraw-{current.decision_id}"  # withdraw_form
            with (
                st.expander("Withdraw this decision", icon=":material/undo:"),
                st.form(withdraw),
            ):
                forms.summary(withdraw, WITHDRAW_LABELS)
                st.text_area(
                    WITHDRAW_LABELS["withdraw_reason"], max_chars=5000, key=f"{withdraw}-reason"
                )
                forms.beside(withdraw, "withdraw_reason")
                _workstream_question(withdraw, streams, "This decision opened", WITHDRAW_LABELS)
                st.form_submit_button(
                    "Withdraw the decision",
                    icon=":material/undo:",
                    on_click=_withdraw,
                    args=(withdraw, current.decision_id),
                )

if can_decide:
    _flash("meeting", "meeting")
    with st.expander("Record a Board meeting", icon=":material/groups:"), st.form("meeting"):
        forms.summary("meeting", MEETING_LABELS)
        st.date_input(
            MEETING_LABELS["meeting_on"],
            value=today(),
            max_value=today() + dt.timedelta(days=60),
            key="meeting-on",
        )
        forms.beside("meeting", "meeting_on")
        st.text_input(
            MEETING_LABELS["attendees"],
            placeholder="Names or roles, comma separated",
            key="meeting-attendees",
        )
        forms.beside("meeting", "attendees")
        st.text_area(MEETING_LABELS["notes"], height=100, key="meeting-notes")
        forms.beside("meeting", "notes")
        st.form_submit_button(
            "Save the meeting", icon=":material/save:", on_click=_save_meeting, args=(month.label,)
        )

st.header("Beyond the thresholds")
window = board.insight_window(month)
rates_tab, quiet_tab, inspected_tab = st.tabs(
    ["Rates per 10 places", "Quiet providers", "Care Quality Commission inspections"]
)
with inspected_tab:
    cqc_ui.old_inspections(actor, today())
with rates_tab:
    st.caption(
        f"Quality alerts and safeguarding concerns from {fmt.long_date(window.start)} to "
        f"{fmt.long_date(window.end)} for every provider whose number of places is known, per 10 "
        "places, beside the median for its service type. A high rate can point to a problem a "
        "small count hides."
    )
    rates, quiet = cache.insight_tables(actor, month)
    rates_search = search_box(
        "Search provider name or service type",
        page=PAGE,
        param="rates_q",
        placeholder="e.g. a provider's name, supported living",
    )
    found = filter_frame(rates, rates_search, ["Provider", "Service"])
    if found_line(rates_search, len(found), len(rates), "providers"):
        st.dataframe(found, hide_index=True, width="stretch", height=320)
with quiet_tab:
    st.caption(
        "Services with 20 or more places and no quality alert or safeguarding concern in 12 "
        "months. Silence can mean good care, or that nobody is reporting."
    )
    if quiet.empty:
        st.success("No large service has been silent for 12 months.")
    else:
        quiet_search = search_box(
            "Search provider name, service type, rating",
            page=PAGE,
            param="quiet_q",
            placeholder="e.g. a provider's name, nursing home, good",
        )
        found = filter_frame(quiet, quiet_search, ["Provider", "Service", "CQC rating"])
        if found_line(quiet_search, len(found), len(quiet), "services"):
            st.dataframe(found, hide_index=True, width="stretch")

st.header("Board pack")
st.caption("Both packs are built from the records as they are now, saved decisions included.")
left, right = st.columns(2)
build_xlsx: Callable[[], bytes] = partial(board_pack_xlsx, view, frames)
left.download_button(
    "Download the pack (Excel)",
    build_xlsx,  # built when clicked, from this run's reads (after any save), not on every run
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
