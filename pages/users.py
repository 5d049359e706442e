"""Users: who can sign in and with which roles; add, disable, enable, unlock, reset a password.

Every change goes through sgoversight.users (administrators only, audited, bcrypt hashes only).
Passwords are typed in forms as hidden fields and never shown back.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from sgoversight import users
from sgoversight.auth import ROLE_LABELS, Permission, Role
from sgoversight.errors import BadInput, FormInvalid
from ui import forms, writes
from ui.context import engine, require, today
from ui.table_search import filter_frame, found_line, search_box
from ui.user_forms import (
    ACCESS_LABELS,
    ADD_LABELS,
    RESET_LABELS,
    new_password_problems,
    new_user_problems,
    password_twice,
    refusal,
)
from ui.user_list import SEARCHED, accounts_frame

actor = require(Permission.MANAGE_USERS)

PAGE = "users"
ROUND_KEY = "users_page_round"  # a new round gives the forms new keys, so they start empty

st.title("Users")
st.caption(
    "Who can sign in, and with which roles. Accounts are kept in the database; passwords only as "
    f"bcrypt hashes. {users.MAX_FAILED_LOGINS} wrong passwords in a row lock an account for "
    f"{users.LOCKOUT.total_seconds() / 60:.0f} minutes. Every change here is in the audit trail. "
    "Times are UK time."
)
FORMS = ("add_user", "access", "reset_password")
flash = writes.peek(PAGE)
if flash is not None and flash.kind == "error" and any(forms.problems(f) for f in FORMS):
    writes.take(PAGE)  # each form's own summary says it, with every problem by its box
writes.show(PAGE)

accounts = users.list_users(engine(), actor)
provider_names = users.provider_names(engine(), actor)
now = users.utc_now()
names = [a.username for a in accounts]
round_ = st.session_state.setdefault(ROUND_KEY, 0)

listed = accounts_frame(accounts, provider_names, now, today())
search = search_box(
    "Search username, name, roles, provider, e-mail, status",
    page=PAGE,
    placeholder="e.g. a surname, Board member, Locked",
)
shown = filter_frame(listed, search, SEARCHED)
if found_line(search, len(shown), len(listed), "users"):
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={"Demo login": st.column_config.CheckboxColumn()},
    )


def _key(name: str) -> str:
    return f"{name}_{round_}"


def _add_user() -> None:
    """The Add button's callback: every problem of the form at once, else add the user."""

    def value(name: str) -> Any:
        return st.session_state.get(_key(name))

    def change() -> users.Account:
        found = new_user_problems(
            username=value("new_username") or "",
            name=value("new_name") or "",
            email=value("new_email") or "",
            roles=value("new_roles") or [],
            provider_id=value("new_provider"),
            password=value("new_password") or "",
            again=value("new_again") or "",
        )
        if found:
            raise FormInvalid(found, "The user was not added")
        try:
            return users.add_user(
                engine(), actor, value("new_username"), value("new_name"), value("new_email"),
                value("new_password"), value("new_roles"), value("new_provider"),
            )  # fmt: skip
        except BadInput as exc:
            raise refusal(exc, ADD_LABELS, "The user was not added") from None

    writes.run(
        PAGE,
        change,
        lambda account: f"User {account.username} added.",
        form="add_user",
        reset={ROUND_KEY: round_ + 1},
    )


def _access(what: str) -> None:
    """The Disable, Enable and Unlock buttons' callback."""
    who = st.session_state.get(_key("access_user"))
    change, done = {
        "disable": (users.disable_user, f"User {who} is disabled: they cannot sign in."),
        "enable": (users.enable_user, f"User {who} is enabled."),
        "unlock": (users.unlock_user, f"User {who} is unlocked."),
    }[what]

    def run() -> users.Account:
        if who is None:
            raise FormInvalid({"username": "choose a user first"}, "Nothing was changed")
        try:
            return change(engine(), actor, who)
        except BadInput as exc:
            raise refusal(exc, ACCESS_LABELS, "Nothing was changed") from None

    writes.run(PAGE, run, done, form="access", reset={ROUND_KEY: round_ + 1})


