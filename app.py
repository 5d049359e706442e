"""Entry point: sign-in, then the pages the signed-in user's roles allow (`make run`)."""

from __future__ import annotations

import streamlit as st

from sgoversight.auth import ROLE_LABELS
from ui.context import current_actor, current_name
from ui.login import sign_in, sign_out_button
from ui.navigation import pages_for

st.set_page_config(
    page_title="Care provider oversight",
    page_icon=":material/shield_person:",
    layout="wide",
)

if not sign_in():
    st.stop()

actor = current_actor()
assert actor is not None  # sign_in() returned True, so the user is set

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(actor):
    sections.setdefault(spec.section, []).append(
        st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
    )

with st.sidebar:
    st.markdown(f"**{current_name()}**")
    st.caption(", ".join(ROLE_LABELS[role] for role in sorted(actor.roles)))
sign_out_button()

st.navigation(sections).run()
