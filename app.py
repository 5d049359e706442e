"""Entry point: sign-in, then the pages the signed-in user's roles allow (`make run`).

Rules: error details (tracebacks) are shown on the page only with SGO_ENV=development; elsewhere
people see a plain message and the details go to the log. A database failure anywhere in a run
is a plain message (ui.login.database_failure), never a traceback. The server's first run starts
its warm-up in the background (ui.warmup) and does not wait for it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import streamlit as st
from sqlalchemy.exc import DBAPIError

from sgoversight.auth import ROLE_LABELS
from sgoversight.users import development_mode
from ui.context import current_actor, current_name, today
from ui.format import plain
from ui.login import database_failure, sign_in, sign_out_button
from ui.navigation import PAGES, pages_for
from ui.page_style import apply_page_style
from ui.warmup import start_warm_up

# The icon is served by the app itself: a council network may have no internet.
st.set_page_config(
    page_title="Care provider oversight",
    page_icon=str(Path(__file__).parent / "ui" / "icon.png"),
    layout="wide",
)
apply_page_style()
st.set_option("client.showErrorDetails", "full" if development_mode() else "none")
# The server warms its imports and the current Board month in the background, once (ui.warmup).
start_warm_up(today())

REQUESTED_KEY = "sgo_requested_page"


def _remember_requested_page() -> None:
    """Keep the page and query a link or refresh asked for, so sign-in can lead there."""
    if REQUESTED_KEY in st.session_state:
        return
    path = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    spec = next((p for p in PAGES if Path(p.path).stem == path), None)
    if spec is not None:
        st.session_state[REQUESTED_KEY] = (spec.path, st.query_params.to_dict())


def _run() -> None:
    """Sign in, then run the page asked for among those the user's roles allow."""
    if current_actor() is None:
        _remember_requested_page()
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
        st.markdown(f"**{plain(current_name())}**")
        st.caption(", ".join(ROLE_LABELS[role] for role in sorted(actor.roles)))
    sign_out_button()

    navigation = st.navigation(sections)
    requested = st.session_state.pop(REQUESTED_KEY, None)
    if requested and requested[0] in {spec.path for spec in pages_for(actor)}:
        st.switch_page(requested[0], query_params=requested[1])
    if requested:  # a link or bookmark to a page this role does not have: say so, not silently
        title = next(spec.title for spec in PAGES if spec.path == requested[0])
        st.warning(
            f"“{title}” is not open to your role, so you are on your own start page. Ask an "
            "administrator if you need it.",
            icon=":material/lock:",
        )
    navigation.run()


try:
    _run()
except DBAPIError as exc:
    database_failure(exc)
