"""The Board page's review panel: the provider's current decision, the month's earlier ones, and
the forms that record, amend or withdraw a decision and record a meeting.

Rules: every write runs in its form's callback (ui.writes), so the page drawn after it shows the
saved state; a refused form keeps its problems beside each field (ui.forms) and its flash is not
shown a second time; the decision offered first is the one already recorded, else the one the
rating calls for (sgoversight.board.decisions.suggested_decision). Every value typed by a person is
escaped (ui.format.plain) before it goes into Markdown.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from sgoversight.auth import Actor, Permission
from sgoversight.board import month as board
from sgoversight.board.decisions import (
    DECISIONS,
    WORKSTREAM_CHOICES,
    RecordedDecision,
    Workstream,
    create_meeting,
    open_workstreams,
    record_decision,
    suggested_decision,
    withdraw_decision,
)
from sgoversight.board.rules import RATINGS, ProviderRating
from sgoversight.periods import Period
from ui import format as fmt
from ui import forms, writes
from ui.context import engine, today

PAGE = "board"
#: The decision form's fields in the words on the form (ui.forms): each problem about one of
#: them is shown beside it; any other (the rating changed meanwhile, say) at the form's top.
DECISION_LABELS = {
    "agreed": "The Board's view of the computed rating",
    "override_rating": "Rating the Board sets (only when overriding)",
    "rationale": "Rationale (required when overriding)",
    "decision": "Decision",
    "meeting_id": "At meeting",
    "amend_reason": "Why the decision is being amended",
    "workstream": "What happens to the work the earlier decision started",
    "workstream_reason": "Why it closes",
}
WITHDRAW_LABELS = {
    "withdraw_reason": "Why the decision is withdrawn",
    "workstream": "What happens to the work this decision started",
    "workstream_reason": "Why it closes",
}
MEETING_LABELS = {
    "meeting_on": "Meeting date",
    "attendees": "Attendees",
    "notes": "Notes",
}


def decision_message(recorded: RecordedDecision) -> str:
    """What a saved decision did, in one paragraph: saved or amended, and the work it opened,
    closed or kept open."""
    message = "Decision amended." if recorded.amended else "Decision recorded."
    if recorded.plan_id:
        message += (
            f" Improvement plan {recorded.plan_id} is open for this provider; until it has an "
            "owner, a next review date and an action it shows as Needs setting up."
        )
    if recorded.monitoring_id:
        message += " Enhanced monitoring is under way."
    if recorded.closed:
        message += f" Closed: {', '.join(recorded.closed)}."
    if recorded.kept:
        message += f" Kept open: {', '.join(recorded.kept)}."
    return message


def _record(
    actor: Actor,
    form: str,
    provider_id: str,
    month_label: str,
    computed: str,
    amends: int | None,
) -> None:
    """The decision form's callback: save the decision (or amendment) as typed."""
    state = st.session_state
    overriding = state[f"{form}-verdict"] == "Override"
    writes.run(
        PAGE,
        lambda: record_decision(
            engine(),
            actor,
            today=today(),
            board_month=month_label,
            provider_id=provider_id,
            computed_rating=computed,
            agreed=not overriding,
            override_rating=state.get(f"{form}-override") if overriding else None,
            rationale=state.get(f"{form}-rationale", ""),
            decision=state[f"{form}-decision"],
            meeting_id=state.get(f"{form}-meeting"),
            amends=amends,
            amend_reason=state.get(f"{form}-amend-reason"),
            workstream=state.get(f"{form}-workstream"),
            workstream_reason=state.get(f"{form}-workstream-reason"),
        ),
        decision_message,
        form=form,
        where="decision",
        clear=[f"{form}-rationale", f"{form}-amend-reason", f"{form}-workstream-reason"],
    )


def _withdraw(actor: Actor, form: str, decision_id: int) -> None:
    """The withdrawal form's callback."""
    state = st.session_state
    writes.run(
        PAGE,
        lambda: withdraw_decision(
            engine(),
            actor,
            decision_id,
            state.get(f"{form}-reason"),
            workstream=state.get(f"{form}-workstream"),
            workstream_reason=state.get(f"{form}-workstream-reason"),
            today=today(),
        ),
        lambda closed: "Decision withdrawn." + (f" Closed: {', '.join(closed)}." if closed else ""),
        form=form,
        where="decision",
        clear=[f"{form}-reason", f"{form}-workstream-reason"],
    )


