"""Which period a page shows, kept in the address bar by its id.

Rule: a page that shows one period of many (the weekly report's week, the standards' quarter)
keeps it in the address as `?week=2026-W47` or `?quarter=2026-Q3` (the period's id, never its
label on screen), so reload, back and forward and a shared link show the same period. An address
naming a period that is not offered, or no period at all, gets a plain message saying so and the
page shows its default period (the first offered).

A page that can list a filtered part of its records (the ones a landing page line counts) keeps
that filter as `?show=CODE`, says on the page what it shows, and offers "Show all" to remove it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from sgoversight.periods import Period
from ui.format import plain

_WRITTEN = "address_written_"


def period_picker(
    label: str,
    options: Sequence[Period],
    *,
    param: str,
    what: str,
    example: str,
    format_func: Callable[[Period], str],
    help: str | None = None,
) -> Period:
    """A select box of `options` (newest first) bound to the address parameter `param`.

    `what` names one period in words ("week") and `example` shows its id ("2026-W47") for the
    message about an address that names no offered period.
    """
    by_id = {period.label: period for period in options}
    key = f"address_{param}"
    asked = st.query_params.get(param)
    if asked is not None and asked != st.session_state.get(_WRITTEN + param):
        # The address changed under the page (typed, reloaded, back or forward): it wins.
        if asked in by_id:
            st.session_state[key] = asked
        else:
            default = options[0].label
            st.warning(
                f"The address asks for the {what} “{plain(asked)}”, which is not one this page "
                f"offers (a {what} is written like {example}, from {options[-1].label} to "
                f"{default}). "
                f"Showing {default} instead.",
                icon=":material/link_off:",
            )
            st.session_state[key] = default
    if st.session_state.get(key) not in by_id:
        st.session_state[key] = options[0].label
    chosen = st.selectbox(
        label, list(by_id), key=key, format_func=lambda i: format_func(by_id[i]), help=help
    )
    if st.query_params.get(param) != chosen:
        st.query_params[param] = chosen
    st.session_state[_WRITTEN + param] = chosen
    return by_id[chosen]


def shown_list(offered: dict[str, str], *, param: str = "show") -> str | None:
    """Which of a page's `offered` filtered lists (code → what it shows, in words) the address
    asks for with `?<param>=CODE`, or None for the whole list. An address naming a list the page
    does not offer gets a plain message and the whole list."""
    asked = st.query_params.get(param)
    if asked is None or asked in offered:
        return asked
    st.warning(
        f"The address asks to show “{plain(asked)}”, which this page does not offer; showing "
        "everything instead.",
        icon=":material/link_off:",
    )
    del st.query_params[param]
    return None


def _show_all(param: str) -> None:
    st.query_params.pop(param, None)


def shown_list_notice(what: str, count: int, *, param: str = "show", key: str) -> None:
    """Say plainly which filtered list is shown ("Showing 55 providers rated Red …") with a
    button that removes the filter from the address and shows everything again."""
    text, button = st.columns([5, 1], vertical_alignment="center")
    text.info(f"Showing **{count:,}** {what}.", icon=":material/filter_alt:")
    button.button(
        "Show all",
        key=key,
        icon=":material/filter_alt_off:",
        on_click=_show_all,
        args=(param,),
        help="Removes this filter from the address and lists everything again.",
    )
