"""A small page of its own for the CQC pieces other pages call (ui.cqc): the provider profile's
ratings and the Board's list of old inspections, for the provider in `?provider=`, as a Board
member. Served only by tests/browser/test_cqc_journey.py (it signs nobody in)."""

from __future__ import annotations

import streamlit as st

from sgoversight.auth import Actor, Role
from ui import cqc as cqc_ui

st.set_page_config(layout="wide")
board = Actor("board", frozenset({Role.BOARD_MEMBER}))
provider_id = st.query_params.get("provider", "PRV-0001")
st.title("Provider profile: the CQC piece")
cqc_ui.provider_ratings(board, provider_id)
st.divider()
st.title("Provider Oversight Board: the CQC piece")
cqc_ui.old_inspections(board)