def _save_meeting(actor: Actor, month_label: str) -> None:
    """The meeting form's callback."""
    state = st.session_state
    writes.run(
        PAGE,
        lambda: create_meeting(
            engine(),
            actor,
            board_month=month_label,
            meeting_on=state["meeting-on"],
            attendees=state.get("meeting-attendees", ""),
            notes=state.get("meeting-notes", ""),
        ),
        "Meeting saved.",
        form="meeting",
        where="meeting",
        clear=["meeting-attendees", "meeting-notes"],
    )


def flash(where: str, form: str | None = None) -> None:
    """The last change's outcome, once. A refused form already says so at its top and beside
    each field, so its flash is not shown a second time."""
    if form and forms.problems(form):
        writes.take(PAGE, where)
    else:
        writes.show(PAGE, where=where)


def _workstream_question(
    form: str, streams: list[Workstream], because: str, labels: dict[str, str]
) -> None:
    """Ask what happens to the open workstreams `streams` (keep, or close with a reason)."""
    if not streams:
        return
    names = " and ".join(w.label for w in streams)
    st.radio(
        labels["workstream"],
        list(WORKSTREAM_CHOICES),
        index=None,
        format_func=WORKSTREAM_CHOICES.get,
        horizontal=True,
        key=f"{form}-workstream",
        help=f"{because} {fmt.plain(names)}. It is never left open or closed without saying so.",
    )
    st.caption(f"{because} {fmt.plain(names)}.")
    forms.beside(form, "workstream")
    st.text_input(labels["workstream_reason"], max_chars=5000, key=f"{form}-workstream-reason")
    forms.beside(form, "workstream_reason")


def decisions_panel(
    actor: Actor, view: board.BoardMonth, chosen: str, month: Period, rating: ProviderRating
) -> None:
    """The provider's decision for the month, the month's earlier ones, and (for those who
    decide) the forms that record, amend or withdraw it."""
    current = view.decisions.get(chosen)
    decision_form = f"decision-{chosen}-{month.label}"
    withdraw_form = f"withdraw-{current.decision_id}" if current else None
    flash("decision", decision_form if forms.problems(decision_form) else withdraw_form)
    if current:
        st.info(
            f"Decided {current.decided_at:%d %b %Y} by {fmt.plain(current.decided_by)}: "
            f"{DECISIONS[current.decision]}, rating {board.rag_text(current.rating)}"
            + ("" if current.agreed else " (override)")
            + (f". Rationale: {fmt.plain(current.rationale)}" if current.rationale else "")
            + (
                f". Amended because: {fmt.plain(current.amend_reason)}"
                if current.amend_reason
                else ""
            ),
            icon=":material/gavel:",
        )
    _earlier_decisions(actor, chosen, month)
    if not actor.can(Permission.DECIDE_BOARD):
        return
    streams = open_workstreams(engine(), actor, current.decision_id) if current else []
    _decision_form(actor, view, decision_form, chosen, month, rating, current, streams)
    if current:
        _withdraw_form(actor, current.decision_id, streams)


def _earlier_decisions(actor: Actor, chosen: str, month: Period) -> None:
    """The month's amended and withdrawn decisions, in an expander."""
    earlier = [
        d
        for d in board.decision_trail(engine(), actor, chosen, month.label)
        if d.status != "current"
    ]
    if not earlier:
        return
    with st.expander(f"Earlier decisions this month ({len(earlier)})", icon=":material/history:"):
        for d in earlier:
            what = (
                f"withdrawn by {fmt.plain(d.withdrawn_by or '')}: "
                f"{fmt.plain(d.withdrawn_reason or '')}"
                if d.status == "withdrawn"
                else "amended later"
            )
            st.markdown(
                f"- {d.decided_at:%d %b %Y}, {fmt.plain(d.decided_by)}: "
                f"{DECISIONS[d.decision]}, rating {board.rag_text(d.rating)}"
                + ("" if d.agreed else " (override)")
                + f"; {what}"
            )


