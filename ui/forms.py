"""Form problems on screen, in the words on the form.

Rule: a refused form shows every problem at once: one summary line at the top saying how many
things to put right, and each problem beside its own field under the label the person sees
(never the field's code name). The problems of a submission are kept in session state under the
form's key, so the page that reruns after the submission can show them where they belong.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from sgoversight.errors import BadInput, FormInvalid
from ui import format as fmt

_STATE = "form_problems_"


def sentence(message: str) -> str:
    """A message as a sentence: capital first letter, full stop at the end."""
    text = message.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def in_words(problem: str, labels: Mapping[str, str]) -> str:
    """A "field: message" problem with the field's code replaced by its label on the form."""
    field, sep, rest = problem.partition(": ")
    if sep and field in labels:
        return f"{labels[field]}: {rest}"
    return problem


def remember(form: str, error: BadInput) -> None:
    """Keep a refused submission's problems for the form `form` (one field each where the error
    names fields, else the whole message under "form")."""
    if isinstance(error, FormInvalid):
        st.session_state[_STATE + form] = dict(error.fields)
    else:
        st.session_state[_STATE + form] = {"form": str(error)}


def forget(form: str) -> None:
    """The form was saved (or abandoned): no problems to show any more."""
    st.session_state.pop(_STATE + form, None)


def problems(form: str) -> dict[str, str]:
    """The problems kept for the form `form`, by field."""
    return dict(st.session_state.get(_STATE + form) or {})


def summary(form: str, labels: Mapping[str, str], what: str = "Not saved") -> None:
    """At the top of the form: how many things to put right, and any problem that belongs to no
    field on the form (named by its label where it has one). When no problem belongs to a field,
    just `what` and those problems."""
    found = problems(form)
    if not found:
        return
    beside_fields = [name for name in found if name != "form" and name in labels]
    elsewhere = [
        fmt.plain(sentence(labels[name] + ": " + message if name in labels else message))
        for name, message in found.items()
        if name == "form" or name not in labels
    ]
    if not beside_fields:
        st.error(f"{what}. " + " ".join(elsewhere), icon=":material/error:")
        return
    count = len(found)
    lines = [
        f"{what}. Please put right the {count} thing{'s' if count != 1 else ''} marked below "
        "and send it again."
    ]
    lines += [f"- {line}" for line in elsewhere]
    st.error("\n".join(lines), icon=":material/error:")


def beside(form: str, field: str) -> None:
    """Under a field: its problem from the last submission, if it had one."""
    message = problems(form).get(field)
    if message:
        st.error(fmt.plain(sentence(message)), icon=":material/error:")
