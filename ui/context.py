"""The signed-in user, the database engine and permission gates for pages.

Pages call `require(permission)` first: it stops the page with a message when the signed-in user
lacks the permission. The domain functions check again; this only spares the user a broken page.
"""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st
from sqlalchemy import Engine

from sgoversight.auth import Actor, Permission, Role
from sgoversight.store.db import database_url, get_engine

USER_KEY = "sgo_user"


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return get_engine(url)


def engine() -> Engine:
    """The engine for DATABASE_URL, one pool per process."""
    return _engine(database_url())


def today() -> dt.date:
    """Today, or SGO_TODAY (YYYY-MM-DD) so demos and tests can pin the date."""
    pinned = os.environ.get("SGO_TODAY", "").strip()
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


def set_current_user(username: str, name: str, roles: list[str], provider_id: str | None) -> None:
    st.session_state[USER_KEY] = {
        "username": username,
        "name": name,
        "roles": list(roles),
        "provider_id": provider_id,
    }


def current_actor() -> Actor | None:
    user = st.session_state.get(USER_KEY)
    if not user:
        return None
    return Actor(
        username=user["username"],
        roles=frozenset(Role(r) for r in user["roles"]),
        provider_id=user.get("provider_id"),
    )


def current_name() -> str:
    user = st.session_state.get(USER_KEY) or {}
    return user.get("name", "")


def require(permission: Permission) -> Actor:
    """The signed-in actor, or stop the page with a plain message."""
    actor = current_actor()
    if actor is None:
        st.warning("Please sign in to see this page.")
        st.stop()
    if not actor.can(permission):
        st.error("Your role does not give you access to this page.")
        st.stop()
    return actor