def _decision_form(
    actor: Actor,
    view: board.BoardMonth,
    form: str,
    chosen: str,
    month: Period,
    rating: ProviderRating,
    current: board.DecisionSummary | None,
    streams: list[Workstream],
) -> None:
    """Record the decision, or amend the current one (with a reason and an answer for the work
    the earlier decision opened)."""
    meetings = {m.id: board.meeting_summary(m) for m in view.meetings}
    st.markdown("#### Amend the decision" if current else "#### Record the decision")
    with st.form(form):
        forms.summary(form, DECISION_LABELS)
        st.radio(
            DECISION_LABELS["agreed"], ["Agree", "Override"], horizontal=True, key=f"{form}-verdict"
        )
        forms.beside(form, "agreed")
        st.selectbox(
            DECISION_LABELS["override_rating"],
            RATINGS,
            index=None,
            format_func=board.rag_text,
            placeholder="Choose a rating",
            key=f"{form}-override",
        )
        forms.beside(form, "override_rating")
        offered = (current.decision if current else None) or suggested_decision(rating.rating)
        st.selectbox(
            DECISION_LABELS["decision"],
            list(DECISIONS),
            format_func=DECISIONS.get,
            index=list(DECISIONS).index(offered),
            key=f"{form}-decision",
        )
        forms.beside(form, "decision")
        st.text_area(
            DECISION_LABELS["rationale"], max_chars=5000, height=100, key=f"{form}-rationale"
        )
        forms.beside(form, "rationale")
        st.selectbox(
            DECISION_LABELS["meeting_id"],
            list(meetings),
            index=len(meetings) - 1 if meetings else None,
            format_func=meetings.get,
            placeholder="No meeting recorded for this month yet",
            key=f"{form}-meeting",
        )
        forms.beside(form, "meeting_id")
        if current:
            st.text_area(
                DECISION_LABELS["amend_reason"],
                max_chars=5000,
                height=80,
                key=f"{form}-amend-reason",
                help="Required: the earlier decision stays in the history with this reason "
                "beside the new one.",
            )
            forms.beside(form, "amend_reason")
            because = "If the decision changes, the earlier decision opened"
            _workstream_question(form, streams, because, DECISION_LABELS)
        st.form_submit_button(
            "Amend the decision" if current else "Record the decision",
            type="primary",
            icon=":material/gavel:",
            on_click=_record,
            args=(
                actor,
                form,
                chosen,
                month.label,
                rating.rating,
                current.decision_id if current else None,
            ),
        )


def _withdraw_form(actor: Actor, decision_id: int, streams: list[Workstream]) -> None:
    """Withdraw the current decision, with a reason and an answer for the work it opened."""
    withdraw = f"withdraw-{decision_id}"
    with st.expander("Withdraw this decision", icon=":material/undo:"), st.form(withdraw):
        forms.summary(withdraw, WITHDRAW_LABELS)
        st.text_area(WITHDRAW_LABELS["withdraw_reason"], max_chars=5000, key=f"{withdraw}-reason")
        forms.beside(withdraw, "withdraw_reason")
        _workstream_question(withdraw, streams, "This decision opened", WITHDRAW_LABELS)
        st.form_submit_button(
            "Withdraw the decision",
            icon=":material/undo:",
            on_click=_withdraw,
            args=(actor, withdraw, decision_id),
        )


def meeting_form(actor: Actor, month: Period) -> None:
    """Record a Board meeting for the month (for those who decide)."""
    flash("meeting", "meeting")
    with st.expander("Record a Board meeting", icon=":material/groups:"), st.form("meeting"):
        forms.summary("meeting", MEETING_LABELS)
        st.date_input(
            MEETING_LABELS["meeting_on"],
            value=today(),
            max_value=today() + dt.timedelta(days=60),
            key="meeting-on",
        )
        forms.beside("meeting", "meeting_on")
        st.text_input(
            MEETING_LABELS["attendees"],
            placeholder="Names or roles, comma separated",
            key="meeting-attendees",
        )
        forms.beside("meeting", "attendees")
        st.text_area(MEETING_LABELS["notes"], height=100, key="meeting-notes")
        forms.beside("meeting", "notes")
        st.form_submit_button(
            "Save the meeting",
            icon=":material/save:",
            on_click=_save_meeting,
            args=(actor, month.label),
        )
