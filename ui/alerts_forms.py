"""Drawing the forms that move a quality alert on (start work, close, reopen, feedback, assign,
note): only those the person may use now (sgoversight.alerts.read.allowed_actions); each form's
problems are shown in it, a summary above and each beside its field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from sgoversight.alerts.officers import ASSIGN_LABELS, council_officers
from sgoversight.alerts.read import AlertDetail, allowed_actions
from sgoversight.alerts.rules import (
    FEEDBACK_LABELS,
    MAX_REFERENCE,
    NOTE_VISIBILITY,
    close_needs_safeguarding_answer,
    officer_label,
)
from sgoversight.auth import Actor
from ui import alerts_changes as changes
from ui import format as fmt
from ui import forms
from ui.alerts_state import K
from ui.context import engine


def draw(actor: Actor, detail: AlertDetail, now: dt.date) -> None:
    """The changes `actor` may make to the alert now, each in its own form; a line saying who
    makes changes when they may make none."""
    allowed = allowed_actions(actor, detail)
    if not allowed:
        st.caption("You can read this alert. Changes are made by the commissioning team.")
        return

    st.markdown(
        "#### Move this alert on" if allowed != {"note"} else "#### Add to this alert's history"
    )
    st.caption(
        "If someone else changes this alert while you have it open, your change is not saved and "
        "you see theirs instead."
    )
    officers = council_officers(engine(), actor) if "assign" in allowed else {}
    if "start_progress" in allowed:  # across the page, above the other forms
        _start_form(st, actor, detail, now, officers)
    left, right = st.columns(2)
    where = {
        "close": left,
        "reopen": left,
        "feedback": right,
        "assign": left,
        "note": right if "feedback" in allowed else left,
    }
    for action, form in FORMS.items():
        if action in allowed:
            form(where[action], actor, detail, now, officers)


def _officer(username: str, officers: dict[str, str]) -> str:
    return officer_label(username, officers.get(username)) if username else ""


def _day_input(label: str, key: str, detail: AlertDetail, now: dt.date) -> None:
    """A day something happened to the alert: today at first, offered from the day it was raised
    to today."""
    if key not in st.session_state:
        st.session_state[key] = now
    st.date_input(label, min_value=detail.raised_on, max_value=now, format="DD/MM/YYYY", key=key)


def _start_form(
    where: Any, actor: Actor, detail: AlertDetail, now: dt.date, officers: dict[str, str]
) -> None:
    """Start work (open → in progress), choosing the assigned officer."""
    alert_id, version = detail.alert_id, detail.version
    form = f"{K}form_start_{alert_id}"
    with where.form(form):
        st.markdown("**Start work on this alert**")
        forms.summary(form, changes.START_LABELS, f"{alert_id} was not moved to in progress")
        choices = list(officers)
        if actor.username not in officers:
            choices.insert(0, "")
        st.selectbox(
            changes.START_LABELS["assigned_to"],
            choices,
            index=choices.index(actor.username) if actor.username in choices else 0,
            format_func=lambda u: (
                _officer(u, officers) or f"Leave as it is ({detail.assigned_label})"
            ),
            key=f"{K}start_officer_{alert_id}",
            help="The council officer who owns the work on this alert.",
        )
        forms.beside(form, "assigned_to")
        st.form_submit_button(
            "Start work on this alert (mark it in progress)",
            icon=":material/play_arrow:",
            on_click=changes.start,
            args=(actor, alert_id, version, now),
        )


def _close_form(
    where: Any, actor: Actor, detail: AlertDetail, now: dt.date, officers: dict[str, str]
) -> None:
    """Close the alert: outcome, day, and the safeguarding answer when someone is at risk."""
    alert_id, version = detail.alert_id, detail.version
    form = f"{K}form_close_{alert_id}"
    with where.form(form):
        st.markdown("**Close the alert**")
        forms.summary(form, changes.CLOSE_LABELS, f"{alert_id} was not closed")
        st.text_area(changes.CLOSE_LABELS["outcome"], key=f"{K}outcome_{alert_id}", height=100)
        forms.beside(form, "outcome")
        _day_input(changes.CLOSE_LABELS["closed_on"], f"{K}closed_on_{alert_id}", detail, now)
        forms.beside(form, "closed_on")
        if close_needs_safeguarding_answer(detail.risk_of_harm):
            st.markdown(
                "This alert says **someone is at risk of harm**. Give the safeguarding "
                "concern's reference, or say why no safeguarding concern was raised."
            )
            st.text_input(
                changes.CLOSE_LABELS["safeguarding_reference"],
                max_chars=MAX_REFERENCE,
                key=f"{K}safeguarding_reference_{alert_id}",
                placeholder="For example SG-2026-0412",
            )
            forms.beside(form, "safeguarding_reference")
            st.text_area(
                changes.CLOSE_LABELS["no_concern_reason"],
                key=f"{K}no_concern_reason_{alert_id}",
                height=80,
            )
            forms.beside(form, "no_concern_reason")
        st.form_submit_button(
            "Close the alert",
            icon=":material/task_alt:",
            on_click=changes.close,
            args=(actor, alert_id, version, now),
        )


def _reopen_form(
    where: Any, actor: Actor, detail: AlertDetail, now: dt.date, officers: dict[str, str]
) -> None:
    """Reopen a closed alert, with the reason."""
    alert_id, version = detail.alert_id, detail.version
    form = f"{K}form_reopen_{alert_id}"
    with where.form(form):
        st.markdown("**Reopen the alert**")
        forms.summary(form, changes.REOPEN_LABELS, f"{alert_id} was not reopened")
        st.text_area(changes.REOPEN_LABELS["reason"], key=f"{K}reason_{alert_id}", height=100)
        forms.beside(form, "reason")
        st.form_submit_button(
            "Reopen the alert",
            icon=":material/restart_alt:",
            on_click=changes.reopen,
            args=(actor, alert_id, version, now),
        )


def _feedback_form(
    where: Any, actor: Actor, detail: AlertDetail, now: dt.date, officers: dict[str, str]
) -> None:
    """Record the day feedback was given to the raiser or the provider."""
    alert_id, version = detail.alert_id, detail.version
    form = f"{K}form_feedback_{alert_id}"
    with where.form(form):
        st.markdown("**Record feedback given**")
        forms.summary(form, changes.FEEDBACK_FORM_LABELS, "The feedback was not recorded")
        st.radio(
            changes.FEEDBACK_FORM_LABELS["to"],
            list(FEEDBACK_LABELS),
            format_func=lambda to: FEEDBACK_LABELS[to].capitalize(),
            horizontal=True,
            key=f"{K}to_{alert_id}",
        )
        forms.beside(form, "to")
        _day_input(changes.FEEDBACK_FORM_LABELS["on"], f"{K}on_{alert_id}", detail, now)
        forms.beside(form, "on")
        st.form_submit_button(
            "Record the feedback",
            icon=":material/forum:",
            on_click=changes.feedback,
            args=(actor, alert_id, version, now),
        )


def _assign_form(
    where: Any, actor: Actor, detail: AlertDetail, now: dt.date, officers: dict[str, str]
) -> None:
    """Change the assigned officer, with a note saying why."""
    alert_id, version = detail.alert_id, detail.version
    form = f"{K}form_assign_{alert_id}"
    with where.form(form):
        st.markdown("**Change who it is assigned to**")
        st.caption(f"Now: {fmt.plain(detail.assigned_label)}.")
        forms.summary(form, ASSIGN_LABELS, "The assignment was not changed")
        assignable = ["", *officers]
        st.selectbox(
            ASSIGN_LABELS["assigned_to"],
            assignable,
            index=assignable.index(detail.assigned_to) if detail.assigned_to in assignable else 0,
            format_func=lambda u: _officer(u, officers) or "Nobody (unassigned)",
            key=f"{K}assign_assigned_to_{alert_id}",
        )
        forms.beside(form, "assigned_to")
        st.text_area(ASSIGN_LABELS["note"], key=f"{K}assign_note_{alert_id}", height=80)
        forms.beside(form, "note")
        st.radio(
            ASSIGN_LABELS["visibility"],
            list(NOTE_VISIBILITY),
            index=0,
            format_func=NOTE_VISIBILITY.__getitem__,
            key=f"{K}assign_visibility_{alert_id}",
        )
        forms.beside(form, "visibility")
        st.form_submit_button(
            "Change the assigned officer",
            icon=":material/person_edit:",
            on_click=changes.assign,
            args=(actor, alert_id, version),
        )


def _note_form(
    where: Any, actor: Actor, detail: AlertDetail, now: dt.date, officers: dict[str, str]
) -> None:
    """Add a note: internal or shared (provider staff's notes are always shared)."""
    alert_id, version = detail.alert_id, detail.version
    form = f"{K}form_note_{alert_id}"
    with where.form(form):
        st.markdown("**Add a note**")
        forms.summary(form, changes.NOTE_LABELS, "The note was not saved")
        st.text_area(changes.NOTE_LABELS["note"], key=f"{K}note_{alert_id}", height=100)
        forms.beside(form, "note")
        if actor.is_provider_user:
            st.caption(
                "Your note is shared: the council's staff and your own service's staff can read it."
            )
        else:
            st.radio(
                changes.NOTE_LABELS["visibility"],
                list(NOTE_VISIBILITY),
                index=0,
                format_func=NOTE_VISIBILITY.__getitem__,
                key=f"{K}visibility_{alert_id}",
                help="Internal notes are for the council's staff only. Shared notes are "
                "also shown to the provider's staff, in the register and the Quality "
                "Assurance meeting minutes.",
            )
            forms.beside(form, "visibility")
        st.form_submit_button(
            "Add the note",
            icon=":material/note_add:",
            on_click=changes.note,
            args=(actor, alert_id, version),
        )


#: The forms drawn in two columns under the start-work form, in the order they are drawn.
FORMS: dict[str, Callable[[Any, Actor, AlertDetail, dt.date, dict[str, str]], None]] = {
    "close": _close_form,
    "reopen": _reopen_form,
    "feedback": _feedback_form,
    "assign": _assign_form,
    "note": _note_form,
}
