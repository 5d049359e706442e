"""The changes made to a quality alert from the register page, each run in its form's callback
(ui.writes) with the alert's version as it was when the form was drawn, so a change someone else
saved in between is refused and shown rather than overwritten."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sgoversight.alerts.officers import ASSIGN_LABELS
from sgoversight.alerts.rules import (
    FEEDBACK_LABELS,
    INTERNAL,
    NOTE_VISIBILITY_SHORT,
    note_visibility,
)
from sgoversight.alerts.workflow import (
    add_note,
    assign_alert,
    close_alert,
    record_feedback,
    reopen_alert,
    start_progress,
)
from sgoversight.auth import Actor
from ui import writes
from ui.alerts_state import PAGE, K
from ui.context import engine

CLOSE_LABELS = {
    "outcome": "What was the outcome?",
    "closed_on": "Date closed",
    "safeguarding_reference": "Safeguarding concern reference",
    "no_concern_reason": "Or, if no safeguarding concern was raised: why not",
}
REOPEN_LABELS = {"reason": "Why is it being reopened?"}
START_LABELS = {"assigned_to": "Assigned officer"}
FEEDBACK_FORM_LABELS = {"to": "Feedback given to", "on": "Date of feedback"}
NOTE_LABELS = {"note": "Note", "visibility": "Who can read this note?"}


def start(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    """Start work on the alert (its form's callback), with the officer chosen."""
    officer = st.session_state.get(f"{K}start_officer_{alert_id}") or None
    writes.run(
        PAGE,
        lambda: start_progress(
            engine(), actor, alert_id, expected_version=version, today=now, assigned_to=officer
        ),
        f"{alert_id} is now in progress.",
        form=f"{K}form_start_{alert_id}",
        where=alert_id,
    )


def assign(actor: Actor, alert_id: str, version: int) -> None:
    """Change the assigned officer (its form's callback), with the note typed."""
    keys = {name: f"{K}assign_{name}_{alert_id}" for name in ASSIGN_LABELS}
    officer = st.session_state.get(keys["assigned_to"]) or None
    writes.run(
        PAGE,
        lambda: assign_alert(
            engine(),
            actor,
            alert_id,
            assigned_to=officer,
            note=st.session_state.get(keys["note"], ""),
            expected_version=version,
            visibility=st.session_state.get(keys["visibility"]),
        ),
        f"{alert_id} is now assigned to {officer}." if officer else f"{alert_id} is unassigned.",
        form=f"{K}form_assign_{alert_id}",
        where=alert_id,
        clear=(keys["note"],),
        reset={keys["visibility"]: INTERNAL},
    )


def close(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    """Close the alert (its form's callback) with the outcome, day and safeguarding answer."""
    keys = {name: f"{K}{name}_{alert_id}" for name in CLOSE_LABELS}
    writes.run(
        PAGE,
        lambda: close_alert(
            engine(),
            actor,
            alert_id,
            outcome=st.session_state.get(keys["outcome"], ""),
            closed_on=st.session_state.get(keys["closed_on"]) or now,
            safeguarding_reference=st.session_state.get(keys["safeguarding_reference"]),
            no_concern_reason=st.session_state.get(keys["no_concern_reason"]),
            expected_version=version,
            today=now,
        ),
        f"{alert_id} is closed.",
        form=f"{K}form_close_{alert_id}",
        where=alert_id,
        clear=(keys["outcome"], keys["safeguarding_reference"], keys["no_concern_reason"]),
    )


def reopen(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    """Reopen the alert (its form's callback) with the reason typed."""
    key = f"{K}reason_{alert_id}"
    writes.run(
        PAGE,
        lambda: reopen_alert(
            engine(),
            actor,
            alert_id,
            reason=st.session_state.get(key, ""),
            expected_version=version,
            today=now,
        ),
        f"{alert_id} is open again.",
        form=f"{K}form_reopen_{alert_id}",
        where=alert_id,
        clear=(key,),
    )


def feedback(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    """Record the feedback given (its form's callback)."""
    to = st.session_state.get(f"{K}to_{alert_id}") or "raiser"
    writes.run(
        PAGE,
        lambda: record_feedback(
            engine(),
            actor,
            alert_id,
            to=to,
            on=st.session_state.get(f"{K}on_{alert_id}") or now,
            expected_version=version,
            today=now,
        ),
        f"Feedback to {FEEDBACK_LABELS.get(to, to)} recorded.",
        form=f"{K}form_feedback_{alert_id}",
        where=alert_id,
    )


def note(actor: Actor, alert_id: str, version: int) -> None:
    """Add the note typed (its form's callback), read by whom the person chose."""
    note_key, seen_key = f"{K}note_{alert_id}", f"{K}visibility_{alert_id}"
    visibility = note_visibility(actor, st.session_state.get(seen_key))
    writes.run(
        PAGE,
        lambda: add_note(
            engine(),
            actor,
            alert_id,
            st.session_state.get(note_key, ""),
            expected_version=version,
            visibility=visibility,
        ),
        f"Note added ({NOTE_VISIBILITY_SHORT[visibility].lower()}).",
        form=f"{K}form_note_{alert_id}",
        where=alert_id,
        clear=(note_key,),
        reset={seen_key: INTERNAL} if not actor.is_provider_user else None,
    )
