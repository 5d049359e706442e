"""Small cards of facts, shared by the pages."""

from __future__ import annotations

import streamlit as st

from ui import format as fmt


def facts(*facts: tuple[str, str]) -> None:
    """Short facts side by side in bordered cards, label above value in bold (st.metric's large
    type cuts longer values off, such as "Requires improvement")."""
    for column, (label, value) in zip(st.columns(len(facts)), facts, strict=True):
        box = column.container(border=True)
        box.caption(label)
        box.markdown(f"**{fmt.plain(value)}**")
