"""Users: who can sign in and with which roles; add, disable, enable, unlock, reset a password.

Every change goes through sgoversight.users (administrators only, audited, bcrypt hashes only).
Passwords are typed in forms as hidden fields and never shown back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from sgoversight import uktime, users
from sgoversight.auth import ROLE_LABELS, Permission, Role
from sgoversight.errors import BadInput, FormInvalid, field_messages
from ui import format as fmt
from ui import forms, writes
from ui.context import engine, require, today
from ui.table_search import filter_frame, found_line, search_box

actor = require(Permission.MANAGE_USERS)

PAGE = "users"
ROUND_KEY = "users_page_round"  # a new round gives the forms new keys, so they start empty
#: The list's columns the search box reads.
SEARCHED = ["Username", "Name", "Roles", "Provider", "Status", "E-mail"]

AGAIN = "typed_again"  # the second box of a password typed twice
#: The fields of each form as the sgoversight.users rules name them, and their labels on screen.
ADD_LABELS = {
    "username": "Username",
    "name": "Full name",
    "email": "E-mail",
    "roles": "Roles",
    "provider_id": "Provider (for provider staff only)",
    "provider id": "Provider (for provider staff only)",
    "password": "Password",
    AGAIN: "Password again",
}
ACCESS_LABELS = {"username": "User", "user": "User"}
RESET_LABELS = {
    "username": "User",
    "user": "User",
    "password": "New password",
    AGAIN: "New password again",
}

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


def _status(account: users.Account) -> str:
    if account.disabled:
        return "Disabled"
    if account.locked(now):
        return "Locked"
    return "Can sign in"


listed = pd.DataFrame(
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
            uktime.clock(a.locked_until) if a.locked_until is not None and a.locked(now) else ""
            for a in accounts
        ],
        "Last seen": [fmt.when(a.last_seen_at, today()) for a in accounts],
        "Wrong passwords in a row": [a.failed_logins for a in accounts],
        "E-mail": [a.email for a in accounts],
        "Demo login": [a.demo for a in accounts],
    }
)
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


def _fields(problems: list[str], labels: Mapping[str, str]) -> dict[str, str]:
    """The rules' "field: message" problems by field (each field once, several messages joined),
    a problem about no field of this form under "form". A whole-user problem about the provider
    belongs beside the provider."""
    fields: dict[str, str] = {}
    for problem in problems:
        field, sep, message = problem.partition(": ")
        if not sep:
            field, message = "form", problem
        if field in {"user", "form"} and "provider" in message:
            field = "provider_id"
        elif field == "form":
            fields["form"] = f"{fields['form']}; {message}" if "form" in fields else message
            continue
        field = field.replace(" ", "_") if field.replace(" ", "_") in labels else field
        if field not in labels:
            field, message = "form", forms.in_words(problem, labels)
        fields[field] = f"{fields[field]}; {message}" if field in fields else message
    return fields


def _refusal(exc: BadInput, labels: Mapping[str, str], what: str) -> BadInput:
    """A refusal from sgoversight.users as every problem by field, in the form's words."""
    if isinstance(exc, FormInvalid):
        return exc
    problems = list(exc.problems) or [str(exc)]
    return FormInvalid(_fields(problems, labels), what)


def _password_problems(username: str, password: str, again: str) -> dict[str, str]:
    """The new password's problems by field: the rules of sgoversight.users, and the two boxes
    agreeing."""
    found = _fields(users.password_problems(username, password), ADD_LABELS)
    if password != again:
        found[AGAIN] = "is not the same as the password above"
    return found


def _key(name: str) -> str:
    return f"{name}_{round_}"


def _add_user() -> None:
    """The Add button's callback: every problem of the form at once, else add the user."""

    def value(name: str) -> Any:
        return st.session_state.get(_key(name))

    def change() -> users.Account:
        found: dict[str, str] = {}
        try:
            users.NewUser.model_validate(
                {
                    "username": value("new_username") or "",
                    "name": value("new_name") or "",
                    "email": value("new_email") or "",
                    "roles": value("new_roles") or [],
                    "provider_id": value("new_provider"),
                }
            )
        except ValidationError as exc:
            messages = field_messages(exc.errors())
            found.update(_fields([f"{k}: {m}" for k, m in messages.items()], ADD_LABELS))
        for name, field in (("new_username", "username"), ("new_name", "name"),
                            ("new_email", "email")):  # fmt: skip
            if not (value(name) or "").strip():
                found[field] = "required"
        roles = value("new_roles") or []
        if not roles:
            found["roles"] = "choose at least one role"
        if Role.PROVIDER in roles and not value("new_provider"):
            found.setdefault("provider_id", "choose the provider this member of staff works for")
        password_problems = _password_problems(
            value("new_username") or "", value("new_password") or "", value("new_again") or ""
        )
        found.update({k: v for k, v in password_problems.items() if k not in found})
        if found:
            raise FormInvalid(found, "The user was not added")
        try:
            return users.add_user(
                engine(), actor, value("new_username"), value("new_name"), value("new_email"),
                value("new_password"), roles, value("new_provider"),
            )  # fmt: skip
        except BadInput as exc:
            raise _refusal(exc, ADD_LABELS, "The user was not added") from None

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
            raise _refusal(exc, ACCESS_LABELS, "Nothing was changed") from None

    writes.run(PAGE, run, done, form="access", reset={ROUND_KEY: round_ + 1})


def _reset_password() -> None:
    """The reset button's callback: every problem at once, else the new password."""
    whose = st.session_state.get(_key("reset_user"))
    password = st.session_state.get(_key("reset_password")) or ""
    again = st.session_state.get(_key("reset_again")) or ""

    def change() -> users.Account:
        found = {} if whose else {"username": "choose a user first"}
        found |= _password_problems(whose or "", password, again)
        if found:
            raise FormInvalid(found, "The password was not changed")
        try:
            return users.reset_password(engine(), actor, whose, password)
        except BadInput as exc:
            raise _refusal(exc, RESET_LABELS, "The password was not changed") from None

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


def _password_twice(label: str, first: object, second: object, prefix: str) -> None:
    """A password typed twice (in `first`, then `second`: columns or st itself), never echoed,
    each box with its problem beneath it."""
    form = "add_user" if prefix == "new" else "reset_password"
    with first:  # type: ignore[attr-defined]
        st.text_input(
            label,
            type="password",
            autocomplete="new-password",
            help=f"At least {users.MIN_PASSWORD_LENGTH} characters, not the username",
            key=_key(f"{prefix}_password"),
        )
        forms.beside(form, "password")
    with second:  # type: ignore[attr-defined]
        st.text_input(
            f"{label} again", type="password", autocomplete="new-password",
            key=_key(f"{prefix}_again"),
        )  # fmt: skip
        forms.beside(form, AGAIN)


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
        _password_twice("Password", left, right, "new")
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
        _password_twice("New password", st.container(), st.container(), "reset")
        st.form_submit_button(
            "Set the new password", type="primary", key="reset_password",
            on_click=_reset_password,
        )  # fmt: skip
