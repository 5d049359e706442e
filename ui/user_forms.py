"""The Users page's forms: their fields' labels, problems shown by field in the form's words, and
the password typed twice.

Rule: every problem of a submission is shown at once, each beside the box it is about under the
label the person sees; a problem about no box of the form is shown in the form's summary. The
rules themselves are sgoversight.users's; this module only places their words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from sgoversight import users
from sgoversight.auth import Role
from sgoversight.errors import BadInput, FormInvalid
from ui import forms

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


def by_field(problems: Sequence[str], labels: Mapping[str, str]) -> dict[str, str]:
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


def refusal(exc: BadInput, labels: Mapping[str, str], what: str) -> BadInput:
    """A refusal from sgoversight.users as every problem by field, in the form's words."""
    if isinstance(exc, FormInvalid):
        return exc
    problems = list(exc.problems) or [str(exc)]
    return FormInvalid(by_field(problems, labels), what)


def _typed_twice(found: dict[str, str], password: str, again: str) -> dict[str, str]:
    """`found` and, when the two password boxes differ, the problem of the second."""
    if password != again:
        found[AGAIN] = "is not the same as the password above"
    return found


def new_user_problems(
    *,
    username: str,
    name: str,
    email: str,
    roles: Sequence[Role],
    provider_id: str | None,
    password: str,
    again: str,
) -> dict[str, str]:
    """Every problem of the Add a user form by field (sgoversight.users.new_user_problems, and the
    password typed the same twice)."""
    found = users.new_user_problems(
        username=username,
        name=name,
        email=email,
        roles=roles,
        provider_id=provider_id,
        password=password,
    )
    placed = by_field([f"{field}: {message}" for field, message in found.items()], ADD_LABELS)
    return _typed_twice(placed, password, again)


def new_password_problems(username: str, password: str, again: str) -> dict[str, str]:
    """The new password's problems by field: the rules of sgoversight.users, and the two boxes
    agreeing."""
    return _typed_twice(
        by_field(users.password_problems(username, password), ADD_LABELS), password, again
    )


def password_twice(
    label: str, first: Any, second: Any, *, form: str, prefix: str, key: Callable[[str], str]
) -> None:
    """A password typed twice (in `first`, then `second`: columns or containers), never echoed,
    each box with its problem beneath it; the boxes' keys are `key(prefix + "_password")` and
    `key(prefix + "_again")`."""
    with first:
        st.text_input(
            label,
            type="password",
            autocomplete="new-password",
            help=f"At least {users.MIN_PASSWORD_LENGTH} characters, not the username",
            key=key(f"{prefix}_password"),
        )
        forms.beside(form, "password")
    with second:
        st.text_input(
            f"{label} again", type="password", autocomplete="new-password",
            key=key(f"{prefix}_again"),
        )  # fmt: skip
        forms.beside(form, AGAIN)
