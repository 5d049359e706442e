"""Every change made on a page, and what the page says about it afterwards.

Rule: a change runs in the callback of the button or form that asks for it, so it is written
before the page's script runs again; every read the page then makes (the cached reads are keyed on
the data version, which the write moved, see ui.cache) and every download it then builds includes
it, and the record acted on is shown in its new state. What happened (saved, refused with every
problem, or an edit conflict) is kept as the page's flash, shown once where the page asks for it.
A form's problems are also kept by field (ui.forms) so each is shown beside its own field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import streamlit as st

from sgoversight.auth import PermissionDenied
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from ui import forms
from ui.format import plain

T = TypeVar("T")
Kind = Literal["success", "error", "conflict"]
_STATE = "flash_"


@dataclass(frozen=True)
class Flash:
    """What the last change on a page did: `kind`, one sentence, and any further problems."""

    kind: Kind
    text: str
    problems: tuple[str, ...] = field(default=())
    where: str = ""


def run(
    page: str,
    change: Callable[[], T],
    done: str | Callable[[T], str],
    *,
    form: str | None = None,
    where: str = "",
    clear: Iterable[str] = (),
    reset: dict[str, Any] | None = None,
) -> T | None:
    """Run one write use case for `page` and keep what happened for the run that follows.

    `done` is the success message (or makes it from the result); `form` names the form whose
    problems are kept by field; `where` tells the page which part of it the message belongs to;
    `clear` lists session keys emptied after a save and `reset` sets others to given values.
    Returns the result, or None when nothing was saved.
    """
    if form:
        forms.forget(form)
    try:
        result = change()
    except EditConflict as exc:
        _keep(page, Flash("conflict", forms.sentence(str(exc)), where=where))
        return None
    except FormInvalid as exc:
        if form:
            forms.remember(form, exc)
        _keep(page, Flash("error", forms.sentence(str(exc)), tuple(exc.problems), where))
        return None
    except (BadInput, PermissionDenied) as exc:
        problems = tuple(getattr(exc, "problems", ()) or ())
        if form:
            forms.remember(form, BadInput(str(exc), list(problems)))
        _keep(page, Flash("error", forms.sentence(str(exc)), problems, where))
        return None
    for key in clear:
        st.session_state[key] = ""
    for key, value in (reset or {}).items():
        st.session_state[key] = value
    _keep(page, Flash("success", done(result) if callable(done) else done, where=where))
    return result


def _keep(page: str, flash: Flash) -> None:
    st.session_state[_STATE + page] = flash


def peek(page: str) -> Flash | None:
    """The page's flash, left in place."""
    return st.session_state.get(_STATE + page)


def take(page: str, where: str | None = None) -> Flash | None:
    """The page's flash, removed so it is shown once (only if it belongs to `where`, if given)."""
    flash = peek(page)
    if flash is None or (where is not None and flash.where != where):
        return None
    del st.session_state[_STATE + page]
    return flash


def show(page: str, where: str | None = None, container: Any = None) -> Flash | None:
    """Show the page's flash (once): a success, an edit conflict, or a refusal with its problems."""
    flash = take(page, where)
    if flash is None:
        return None
    target = container if container is not None else st
    text = plain(flash.text)  # names, ids and typed values in it are shown as written
    if flash.kind == "success":
        target.success(text, icon=":material/check_circle:")
    elif flash.kind == "conflict":
        target.error(
            f"{text} What is shown now includes their change; what you typed is kept.",
            icon=":material/sync_problem:",
        )
    else:
        target.error(text, icon=":material/error:")
    return flash


def show_outside_forms(page: str, where: str | None = None) -> None:
    """What the last change did, shown once, for pages whose forms show their own refusals: a
    refused form's problems are shown in the form itself (summary and beside each field, through
    ui/forms.py), so such a refusal is only taken here; every other outcome is shown."""
    flash = peek(page)
    if flash is not None and flash.kind == "error" and flash.problems:
        if where is None or flash.where == where:
            take(page, where)
        return
    show(page, where)
