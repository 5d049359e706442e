"""Sign-in with streamlit-authenticator (bcrypt hashes from config/users.yaml, signed cookie).

The authenticator is kept in session state and built once per browser session; the cookie key
comes from SGO_COOKIE_KEY (a clearly marked demo key otherwise, refused in production mode).
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from sgoversight.errors import BadInput
from sgoversight.users import (
    COOKIE_NAME,
    UserEntry,
    authenticator_credentials,
    cookie_key,
    load_users,
    production_problems,
)
from ui.context import USER_KEY, set_current_user

AUTHENTICATOR_KEY = "sgo_authenticator"
COOKIE_PENDING_KEY = "sgo_cookie_pending"
COOKIE_DELETE_KEY = "sgo_cookie_delete"
SESSION_DAYS = 0.5  # the sign-in cookie lasts a working day
MAX_LOGIN_ATTEMPTS = 5


@st.cache_data(ttl=60, show_spinner=False)
def _users() -> dict[str, UserEntry]:
    return load_users()


def _authenticator(users: dict[str, UserEntry]) -> stauth.Authenticate:
    if AUTHENTICATOR_KEY not in st.session_state:
        st.session_state[AUTHENTICATOR_KEY] = stauth.Authenticate(
            authenticator_credentials(users),
            cookie_name=COOKIE_NAME,
            cookie_key=cookie_key(),
            cookie_expiry_days=SESSION_DAYS,
            auto_hash=False,
            login_sleep_time=0.2,
        )
    return st.session_state[AUTHENTICATOR_KEY]


def sign_in() -> bool:
    """Show the sign-in form until the user is signed in; True once they are."""
    try:
        users = _users()
    except BadInput as exc:
        st.error(f"The users file cannot be read: {exc}")
        for problem in exc.problems:
            st.error(problem)
        st.stop()
    problems = production_problems(users)
    if problems:
        st.error("The app will not start in production mode:")
        for problem in problems:
            st.error(problem)
        st.stop()
    authenticator = _authenticator(users)
    if st.session_state.pop(COOKIE_DELETE_KEY, False):
        # Signing out ends in a rerun before the browser can drop the cookie; drop it now, in
        # a full run, so a refresh or a link does not sign the person back in.
        authenticator.cookie_controller.delete_cookie()
    if not st.session_state.get("authentication_status"):
        st.title("Care provider quality and safeguarding oversight")
        st.caption("Sign in with the account your council gave you.")
        authenticator.login(
            location="main",
            max_login_attempts=MAX_LOGIN_ATTEMPTS,
            fields={
                "Form name": "Sign in",
                "Username": "Username",
                "Password": "Password",
                "Login": "Sign in",
            },
            key="sign_in",
        )
        status = st.session_state.get("authentication_status")
        if status is False:
            st.error("Username or password is not right.")
        if not status:
            return False
    username = st.session_state["username"]
    entry = users.get(username)
    if entry is None:  # removed from the users file since signing in
        authenticator.logout(location="unrendered")
        st.session_state.pop(USER_KEY, None)
        return False
    known = st.session_state.get(USER_KEY)
    if not known or known.get("username") != username:
        set_current_user(username, entry.name, [r.value for r in entry.roles], entry.provider_id)
        st.session_state[COOKIE_PENDING_KEY] = True
        st.rerun()
    if st.session_state.pop(COOKIE_PENDING_KEY, False):
        # The sign-in run ends in a rerun before the browser can store the cookie, so it is
        # written again in this full run; a refresh or a link then signs in from the cookie.
        authenticator.cookie_controller.set_cookie()
    return True


def sign_out_button() -> None:
    authenticator: stauth.Authenticate = st.session_state[AUTHENTICATOR_KEY]
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        authenticator.logout(location="unrendered")
        st.session_state.pop(USER_KEY, None)
        st.session_state[COOKIE_DELETE_KEY] = True
        st.rerun()
