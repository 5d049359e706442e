"""The landing page's "Needs your attention": each line a count and the records it counts, each
record a link that opens it (sgoversight.attention holds the rules).

Rule: a line lists its first SHOWN records and links to the page that lists them all, or, when
no page lists exactly those records, lists them all itself. The lists are cached on the data
version like every heavy read (ui.cache), and take the Board month's ratings from the Board page's
cached copy, so a change made anywhere shows on the next view; a line with nothing in it says so,
so an empty queue reads as done rather than as missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from sgoversight import attention
from sgoversight.auth import Actor
from ui import cache
from ui import format as fmt
from ui.context import engine
from ui.navigation import link_to_page

SHOWN = 10  # records listed under a line; the line's own link, if any, opens the whole list


@st.cache_data(ttl=cache.TTL_SECONDS, max_entries=32, show_spinner="Finding what needs doing…")
def _lines(actor: Actor, today: dt.date, at: tuple[str, int]) -> list[attention.Line]:
    # The Board month's ratings come from the Board page's cache (ui.cache.board_month): scored
    # once for both pages, on the same data version.
    return attention.needs_attention(
        engine(), actor, today, board_view=lambda month: cache.board_month(actor, month)
    )


def attention_lines(actor: Actor, today: dt.date) -> list[attention.Line]:
    """`actor`'s attention lines (sgoversight.attention.needs_attention), cached on the data
    version. Keyed by username too: plan owners' lines are their own actions."""
    return _lines(replace(actor), today, cache.version())


def show_attention(actor: Actor, today: dt.date) -> None:
    """Draw the attention lines: a heading with the total, then each line as a count that opens
    its records."""
    lines = attention_lines(actor, today)
    if not lines:
        return
    total = sum(line.count for line in lines)
    st.subheader("Needs your attention")
    st.caption(
        "Each line counts records that need something done; open it to see them, and follow a "
        "record to act on it."
        if total
        else "Nothing needs your attention today."
    )
    for line in lines:
        if not line.count:
            st.markdown(f"✓ **{line.title}**: none")
            continue
        # A line no other page lists in full lists every record here.
        shown = line.items if line.page is None else line.items[:SHOWN]
        with st.expander(f"**{line.count:,}** · {line.title}", icon=":material/priority_high:"):
            for item in shown:
                text = fmt.plain(f"{item.label} — {item.detail}" if item.detail else item.label)
                if item.page is None:  # no page shows it: listed, not linked
                    st.caption(f":material/remove: {text} (no page to open)")
                else:
                    link_to_page(item.page, text, ":material/arrow_forward:", item.params)
            if line.page is not None and line.count > SHOWN:
                link_to_page(
                    line.page,
                    f"and {line.count - SHOWN:,} more: open the full list",
                    ":material/list:",
                    line.params,
                )
