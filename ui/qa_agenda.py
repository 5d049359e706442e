"""Drawing the Quality Assurance meeting's agenda, one alert at a time: what happened, the notes
since the last meeting, what the meeting said and the actions agreed; and the changes recorded
from it, each in its form's callback (ui.writes)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight import uktime
from sgoversight.alerts import qa
from sgoversight.alerts.rules import open_for, yes_no
from sgoversight.auth import Actor
from sgoversight.vocabulary import ALERT_CATEGORY, ALERT_STATUS, SEVERITY
from ui import format as fmt
from ui import forms, writes
from ui.context import engine

PAGE = "qa_meeting"
K = "qa_"  # prefix of the page's session keys
DISCUSSION_LABELS = {"discussion": "What the meeting said"}
ACTION_LABELS = {
    "description": "What is to be done",
    "owner": "Who will do it",
    "due_on": "Due by",
    "completed_on": "Date done",
}


def outcome(where: str | None = None) -> None:
    """What the last change on this page did, shown once (writes.show_outside_forms)."""
    writes.show_outside_forms(PAGE, where)


def save_discussion(actor: Actor, meeting_id: int, alert_id: str, shown: str) -> None:
    """Save what the meeting said about one alert (its form's callback), from the text shown."""
    key = f"{K}discussion_{meeting_id}_{alert_id}"
    writes.run(
        PAGE,
        lambda: qa.record_discussion(
            engine(),
            actor,
            meeting_id,
            alert_id,
            st.session_state.get(key, ""),
            expected_text=shown,
        ),
        "Discussion saved.",
        form=f"{K}form_discussion_{meeting_id}_{alert_id}",
        where=alert_id,
    )


def add_action(actor: Actor, meeting_id: int, alert_id: str) -> None:
    """Agree an action on one alert (its form's callback)."""
    prefix = f"{K}action_{meeting_id}_{alert_id}_"
    writes.run(
        PAGE,
        lambda: qa.add_qa_action(
            engine(),
            actor,
            meeting_id,
            alert_id,
            description=st.session_state.get(f"{prefix}description", ""),
            owner=st.session_state.get(f"{prefix}owner", ""),
            due_on=st.session_state.get(f"{prefix}due_on"),
        ),
        "Action added.",
        form=f"{prefix}form",
        where=alert_id,
        clear=(f"{prefix}description", f"{prefix}owner"),
    )


def complete(actor: Actor, action_id: int, alert_id: str, now: dt.date) -> None:
    """Mark an agreed action done today (its button's callback)."""
    writes.run(
        PAGE,
        lambda: qa.complete_qa_action(engine(), actor, action_id, completed_on=now, today=now),
        "Action marked done.",
        where=alert_id,
    )


def draw_entry(
    actor: Actor, meeting: qa.MeetingInfo, entry: qa.AgendaEntry, can_record: bool, now: dt.date
) -> None:
    """One alert on the agenda, in an expander (open after a change to it); the discussion and
    action forms for those who record the meeting."""
    meeting_id = meeting.meeting_id
    done_mark = " · ✓ discussed" if entry.discussion else ""
    label = (
        f"{fmt.plain(entry.alert_id)} · {SEVERITY.label(entry.severity)} severity · "
        f"{ALERT_CATEGORY.label(entry.category)} · "
        f"{ALERT_STATUS.label(entry.status_at_meeting)} at the meeting, "
        f"{open_for(entry.days_open_at_meeting)} · {fmt.plain(entry.assigned_label)}{done_mark}"
    )
    flash = writes.peek(PAGE)
    with st.expander(label, expanded=bool(flash and flash.where == entry.alert_id)):
        outcome(entry.alert_id)
        st.markdown(f"**What happened:** {fmt.plain(entry.summary)}")
        st.caption(
            f"Raised {fmt.long_date(entry.raised_on)} · CQC key question: "
            f"{entry.key_question} · Someone at risk of harm: {yes_no(entry.risk_of_harm)} · "
            f"Status now: {ALERT_STATUS.label(entry.status_now)} · "
            f"Assigned officer: {fmt.plain(entry.assigned_label)} · "
            f"Why on the agenda: {'; '.join(entry.reasons).lower()}"
        )
        if entry.notes:
            st.markdown("**Notes since the last meeting**")
            for note in entry.notes:
                st.markdown(
                    f"- {fmt.plain(note.author)}, {uktime.clock(note.written_at)} "
                    f"({note.seen_by.lower()}): {fmt.plain(note.text)}"
                )
        if can_record:
            discussion_form = f"{K}form_discussion_{meeting_id}_{entry.alert_id}"
            with st.form(discussion_form):
                forms.summary(discussion_form, DISCUSSION_LABELS, "The discussion was not saved")
                key = f"{K}discussion_{meeting_id}_{entry.alert_id}"
                if key not in st.session_state:
                    st.session_state[key] = entry.discussion
                st.text_area(DISCUSSION_LABELS["discussion"], key=key, height=100)
                forms.beside(discussion_form, "discussion")
                if entry.discussion and st.session_state[key].strip() != entry.discussion:
                    st.caption(
                        f"Saved by {fmt.plain(entry.discussion_by or 'someone')}: "
                        f"{fmt.plain(entry.discussion)}"
                    )
                st.form_submit_button(
                    "Save the discussion",
                    icon=":material/save:",
                    on_click=save_discussion,
                    args=(actor, meeting_id, entry.alert_id, entry.discussion),
                )
        else:
            st.markdown("**What the meeting said**")
            st.markdown(fmt.plain(entry.discussion) if entry.discussion else "Not discussed yet.")

        st.markdown("**Agreed actions**")
        if entry.actions:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Action": [a.description for a in entry.actions],
                        "Owner": [a.owner for a in entry.actions],
                        "Due by": [fmt.long_date(a.due_on) for a in entry.actions],
                        "Done": [
                            fmt.long_date(a.completed_on) if a.completed_on else "Not yet"
                            for a in entry.actions
                        ],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={"Action": st.column_config.TextColumn(width="large")},
            )
        else:
            st.caption("None yet.")
        if not can_record:
            return
        for action in entry.actions:
            if action.completed_on is None:
                st.button(
                    f"Mark done today: {fmt.plain(action.description[:60])}",
                    key=f"{K}complete_{action.action_id}",
                    icon=":material/done:",
                    on_click=complete,
                    args=(actor, action.action_id, entry.alert_id, now),
                )
        prefix = f"{K}action_{meeting_id}_{entry.alert_id}_"
        with st.form(f"{prefix}form"):
            st.markdown("**Agree an action**")
            forms.summary(f"{prefix}form", ACTION_LABELS, "The action was not saved")
            st.text_input(ACTION_LABELS["description"], key=f"{prefix}description")
            forms.beside(f"{prefix}form", "description")
            owner_col, due_col = st.columns(2)
            with owner_col:
                st.text_input(ACTION_LABELS["owner"], key=f"{prefix}owner")
                forms.beside(f"{prefix}form", "owner")
            if f"{prefix}due_on" not in st.session_state:
                st.session_state[f"{prefix}due_on"] = meeting.meeting_on + dt.timedelta(days=28)
            with due_col:
                st.date_input(
                    ACTION_LABELS["due_on"],
                    min_value=meeting.meeting_on,
                    format="DD/MM/YYYY",
                    key=f"{prefix}due_on",
                )
                forms.beside(f"{prefix}form", "due_on")
            st.form_submit_button(
                "Add the action",
                icon=":material/add_task:",
                on_click=add_action,
                args=(actor, meeting_id, entry.alert_id),
            )
