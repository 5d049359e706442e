"""A search box for a long table, kept in the address bar, and the line saying what it found.

Rule: each long table's search box keeps what was typed in the address as `?<param>=words`
(a key of the page's own, "q" unless the page has several searches), so reload, back and forward
and a shared link show the same search. When the address changes under the page (typed, a link,
back or forward) the address wins; otherwise the box does and the address follows it. Rows are
matched by sgoversight.search's one rule. While a search is active the page says "N of M shown"
and, when nothing matches, says so plainly instead of drawing an empty table. What was typed is
only ever shown through ui.format.plain.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from sgoversight.search import MAX_SEARCH, fold_column, folded_match, is_active, search_words
from ui.format import plain

_KEY = "table_search_{page}_{param}"
_WRITTEN = "table_search_written_{page}_{param}"


def search_box(
    label: str,
    *,
    page: str,
    param: str = "q",
    placeholder: str | None = None,
    help: str | None = None,
) -> str:
    """A text box whose value is kept in the address bar under `param`; returns the search.

    `label` says what is searched ("Search provider name, reasons…"); `page` keeps this page's
    box apart from another page's box under the same parameter.
    """
    key = _KEY.format(page=page, param=param)
    written = _WRITTEN.format(page=page, param=param)
    asked = (st.query_params.get(param) or "").strip()[:MAX_SEARCH]
    if key not in st.session_state or asked != st.session_state.get(written):
        st.session_state[key] = asked
    value = st.text_input(
        label,
        key=key,
        max_chars=MAX_SEARCH,
        placeholder=placeholder,
        help=(help + " " if help else "")
        + "Every word typed must appear in the row; capitals, accents and punctuation do not "
        "count. Press Enter to search; empty the box to see every row.",
        type="search",  # a search icon and a button that empties the box
    )
    typed = (value or "").strip()
    if typed:
        if st.query_params.get(param) != typed:
            st.query_params[param] = typed
    elif param in st.query_params:
        del st.query_params[param]
    st.session_state[written] = typed
    return typed


def filter_frame(frame: pd.DataFrame, search: str, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of `frame` whose `columns` match `search` (sgoversight.search's rule)."""
    words = search_words(search)
    if not words or frame.empty:
        return frame
    folded = [
        fold_column(["" if pd.isna(value) else str(value) for value in frame[column]])
        for column in columns  # a missing value is blank, never "nan"
    ]
    return frame[[folded_match(words, row) for row in zip(*folded, strict=True)]]


def found_line(search: str, shown: int, total: int, what: str) -> bool:
    """While `search` is active: "N of M <what> shown" and, when nothing matches, a plain empty
    state (nothing_found). Returns whether there is anything to draw (False only when a search
    found nothing)."""
    if not is_active(search):
        return True
    st.markdown(f"**{shown:,}** of {total:,} {what} shown for the search “{plain(search)}”.")
    return nothing_found(search, shown, total, what)


def nothing_found(search: str, shown: int, total: int, what: str) -> bool:
    """When an active `search` leaves none of `total` rows, say so plainly (for a page whose own
    line already counts the rows shown). Returns whether there is anything to draw."""
    if shown or not is_active(search):
        return True
    st.info(
        f"No {what} match the search “{plain(search)}”. Check the spelling, use fewer words, or "
        f"empty the search box to see all {total:,}.",
        icon=":material/search_off:",
    )
    return False
