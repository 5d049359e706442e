"""Quality alert register: filter, read, export and chart the alerts; open one to see its history
and, if your role allows, move it on (start work, close, reopen, feedback, notes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from sgoversight import alerts
from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.errors import BadInput
from sgoversight.vocabulary import ALERT_CATEGORY, ALERT_RAISED_BY, ALERT_STATUS, SEVERITY
from ui import downloads
from ui import format as fmt
from ui.context import engine, require, today

K = "alerts_"
FLASH = f"{K}flash"
FIELD_WORDS = {
    "closed_on": "Date closed",
    "on": "Date of feedback",
    "outcome": "Outcome",
    "reason": "Reason",
    "note": "Note",
}

actor = require(Permission.VIEW_ALERTS)
now = today()
config = alerts.load_alert_config()


# --- changes: run in callbacks, with the version shown when the buttons were drawn ---------------


def _friendly(text: str) -> str:
    field, _, rest = text.partition(": ")
    return f"{FIELD_WORDS[field]}: {rest}" if field in FIELD_WORDS and rest else text


def _apply(done: str, change: Callable[[], object], clear: tuple[str, ...] = ()) -> None:
    """Run one change; keep what happened (saved, refused, conflict) for the run that follows."""
    try:
        change()
    except alerts.EditConflict as exc:
        st.session_state[FLASH] = ("conflict", str(exc), [])
    except BadInput as exc:
        st.session_state[FLASH] = ("error", _friendly(str(exc)), exc.problems)
    except PermissionDenied as exc:
        st.session_state[FLASH] = ("error", str(exc), [])
    else:
        st.session_state[FLASH] = ("success", done, [])
        for key in clear:
            st.session_state[key] = ""


def _start(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    _apply(
        f"{alert_id} is now in progress.",
        lambda: alerts.start_progress(
            engine(), actor, alert_id, expected_version=version, today=now
        ),
    )


def _close(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    outcome_key = f"{K}outcome_{alert_id}"
    _apply(
        f"{alert_id} is closed.",
        lambda: alerts.close_alert(
            engine(),
            actor,
            alert_id,
            outcome=st.session_state.get(outcome_key, ""),
            closed_on=st.session_state.get(f"{K}closed_on_{alert_id}") or now,
            expected_version=version,
            today=now,
        ),
        clear=(outcome_key,),
    )


def _reopen(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    reason_key = f"{K}reason_{alert_id}"
    _apply(
        f"{alert_id} is open again.",
        lambda: alerts.reopen_alert(
            engine(),
            actor,
            alert_id,
            reason=st.session_state.get(reason_key, ""),
            expected_version=version,
            today=now,
        ),
        clear=(reason_key,),
    )


def _feedback(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
    to = st.session_state.get(f"{K}feedback_to_{alert_id}") or "raiser"
    _apply(
        f"Feedback to {alerts.FEEDBACK_LABELS[to]} recorded.",
        lambda: alerts.record_feedback(
            engine(),
            actor,
            alert_id,
            to=to,
            on=st.session_state.get(f"{K}feedback_on_{alert_id}") or now,
            expected_version=version,
            today=now,
        ),
    )


def _note(actor: Actor, alert_id: str, version: int) -> None:
    note_key = f"{K}note_{alert_id}"
    _apply(
        "Note added.",
        lambda: alerts.add_note(
            engine(),
            actor,
            alert_id,
            st.session_state.get(note_key, ""),
            expected_version=version,
        ),
        clear=(note_key,),
    )


# --- the register ---------------------------------------------------------------------------------

st.title("Quality alert register")
scope = actor.provider_scope()
st.caption(
    ("Alerts about your service only. " if scope is not None else "")
    + f"Every alert should be responded to and closed within {config.response_days} days of being "
    "raised; alerts still open after that are marked ⚠ Past response time."
)

with st.container(border=True):
    st.markdown("**Filter the register**")
    # Six filters for council staff, five for provider staff (no provider choice): three a row.
    cells = [column for _ in range(2) for column in st.columns(3)]
    if scope is None:
        names = alerts.providers_with_alerts(engine(), actor)
        provider_ids = cells.pop(0).multiselect(
            "Provider",
            list(names),
            format_func=lambda p: names.get(p, p),
            placeholder="All providers",
            key=f"{K}f_provider",
        )
    else:
        provider_ids = []
    categories = cells.pop(0).multiselect(
        "Category",
        ALERT_CATEGORY.codes,
        format_func=ALERT_CATEGORY.label,
        placeholder="All categories",
        key=f"{K}f_category",
    )
    severities = cells.pop(0).multiselect(
        "Severity",
        SEVERITY.codes,
        format_func=SEVERITY.label,
        placeholder="All severities",
        key=f"{K}f_severity",
    )
    statuses = cells.pop(0).multiselect(
        "Status",
        ALERT_STATUS.codes,
        default=["open", "in_progress"],
        format_func=ALERT_STATUS.label,
        placeholder="Any status",
        key=f"{K}f_status",
    )
    raised_by = cells.pop(0).multiselect(
        "Raised by",
        ALERT_RAISED_BY.codes,
        format_func=ALERT_RAISED_BY.label,
        placeholder="Anyone",
        key=f"{K}f_raised_by",
    )
    age = cells.pop(0).selectbox("How long open", list(alerts.AGE_FILTERS), key=f"{K}f_age")
    past_only = st.checkbox("Only alerts past their response time", key=f"{K}f_past_response")

low, high = alerts.AGE_FILTERS[age]
frame = alerts.alert_register(
    engine(),
    actor,
    today=now,
    provider_ids=provider_ids,
    categories=categories,
    severities=severities,
    statuses=statuses,
    raised_by=raised_by,
    min_days_open=low,
    max_days_open=high,
    past_response_only=past_only,
    config=config,
)

shown, not_closed, late, serious = st.columns(4)
shown.metric("Alerts shown", fmt.whole(len(frame)), border=True)
not_closed.metric(
    "Open or in progress", fmt.whole(int((frame["status"] != "closed").sum())), border=True
)
late.metric(
    "⚠ Past response time",
    fmt.whole(int(frame["past_response_time"].sum())),
    help=f"Not closed more than {config.response_days} days after being raised.",
    border=True,
)
serious.metric(
    "High or critical, not closed",
    fmt.whole(
        int((frame["severity"].isin(["high", "critical"]) & (frame["status"] != "closed")).sum())
    ),
    border=True,
)

table = alerts.register_table(frame)
if frame.empty:
    st.info("No alerts match these filters.", icon=":material/filter_alt_off:")
else:

    def _late_style(value: object) -> str:
        return (
            "background-color: #fde6b0; color: #1b1b1b; font-weight: 600"
            if str(value).startswith(alerts.OVERDUE_MARK)
            else ""
        )

    st.dataframe(
        table.style.map(_late_style, subset=["Response"]),
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(table)),
        column_order=[
            "Alert",
            "Provider",
            "Raised on",
            "Severity",
            "Status",
            "Days open",
            "Response",
            "Category",
            "CQC key question",
            "What happened",
        ],
        column_config={
            "Raised on": st.column_config.DateColumn(format="D MMM YYYY"),
            "Days open": st.column_config.NumberColumn(
                help="Calendar days from raised to closed, or to today if not closed."
            ),
            "Response": st.column_config.TextColumn(
                width="medium",
                help=f"Alerts not closed within {config.response_days} days of being raised are "
                "past their response time.",
            ),
            "What happened": st.column_config.TextColumn(width="large"),
        },
    )

    filters = [
        f"{label}: {', '.join(values)}"
        for label, values in (
            ("Providers", [names.get(p, p) for p in provider_ids] if scope is None else []),
            ("Categories", [ALERT_CATEGORY.label(c) for c in categories]),
            ("Severities", [SEVERITY.label(c) for c in severities]),
            ("Statuses", [ALERT_STATUS.label(c) for c in statuses]),
            ("Raised by", [ALERT_RAISED_BY.label(c) for c in raised_by]),
        )
        if values
    ]
    if age != "Any age":
        filters.append(f"Open for: {age}")
    if past_only:
        filters.append("Only past response time")
    note = (
        f"Quality alert register on {fmt.long_date(now)}. "
        f"Filters: {'; '.join(filters) if filters else 'none'}."
    )
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Download as CSV",
        alerts.register_csv(frame),
        file_name=f"quality-alerts-{now.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        "Download as Excel",
        alerts.register_xlsx(frame, note),
        file_name=f"quality-alerts-{now.isoformat()}.xlsx",
        mime=downloads.XLSX,
        icon=":material/table_view:",
        on_click="ignore",
    )

# The details of the chosen alert go right under the table; the chart follows them.
details_area = st.container()
if not frame.empty:
    st.subheader("By CQC key question")
    st.caption(
        "The Care Quality Commission (CQC) asks five questions of every service: is it safe, "
        "effective, caring, responsive and well-led? Each alert category is counted under one."
    )
    counts = alerts.key_question_counts(frame)
    chart_col, table_col = st.columns([3, 2])
    chart_col.altair_chart(alerts.key_question_chart(counts), width="content")
    table_col.dataframe(counts, hide_index=True, width="stretch")


# --- one alert ------------------------------------------------------------------------------------


def _details() -> None:
    """The chosen alert: its facts, history, notes, QA discussions and the changes allowed."""
    st.subheader("Alert details")
    ids = list(frame["alert_id"])
    labels = {
        row.alert_id: f"{row.alert_id} · {row.provider_name} · "
        f"{ALERT_CATEGORY.label(row.category)} · {SEVERITY.label(row.severity)} · "
        f"{ALERT_STATUS.label(row.status)}"
        for row in frame.itertuples()
    }
    # An alert just closed (or otherwise moved out of the filters) stays open here until another is
    # chosen, so the person sees the result of what they did.
    chosen = st.session_state.get("alert")
    if isinstance(chosen, str) and chosen and chosen not in labels:
        ids.insert(0, chosen)
        labels[chosen] = f"{chosen} (not in the filtered list)"
    alert_id = st.selectbox(
        "Choose an alert to see its details",
        ids,
        index=None,
        format_func=lambda a: labels.get(a, a),
        placeholder="Type an alert number or provider name",
        key="alert",
        bind="query-params",
    )

    flash = st.session_state.pop(FLASH, None)
    if alert_id is None:
        if flash:
            st.info(flash[1])
        return

    try:
        detail = alerts.get_alert(engine(), actor, alert_id, today=now, config=config)
    except (BadInput, PermissionDenied) as exc:
        st.error(str(exc))
        return

    if flash:
        kind, text, problems = flash
        if kind == "success":
            st.success(text, icon=":material/check_circle:")
        elif kind == "conflict":
            st.error(
                f"{text}. The details below now show their change; what you typed is kept.",
                icon=":material/sync_problem:",
            )
        else:
            st.error(text, icon=":material/error:")
            for problem in problems:
                if _friendly(problem) != text:
                    st.markdown(f"- {fmt.plain(_friendly(problem))}")

    with st.container(border=True):
        st.markdown(f"### {detail.alert_id}: {fmt.plain(detail.provider_name)}")
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
                f"{alerts.open_for(detail.days_open).capitalize()}; response due by "
                f"{fmt.long_date(detail.response_due_on)}"
            )
        d.markdown(f"**Response**  \n{response}")
        raised = (
            f"**Raised** {fmt.long_date(detail.raised_on)} by "
            f"{ALERT_RAISED_BY.label(detail.raised_by).lower()}"
        )
        if detail.contact_hidden:
            raised += " (their contact details are kept by the council)"
        elif detail.raiser_contact:
            raised += f"; contact for feedback: {fmt.plain(detail.raiser_contact)}"
        st.markdown(raised)
        sg = {True: "Yes", False: "No", None: "Not recorded"}[detail.safeguarding_concern_raised]
        st.markdown(f"**Safeguarding concern raised:** {sg}")
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
        for note in detail.notes:
            st.markdown(
                f"**{fmt.plain(note.author)}**, {alerts.local_time(note.written_at)}  \n"
                f"{fmt.plain(note.text)}"
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

    allowed = alerts.allowed_actions(actor, detail)
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
    version = detail.version
    if "start_progress" in allowed:
        st.button(
            "Start work on this alert (mark it in progress)",
            icon=":material/play_arrow:",
            key=f"{K}start_{alert_id}",
            on_click=_start,
            args=(actor, alert_id, version, now),
        )

    left, right = st.columns(2)
    if "close" in allowed:
        with left.form(f"{K}close_form_{alert_id}"):
            st.markdown("**Close the alert**")
            st.text_area("What was the outcome?", key=f"{K}outcome_{alert_id}", height=100)
            if f"{K}closed_on_{alert_id}" not in st.session_state:
                st.session_state[f"{K}closed_on_{alert_id}"] = now
            st.date_input(
                "Date closed",
                min_value=detail.raised_on,
                max_value=now,
                format="DD/MM/YYYY",
                key=f"{K}closed_on_{alert_id}",
            )
            st.form_submit_button(
                "Close the alert",
                icon=":material/task_alt:",
                on_click=_close,
                args=(actor, alert_id, version, now),
            )
    if "reopen" in allowed:
        with left.form(f"{K}reopen_form_{alert_id}"):
            st.markdown("**Reopen the alert**")
            st.text_area("Why is it being reopened?", key=f"{K}reason_{alert_id}", height=100)
            st.form_submit_button(
                "Reopen the alert",
                icon=":material/restart_alt:",
                on_click=_reopen,
                args=(actor, alert_id, version, now),
            )
    if "feedback" in allowed:
        with right.form(f"{K}feedback_form_{alert_id}"):
            st.markdown("**Record feedback given**")
            st.radio(
                "Feedback given to",
                list(alerts.FEEDBACK_LABELS),
                format_func=lambda to: alerts.FEEDBACK_LABELS[to].capitalize(),
                horizontal=True,
                key=f"{K}feedback_to_{alert_id}",
            )
            if f"{K}feedback_on_{alert_id}" not in st.session_state:
                st.session_state[f"{K}feedback_on_{alert_id}"] = now
            st.date_input(
                "Date of feedback",
                min_value=detail.raised_on,
                max_value=now,
                format="DD/MM/YYYY",
                key=f"{K}feedback_on_{alert_id}",
            )
            st.form_submit_button(
                "Record the feedback",
                icon=":material/forum:",
                on_click=_feedback,
                args=(actor, alert_id, version, now),
            )
    if "note" in allowed:
        with (right if "feedback" in allowed else left).form(f"{K}note_form_{alert_id}"):
            st.markdown("**Add a note**")
            st.text_area("Note", key=f"{K}note_{alert_id}", height=100)
            st.form_submit_button(
                "Add the note",
                icon=":material/note_add:",
                on_click=_note,
                args=(actor, alert_id, version),
            )


with details_area:
    _details()
