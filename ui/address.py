"""Which period a page shows, kept in the address bar by its id.

Rule: a page that shows one period of many (the weekly report's week, the standards' quarter)
keeps it in the address as `?week=2026-W47` or `?quarter=2026-Q3` (the period's id, never its
label on screen), so reload, back and forward and a shared link show the same period. An address
naming a period that is not offered, or no period at all, gets a plain message saying so and the
page shows its default period (the first offered).
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
