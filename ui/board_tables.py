"""The Board page's tables: the filters above the RAG table, the table itself, the insight beyond
the thresholds and the Board pack's downloads.

Rules: the table's leading columns (provider, rating, main reason, recommended action, the Board's
decision) fit a 1366-pixel-wide laptop screen, sidebar open, without scrolling sideways; rows are
tall enough for three lines so a long reason or name is read in full; a selected row opens the
provider's review (no link column: a link in a table opens a new tab). The packs are built when
asked for, from the page's reads after any save.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from sgoversight.auth import Actor
from sgoversight.board import month as board
from sgoversight.board.filters import TableFilter
from sgoversight.board.pack import board_pack_pdf, board_pack_xlsx
from sgoversight.board.rules import RATINGS
from sgoversight.periods import Period
from sgoversight.vocabulary import SERVICE_TYPE
from ui import cache
from ui import cqc as cqc_ui
from ui import format as fmt
from ui.context import today
from ui.downloads import XLSX, prepared_download
from ui.rag import rating_column
from ui.table_search import filter_frame, found_line, search_box

PAGE = "board"
STRIP = f"Last {board.HISTORY_MONTHS} months"
#: Rows tall enough for three lines: the table wraps text in rows taller than 64 pixels.
ROW_HEIGHT = 68
#: The table's columns on screen, leading ones first.
VISIBLE = [
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
_EITHER = {"All": None, "Yes": True, "No": False}


def table_filter(providers: set[str] | None) -> TableFilter:
    """The filters, in an expander above the table; `providers` narrows the table to a landing
    page line's providers (None: every provider)."""
    with st.expander("Filter the table", expanded=False, icon=":material/filter_list:"):
        left, middle, right = st.columns(3)
        ratings = left.multiselect("Rating", RATINGS, default=list(RATINGS))
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
        regulated = left.radio("Regulated by CQC", list(_EITHER), horizontal=True)
        commissioned = middle.radio("Commissioned", list(_EITHER), horizontal=True)
    return TableFilter(
        ratings=ratings,
        services=services,
        movement=movement,
        regulated=_EITHER[regulated],
        commissioned=_EITHER[commissioned],
        providers=providers,
    )


def rag_table(shown: pd.DataFrame, key: str, on_select: Callable[[], None]) -> None:
    """The RAG table of the providers `shown`, one row selectable."""
    visible = shown[VISIBLE]
    st.dataframe(
        visible,
        hide_index=True,
        width="stretch",
        row_height=ROW_HEIGHT,
        height=min(ROW_HEIGHT * len(visible) + 40, 600),
        on_select=on_select,
        selection_mode="single-row",
        key=key,
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


def beyond_the_thresholds(actor: Actor, month: Period) -> None:
    """Rates per 10 places, quiet providers and old inspections, in three tabs (the tables
    cached on the data version, as the Board's table is)."""
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
            f"{fmt.long_date(window.end)} for every provider whose number of places is known, per "
            "10 places, beside the median for its service type. A high rate can point to a "
            "problem a small count hides."
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
            return
        quiet_search = search_box(
            "Search provider name, service type, rating",
            page=PAGE,
            param="quiet_q",
            placeholder="e.g. a provider's name, nursing home, good",
        )
        found = filter_frame(quiet, quiet_search, ["Provider", "Service", "CQC rating"])
        if found_line(quiet_search, len(found), len(quiet), "services"):
            st.dataframe(found, hide_index=True, width="stretch")


def pack_downloads(
    view: board.BoardMonth, frames: board.BoardFrames | board.InsightFrames, month: Period
) -> None:
    """The Board pack, as Excel (built when clicked) and PDF (prepared, then downloaded)."""
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
