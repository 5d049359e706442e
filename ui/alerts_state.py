"""The alert register page's state: its session keys, the chosen alert (kept in the address bar by
id, never by its label) and what the last change did.

Rules: the chosen alert is `?alert=ID` in the address bar, so reload, back and forward and a shared
link keep it; a click on a row of the register or a choice in the picker sets it.
"""

from __future__ import annotations

import streamlit as st

from ui import writes

PAGE = "alerts"
K = "alerts_"  # prefix of the page's session keys
PARAM = "alert"  # ?alert=ID: the chosen alert, by id only
PICK = f"{K}pick"
TABLE = f"{K}table"
SHOWN_IDS = f"{K}shown_ids"


def choose(alert_id: str | None) -> None:
    """Make `alert_id` the chosen alert (None: none), in the address bar."""
    if alert_id:
        st.query_params[PARAM] = alert_id
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def asked() -> str | None:
    """The alert id the address bar asks for, if any."""
    return (st.query_params.get(PARAM) or "").strip() or None


def picked() -> None:
    """The picker's callback: open the alert chosen there."""
    choose(st.session_state.get(PICK))


def row_clicked() -> None:
    """A row of the register was clicked: open its alert (by the id shown in that row)."""
    event = st.session_state.get(TABLE) or {}
    rows = (event.get("selection") or {}).get("rows") or []
    shown = st.session_state.get(SHOWN_IDS) or []
    if rows and 0 <= rows[0] < len(shown):
        choose(shown[rows[0]])


def outcome(where: str | None = None) -> None:
    """What the last change on this page did, shown once (writes.show_outside_forms)."""
    writes.show_outside_forms(PAGE, where)
