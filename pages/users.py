"""Users: who can sign in and with which roles; add, disable, enable, unlock, reset a password.

Every change goes through sgoversight.users (administrators only, audited, bcrypt hashes only).
Passwords are typed in forms as hidden fields and never shown back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from sgoversight import users
from sgoversight.auth import ROLE_LABELS, Permission, Role
from sgoversight.errors import BadInput
from ui.context import engine, require

actor = require(Permission.MANAGE_USERS)

DONE_KEY = "users_page_done"
ROUND_KEY = "users_page_round"  # a new round gives the forms new keys, so they start empty

st.title("Users")
st.caption(
    "Who can sign in, and with which roles. Accounts are kept in the database; passwords only as "
    f"bcrypt hashes. {users.MAX_FAILED_LOGINS} wrong passwords in a row lock an account for "
    f"{users.LOCKOUT.total_seconds() / 60:.0f} minutes. Every change here is in the audit trail."
)

done = st.session_state.pop(DONE_KEY, None)
if done:
    st.success(done, icon=":material/check_circle:")

accounts = users.list_users(engine(), actor)
provider_names = users.provider_names(engine(), actor)
now = users.utc_now()
names = [a.username for a in accounts]
round_ = st.session_state.setdefault(ROUND_KEY, 0)


def _status(account: users.Account) -> str:
    if account.disabled:
        return "Disabled"
    if account.locked(now):
        return "Locked"
    return "Can sign in"


st.dataframe(
    pd.DataFrame(
        {
            "Username": names,
            "Name": [a.name for a in accounts],
            "Roles": [", ".join(ROLE_LABELS[r] for r in a.roles) for a in accounts],
            "Provider": [
                f"{provider_names.get(a.provider_id, 'not in the register')} ({a.provider_id})"
                if a.provider_id
                else ""
                for a in accounts
            ],
            "Status": [_status(a) for a in accounts],
            "Locked until": [
                users.clock_time(a.locked_until)
                if a.locked_until is not None and a.locked(now)
                else ""
                for a in accounts
            ],
            "Wrong passwords in a row": [a.failed_logins for a in accounts],
            "E-mail": [a.email for a in accounts],
            "Demo login": [a.demo for a in accounts],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={"Demo login": st.column_config.CheckboxColumn()},
)


def _apply(change: Callable[[], users.Account], message: str) -> None:
    """Run one change; on success note it and start the forms afresh, else show why not."""
    try:
        change()
    except BadInput as exc:
        st.error(str(exc)[:1].upper() + str(exc)[1:] + ".", icon=":material/error:")
        for problem in exc.problems:
            st.error(problem)
        return
    st.session_state[DONE_KEY] = message
    st.session_state[ROUND_KEY] = round_ + 1
    st.rerun()


add_tab, access_tab, password_tab = st.tabs(
    ["Add a user", "Disable, enable or unlock", "Reset a password"]
)


def _password_twice(label: str, first: Any, second: Any) -> tuple[str, str]:
    """A password typed twice (in `first`, then `second`: columns or st itself), never echoed."""
    password = first.text_input(
        label,
        type="password",
        autocomplete="new-password",
        help=f"At least {users.MIN_PASSWORD_LENGTH} characters, not the username",
    )
    return password, second.text_input(
        f"{label} again", type="password", autocomplete="new-password"
    )


with add_tab, st.form(f"add_user_{round_}"):
    left, right = st.columns(2)
    username = left.text_input("Username", help="Lower-case letters, digits, dots, hyphens")
    name = right.text_input("Full name")
    email = left.text_input("E-mail")
    roles = right.multiselect("Roles", list(Role), format_func=ROLE_LABELS.__getitem__)
    provider_id = left.selectbox(
        "Provider (for provider staff only)",
        list(provider_names),
        index=None,
        format_func=lambda pid: f"{provider_names[pid]} ({pid})",
        placeholder="None",
    )
    left, right = st.columns(2)
    password, again = _password_twice("Password", left, right)
    if st.form_submit_button("Add the user", type="primary", key="add_user"):
        if password != again:
            st.error("The two passwords are not the same.")
        else:
            _apply(
                lambda: users.add_user(
                    engine(), actor, username, name, email, password, roles, provider_id
                ),
                f"User {users.normalise_username(username)} added.",
            )

with access_tab, st.form(f"access_{round_}"):
    who = st.selectbox("User", names, index=None, placeholder="Choose a user")
    disable_col, enable_col, unlock_col = st.columns(3)
    disable = disable_col.form_submit_button(
        "Disable", icon=":material/block:", key="disable_user", width="stretch"
    )
    enable = enable_col.form_submit_button(
        "Enable", icon=":material/check_circle:", key="enable_user", width="stretch"
    )
    unlock = unlock_col.form_submit_button(
        "Unlock", icon=":material/lock_open:", key="unlock_user", width="stretch"
    )
    if (disable or enable or unlock) and who is None:
        st.error("Choose a user first.")
    elif who is not None and disable:
        _apply(
            lambda: users.disable_user(engine(), actor, who),
            f"User {who} is disabled: they cannot sign in.",
        )
    elif who is not None and enable:
        _apply(lambda: users.enable_user(engine(), actor, who), f"User {who} is enabled.")
    elif who is not None and unlock:
        _apply(lambda: users.unlock_user(engine(), actor, who), f"User {who} is unlocked.")

with password_tab, st.form(f"reset_password_{round_}"):
    whose = st.selectbox("User", names, index=None, placeholder="Choose a user")
    new_password, new_again = _password_twice("New password", st, st)
    if st.form_submit_button("Set the new password", type="primary", key="reset_password"):
        if whose is None:
            st.error("Choose a user first.")
        elif new_password != new_again:
            st.error("The two passwords are not the same.")
        else:
            _apply(
                lambda: users.reset_password(engine(), actor, whose, new_password),
                f"Password for {whose} changed.",
            )
