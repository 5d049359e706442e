"""Quality Assurance meeting: choose or set up a meeting, walk its agenda of quality alerts provider
by provider (most severe first), record what was said and the actions agreed, download minutes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight import uktime
from sgoversight.alerts import qa
from sgoversight.alerts.rules import open_for, yes_no
from sgoversight.auth import Actor, Permission
from sgoversight.search import matching
from sgoversight.vocabulary import ALERT_CATEGORY, ALERT_STATUS, SEVERITY
from ui import downloads, forms, writes
from ui import format as fmt
from ui.context import engine, require, today
from ui.table_search import found_line, search_box

PAGE = "qa_meeting"
K = "qa_"
MEETING_LABELS = {"meeting_on": "Meeting date", "attendees": "Who is attending"}
DISCUSSION_LABELS = {"discussion": "What the meeting said"}
ACTION_LABELS = {
    "description": "What is to be done",
    "owner": "Who will do it",
    "due_on": "Due by",
    "completed_on": "Date done",
}

actor = require(Permission.VIEW_ALERTS)
now = today()
can_record = actor.can(Permission.RECORD_QA)


def _discussed(group: qa.AgendaGroup) -> str:
    """'1 of 3': how many of a provider's alerts on the agenda have a discussion recorded."""
    return f"{sum(1 for e in group.entries if e.discussion)} of {len(group.entries)}"


def _searched(group: qa.AgendaGroup) -> list[object]:
    """What the agenda's search reads for one provider: its name and, for each of its alerts on
    the agenda, what the page shows about it (the notes being only those this person may read)."""
    fields: list[object] = [group.provider_name, group.provider_id]
    for entry in group.entries:
        fields += [
            entry.alert_id,
            entry.summary,
            ALERT_CATEGORY.label(entry.category),
            SEVERITY.label(entry.severity),
            ALERT_STATUS.label(entry.status_now),
            entry.assigned_label,
            entry.discussion,
            *(f"{note.author} {note.text}" for note in entry.notes),
            *(f"{action.description} {action.owner}" for action in entry.actions),
        ]
    return fields


def _outcome(where: str | None = None) -> None:
    """What the last change did, shown once: a refused form's problems are shown in the form
    itself (summary and beside each field), so only other outcomes are shown here."""
    flash = writes.peek(PAGE)
    if flash is not None and flash.kind == "error" and flash.problems:
        if where is None or flash.where == where:
            writes.take(PAGE, where)
        return
    writes.show(PAGE, where)


def _create_meeting(actor: Actor) -> None:
    meeting_id = writes.run(
        PAGE,
        lambda: qa.create_meeting(
            engine(),
            actor,
            meeting_on=st.session_state.get(f"{K}new_on"),
            attendees=st.session_state.get(f"{K}new_attendees", ""),
        ),
        "Meeting set up.",
        form=f"{K}form_new",
        where="new",
        clear=(f"{K}new_attendees",),
    )
    if meeting_id is not None:
        st.session_state[f"{K}meeting"] = meeting_id


def _save_discussion(actor: Actor, meeting_id: int, alert_id: str, shown: str) -> None:
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


def _add_action(actor: Actor, meeting_id: int, alert_id: str) -> None:
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


def _complete(actor: Actor, action_id: int, alert_id: str, now: dt.date) -> None:
    writes.run(
        PAGE,
        lambda: qa.complete_qa_action(engine(), actor, action_id, completed_on=now, today=now),
        "Action marked done.",
        where=alert_id,
    )


st.title("Quality Assurance meeting")
intro = (
    "Each month adult social care, providers and commissioners go through the quality alerts "
    "together, provider by provider, and agree what happens next."
)
if not can_record:
    intro += " You can read the agenda and minutes; the commissioning team records the discussion."
st.markdown(intro)

meetings = qa.list_meetings(engine(), actor)
if can_record:
    with st.expander("Set up a new meeting", expanded=not meetings, icon=":material/add:"):
        _outcome("new")
        with st.form(f"{K}form_new"):
            forms.summary(f"{K}form_new", MEETING_LABELS, "The meeting was not set up")
            if f"{K}new_on" not in st.session_state:
                st.session_state[f"{K}new_on"] = now
            st.date_input(MEETING_LABELS["meeting_on"], format="DD/MM/YYYY", key=f"{K}new_on")
            forms.beside(f"{K}form_new", "meeting_on")
            st.text_area(
                MEETING_LABELS["attendees"],
                key=f"{K}new_attendees",
                placeholder="Names and organisations, for the minutes",
                height=80,
            )
            forms.beside(f"{K}form_new", "attendees")
            st.form_submit_button(
                "Set up the meeting",
                icon=":material/event:",
                on_click=_create_meeting,
                args=(actor,),
            )  # _create_meeting runs before the next run, so `meetings` above includes it

if not meetings:
    st.info("No Quality Assurance meeting has been set up yet.", icon=":material/event_busy:")
    st.stop()

by_id = {m.meeting_id: m for m in meetings}
if st.session_state.get(f"{K}meeting") not in by_id:
    st.session_state.pop(f"{K}meeting", None)
meeting_id = st.selectbox(
    "Meeting",
    list(by_id),
    format_func=lambda m: f"{fmt.long_date(by_id[m].meeting_on)}",
    key=f"{K}meeting",
    help="The newest meeting is first.",
)
agenda = qa.agenda(engine(), actor, meeting_id)
meeting = agenda.meeting

