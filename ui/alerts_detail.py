"""Drawing one quality alert on the register page: the picker (which follows the address bar),
the alert's facts, and its status history, notes and QA meeting discussions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight import uktime
from sgoversight.alerts.config import AlertConfig
from sgoversight.alerts.output import alert_label
from sgoversight.alerts.read import AlertDetail, get_alert
from sgoversight.alerts.rules import INTERNAL, AlertNotFound, open_for, safeguarding_answer, yes_no
from sgoversight.auth import Actor, PermissionDenied
from sgoversight.vocabulary import ALERT_CATEGORY, ALERT_RAISED_BY, ALERT_STATUS, SEVERITY
from ui import alerts_state
from ui import format as fmt
from ui.context import engine


def pick(
    actor: Actor, frame: pd.DataFrame, now: dt.date, config: AlertConfig
) -> AlertDetail | None:
    """The alert the address bar asks for, as `actor` may see it (a warning when there is none
    they can see), and the picker of the register's alerts, which keeps the choice by id."""
    asked = alerts_state.asked()
    detail: AlertDetail | None = None
    if asked:
        try:
            detail = get_alert(engine(), actor, asked, today=now, config=config)
        except (AlertNotFound, PermissionDenied):
            # The same words whether it does not exist or is another provider's: nothing about
            # an alert the person may not see is given away.
            st.warning(
                f"There is no quality alert {fmt.plain(asked[:80])} that you can see. Choose one "
                "from the list below.",
                icon=":material/search_off:",
            )
        else:
            if detail.alert_id != asked:  # found by its former id: show the current one
                alerts_state.choose(detail.alert_id)

    ids = list(frame["alert_id"])
    labels = {
        row.alert_id: alert_label(
            row.alert_id, row.provider_name, row.category, row.severity, row.former_id
        )
        for row in frame.itertuples()
    }
    if detail is not None and detail.alert_id not in labels:
        # An alert opened by a link, or moved out of the filters by a change (closed, say),
        # stays shown until another is chosen.
        ids.insert(0, detail.alert_id)
        labels[detail.alert_id] = (
            alert_label(
                detail.alert_id,
                detail.provider_name,
                detail.category,
                detail.severity,
                detail.former_id,
            )
            + " (not in the filtered list)"
        )
    # The picker holds the id; its label is for reading only. It follows the address bar.
    st.session_state[alerts_state.PICK] = detail.alert_id if detail is not None else None
    st.selectbox(
        "Choose an alert to see its details",
        ids,
        index=None,
        format_func=lambda a: labels.get(a, a),
        placeholder="Type an alert number (new or former) or provider name",
        key=alerts_state.PICK,
        on_change=alerts_state.picked,
    )

    return detail


