"""Quality Assurance meeting: choose or set up a meeting, walk its agenda of quality alerts provider
by provider (most severe first), record what was said and the actions agreed, download minutes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.alerts import qa
from sgoversight.auth import Actor, Permission
from sgoversight.search import matching
from sgoversight.vocabulary import SEVERITY
from ui import downloads, forms, qa_agenda, writes
from ui import format as fmt
from ui.context import engine, require, today
from ui.qa_agenda import PAGE, K, outcome
from ui.table_search import found_line, search_box

MEETING_LABELS = {"meeting_on": "Meeting date", "attendees": "Who is attending"}

actor = require(Permission.VIEW_ALERTS)
now = today()
can_record = actor.can(Permission.RECORD_QA)


def _create_meeting(actor: Actor) -> None:
    """Set up the meeting typed in the form (its callback) and make it the chosen one."""
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
        outcome("new")
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
groups = matching(agenda.groups, search, qa.AgendaGroup.search_fields)
if not found_line(search, len(groups), len(agenda.groups), "providers"):
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "Provider": [g.provider_name for g in groups],
            "Alerts": [len(g.entries) for g in groups],
            "Highest severity": [SEVERITY.label(g.highest_severity) for g in groups],
            "Discussed": [g.discussed for g in groups],
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
            f"{by_provider[pid].provider_name}: {by_provider[pid].discussed} alerts discussed"
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
    qa_agenda.draw_entry(actor, meeting, entry, can_record, now)