if actor.provider_scope() is None:  # provider staff are not told who attended
    st.markdown(
        f"**Attending:** {fmt.plain(meeting.attendees) if meeting.attendees else 'not recorded'}"
    )
since_words = (
    f"the previous meeting on {fmt.long_date(agenda.previous_meeting_on)}"
    if agenda.previous_meeting_on
    else f"{fmt.long_date(agenda.changes_since)} (a month before; there was no earlier meeting)"
)
st.caption(
    f"On the agenda: every quality alert open on {fmt.long_date(meeting.meeting_on)}, and every "
    f"alert whose status changed or that had a note added since {since_words}. Providers with the "
    "most severe alerts come first."
)

entries = agenda.entries
count_col, provider_col, discussed_col, actions_col = st.columns(4)
count_col.metric("Alerts on the agenda", fmt.whole(len(entries)), border=True)
provider_col.metric("Providers", fmt.whole(len(agenda.groups)), border=True)
discussed_col.metric(
    "Discussed so far", fmt.whole(sum(1 for e in entries if e.discussion)), border=True
)
actions_col.metric(
    "Agreed actions not done",
    fmt.whole(qa.open_actions_count(engine(), actor, meeting_id)),
    border=True,
)

left, right, _ = st.columns([1, 1, 2])
left.download_button(
    "Download minutes (Excel)",
    lambda: qa.minutes_xlsx(engine(), actor, meeting_id),  # built when clicked
    file_name=f"qa-meeting-minutes-{meeting.meeting_on.isoformat()}.xlsx",
    mime=downloads.XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
right.download_button(
    "Download minutes (PDF)",
    lambda: qa.minutes_pdf(engine(), actor, meeting_id),  # built when clicked
    file_name=f"qa-meeting-minutes-{meeting.meeting_on.isoformat()}.pdf",
    mime=downloads.PDF,
    icon=":material/picture_as_pdf:",
    on_click="ignore",
)

if not agenda.groups:
    st.info("No quality alerts are on this meeting's agenda.", icon=":material/inbox:")
    st.stop()

st.subheader("Agenda")
search = search_box(
    "Search provider, alert number, what happened, notes, discussion, actions",
    page=PAGE,
    placeholder="e.g. a provider's name, an alert number, falls, an officer's name",
    help="A provider is listed when its alerts on this agenda hold every word.",
)
groups = matching(agenda.groups, search, _searched)
if not found_line(search, len(groups), len(agenda.groups), "providers"):
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "Provider": [g.provider_name for g in groups],
            "Alerts": [len(g.entries) for g in groups],
            "Highest severity": [SEVERITY.label(g.highest_severity) for g in groups],
            "Discussed": [_discussed(g) for g in groups],
        }
    ),
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(groups), 300),
)
group = groups[0]
if len(groups) > 1:  # the meeting goes through the agenda one provider at a time
    by_provider = {g.provider_id: g for g in groups}
    order = list(by_provider)
    chosen_key, kept_key = f"{K}provider_{meeting_id}", f"{K}kept_provider_{meeting_id}"
    if st.session_state.get(chosen_key) not in by_provider:
        # first visit, or back from another page (which forgets widgets): where the meeting was
        kept = st.session_state.get(kept_key)
        st.session_state[chosen_key] = kept if kept in by_provider else order[0]

    def _keep(provider_id: str | None = None) -> None:
        if provider_id is not None:
            st.session_state[chosen_key] = provider_id
        st.session_state[kept_key] = st.session_state[chosen_key]

    pick_col, next_col = st.columns([4, 1], vertical_alignment="bottom")
    chosen = pick_col.selectbox(
        "Provider being discussed",
        order,
        format_func=lambda pid: (
            f"{by_provider[pid].provider_name}: {_discussed(by_provider[pid])} alerts discussed"
        ),
        key=chosen_key,
        on_change=_keep,
        help="In agenda order: the providers with the most severe alerts first.",
    )
    following = order.index(chosen) + 1
    last = following == len(order)
    next_col.button(
        "Back to the first provider" if last else "Next provider",
        icon=":material/first_page:" if last else ":material/arrow_forward:",
        on_click=_keep,
        args=(order[0] if last else order[following],),
        width="stretch",
    )
    group = by_provider[chosen]

count = len(group.entries)
st.subheader(fmt.plain(group.provider_name))
st.caption(
    f"{count} alert{'s' if count != 1 else ''} · highest severity: "
    f"{SEVERITY.label(group.highest_severity)}"
)
for entry in group.entries:
    done_mark = " · ✓ discussed" if entry.discussion else ""
    label = (
        f"{fmt.plain(entry.alert_id)} · {SEVERITY.label(entry.severity)} severity · "
        f"{ALERT_CATEGORY.label(entry.category)} · "
        f"{ALERT_STATUS.label(entry.status_at_meeting)} at the meeting, "
        f"{open_for(entry.days_open_at_meeting)} · {fmt.plain(entry.assigned_label)}{done_mark}"
    )
    flash = writes.peek(PAGE)
    with st.expander(label, expanded=bool(flash and flash.where == entry.alert_id)):
        _outcome(entry.alert_id)
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
                    on_click=_save_discussion,
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
            continue
        for action in entry.actions:
            if action.completed_on is None:
                st.button(
                    f"Mark done today: {fmt.plain(action.description[:60])}",
                    key=f"{K}complete_{action.action_id}",
                    icon=":material/done:",
                    on_click=_complete,
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
                on_click=_add_action,
                args=(actor, meeting_id, entry.alert_id),
            )