def _reset_password() -> None:
    """The reset button's callback: every problem at once, else the new password."""
    whose = st.session_state.get(_key("reset_user"))
    password = st.session_state.get(_key("reset_password")) or ""
    again = st.session_state.get(_key("reset_again")) or ""

    def change() -> users.Account:
        found = {} if whose else {"username": "choose a user first"}
        found |= new_password_problems(whose or "", password, again)
        if found:
            raise FormInvalid(found, "The password was not changed")
        try:
            return users.reset_password(engine(), actor, whose, password)
        except BadInput as exc:
            raise refusal(exc, RESET_LABELS, "The password was not changed") from None

    writes.run(
        PAGE,
        change,
        f"Password for {whose} changed.",
        form="reset_password",
        reset={ROUND_KEY: round_ + 1},
    )


add_tab, access_tab, password_tab = st.tabs(
    ["Add a user", "Disable, enable or unlock", "Reset a password"]
)


with add_tab:
    forms.summary("add_user", ADD_LABELS, what="The user was not added")
    with st.form(f"add_user_{round_}"):
        left, right = st.columns(2)
        with left:
            st.text_input(
                "Username", help="Lower-case letters, digits, dots, hyphens",
                key=_key("new_username"),
            )  # fmt: skip
            forms.beside("add_user", "username")
        with right:
            st.text_input("Full name", key=_key("new_name"))
            forms.beside("add_user", "name")
        with left:
            st.text_input("E-mail", key=_key("new_email"))
            forms.beside("add_user", "email")
        with right:
            st.multiselect(
                "Roles", list(Role), format_func=ROLE_LABELS.__getitem__, key=_key("new_roles")
            )
            forms.beside("add_user", "roles")
        with left:
            st.selectbox(
                "Provider (for provider staff only)",
                list(provider_names),
                index=None,
                format_func=lambda pid: f"{provider_names[pid]} ({pid})",
                placeholder="None",
                key=_key("new_provider"),
            )
            forms.beside("add_user", "provider_id")
        left, right = st.columns(2)
        password_twice("Password", left, right, form="add_user", prefix="new", key=_key)
        st.form_submit_button("Add the user", type="primary", key="add_user", on_click=_add_user)

with access_tab:
    forms.summary("access", ACCESS_LABELS, what="Nothing was changed")
    with st.form(f"access_{round_}"):
        st.selectbox("User", names, index=None, placeholder="Choose a user",
                     key=_key("access_user"))  # fmt: skip
        forms.beside("access", "username")
        disable_col, enable_col, unlock_col = st.columns(3)
        disable_col.form_submit_button(
            "Disable", icon=":material/block:", key="disable_user", width="stretch",
            on_click=_access, args=("disable",),
        )  # fmt: skip
        enable_col.form_submit_button(
            "Enable", icon=":material/check_circle:", key="enable_user", width="stretch",
            on_click=_access, args=("enable",),
        )  # fmt: skip
        unlock_col.form_submit_button(
            "Unlock", icon=":material/lock_open:", key="unlock_user", width="stretch",
            on_click=_access, args=("unlock",),
        )  # fmt: skip

with password_tab:
    forms.summary("reset_password", RESET_LABELS, what="The password was not changed")
    with st.form(f"reset_password_{round_}"):
        st.selectbox("User", names, index=None, placeholder="Choose a user",
                     key=_key("reset_user"))  # fmt: skip
        forms.beside("reset_password", "username")
        password_twice(
            "New password", st.container(), st.container(), form="reset_password", prefix="reset",
            key=_key,
        )  # fmt: skip
        st.form_submit_button(
            "Set the new password", type="primary", key="reset_password",
            on_click=_reset_password,
        )  # fmt: skip
