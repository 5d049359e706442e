"""Provider Oversight Board: every provider rated Red, Amber or Green, with the reasons, and the
Board's decisions.

The address bar holds the month, the table's order and the provider under review
(`?month=YYYY-MM&order=CODE&provider=ID`, the order by its code in board.month.ORDERS) and
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

from functools import partial

import streamlit as st

from sgoversight.auth import Permission
from sgoversight.board import month as board
from sgoversight.board.filters import filtered
from sgoversight.board.rules import RATINGS
from sgoversight.periods import add_months, last_complete_month
from sgoversight.search import is_active
from ui import cache
from ui import format as fmt
from ui.address import shown_list, shown_list_notice
from ui.board_decisions import decisions_panel, meeting_form
from ui.board_tables import beyond_the_thresholds, pack_downloads, rag_table, table_filter
from ui.context import require, today
from ui.navigation import link_to_page
from ui.table_search import filter_frame, nothing_found, search_box

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
frames, view = cache.board_reads(actor, month)
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

# a landing page line's providers, by the line's own rule
listed = None if showing is None else {r.provider_id for r in SHOWN_LISTS[showing][0](view)}
shown = filtered(table, table_filter(listed))
if showing is not None:
    words = SHOWN_LISTS[showing][1].format(month=f"{month.start:%B %Y}")
    shown_list_notice(words, len(shown), key="board-show-all")
before_search = len(shown)
shown = filter_frame(shown, search, SEARCHED)

searched = f" for the search “{fmt.plain(search)}”" if is_active(search) else ""
st.markdown(
    f"**{len(shown):,}** of {len(table):,} providers shown{searched}. "
    f"{board.ORDERS[order].explanation}"
)
anything = nothing_found(search, len(shown), before_search, "providers")
st.caption(
    "Main reason: the worst one (select a row to read them all below). "
    f"Last {board.HISTORY_MONTHS} months: {board.STRIP_KEY} "
    "CQC: the Care Quality Commission, which registers and inspects regulated services."
)
table_key = f"board-table-{month.label}"
if anything:  # a search that found nothing says so instead of drawing an empty table
    rag_table(shown, table_key, partial(_row_chosen, table_key, list(shown["provider_id"])))

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
    decisions_panel(actor, view, chosen, month, rating)

if can_decide:
    meeting_form(actor, month)

beyond_the_thresholds(actor, month)
pack_downloads(view, frames, month)