def facts(detail: AlertDetail, config: AlertConfig) -> None:
    """What the alert says: status, severity, category, response, officer, who raised it, the
    answers about harm and safeguarding, what happened, the outcome and feedback."""
    with st.container(border=True):
        former = f" (formerly {fmt.plain(detail.former_id)})" if detail.former_id else ""
        st.markdown(f"### {fmt.plain(detail.alert_id)}{former}: {fmt.plain(detail.provider_name)}")
        a, b, c, d = st.columns(4)
        a.markdown(f"**Status**  \n{ALERT_STATUS.label(detail.status)}")
        b.markdown(f"**Severity**  \n{SEVERITY.label(detail.severity)}")
        c.markdown(
            f"**Category**  \n{ALERT_CATEGORY.label(detail.category)} "
            f"(CQC key question: {detail.key_question})"
        )
        if detail.status == "closed" and detail.closed_on:
            response = f"Closed {fmt.long_date(detail.closed_on)}, after {detail.days_open} days"
        elif detail.past_response_time:
            response = (
                f"⚠ **Past response time**: open {detail.days_open} days, was due "
                f"{fmt.long_date(detail.response_due_on)}"
            )
        else:
            response = (
                f"{open_for(detail.days_open).capitalize()}; response due by "
                f"{fmt.long_date(detail.response_due_on)}"
            )
        d.markdown(f"**Response**  \n{response}")
        st.markdown(f"**Assigned officer:** {fmt.plain(detail.assigned_label)}")
        raised = (
            f"**Raised** {fmt.long_date(detail.raised_on)} by "
            f"{ALERT_RAISED_BY.label(detail.raised_by).lower()}"
        )
        if detail.contact_hidden:
            raised += " (their contact details are kept by the council)"
        elif detail.raiser_contact:
            raised += f"; contact for feedback: {fmt.plain(detail.raiser_contact)}"
        st.markdown(raised)
        st.markdown(
            f"**Someone at risk of harm:** {yes_no(detail.risk_of_harm)} · "
            f"**Safeguarding concern raised when logged:** "
            f"{yes_no(detail.safeguarding_concern_raised)}"
        )
        if detail.risk_of_harm:
            st.warning(
                "Someone is at risk of harm. A quality alert does not raise a safeguarding "
                "concern: if none has been raised yet, **raise one now** with "
                f"{fmt.plain(config.where_to_raise_a_concern())}.",
                icon=":material/shield:",
            )
        answer = safeguarding_answer(detail.safeguarding_reference, detail.no_concern_reason)
        if answer:
            st.markdown(f"**Safeguarding answer when closed:** {fmt.plain(answer)}")
        st.markdown("**What happened**")
        st.markdown(fmt.plain(detail.summary))
        if detail.closing_outcome:
            st.markdown("**Outcome**")
            st.markdown(fmt.plain(detail.closing_outcome))

        def _given(day: dt.date | None) -> str:
            return f"given {fmt.long_date(day)}" if day else "not yet given"

        st.markdown(
            f"**Feedback** to the person who raised it: {_given(detail.feedback_to_raiser_on)}; "
            f"to the provider: {_given(detail.feedback_to_provider_on)}."
        )


def history(actor: Actor, detail: AlertDetail) -> None:
    """The alert's status history, the notes `actor` may read, and its QA meeting discussions."""
    history_tab, notes_tab, qa_tab = st.tabs(
        [
            f"Status history ({len(detail.status_history)})",
            f"Notes ({len(detail.notes)})",
            f"Quality Assurance meetings ({len(detail.qa_discussions)})",
        ]
    )
    with history_tab:
        st.dataframe(
            pd.DataFrame(
                {
                    "Date": [c.changed_on for c in detail.status_history],
                    "From": [
                        ALERT_STATUS.label(c.from_status) or "—" for c in detail.status_history
                    ],
                    "To": [ALERT_STATUS.label(c.to_status) for c in detail.status_history],
                    "By": [c.changed_by for c in detail.status_history],
                    "Reason or outcome": [c.reason or "" for c in detail.status_history],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={"Date": st.column_config.DateColumn(format="D MMM YYYY")},
        )
    with notes_tab:
        if not detail.notes:
            st.caption("No notes yet.")
        if actor.is_provider_user:
            st.caption("Notes the council has shared with your service, and your own notes.")
        for note in detail.notes:
            icon = ":material/lock:" if note.visibility == INTERNAL else ":material/group:"
            st.markdown(
                f"**{fmt.plain(note.author)}**, {uktime.clock(note.written_at)} · "
                f"{icon} {note.seen_by}  \n{fmt.plain(note.text)}"
            )
    with qa_tab:
        if not detail.qa_discussions:
            st.caption("Not discussed at a Quality Assurance meeting yet.")
        for discussion in detail.qa_discussions:
            st.markdown(f"**Meeting of {fmt.long_date(discussion.meeting_on)}**")
            st.markdown(fmt.plain(discussion.discussion) if discussion.discussion else "No notes.")
            for action in discussion.actions:
                done = (
                    f"done {fmt.long_date(action.completed_on)}" if action.completed_on else "open"
                )
                st.markdown(
                    f"- {fmt.plain(action.description)} — {fmt.plain(action.owner)}, due "
                    f"{fmt.long_date(action.due_on)} ({done})"
                )
