"""Quality alert register: filter, read, export and chart the alerts; open one to see its history
and, if your role allows, move it on (start work, close, reopen, feedback, notes)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight import uktime
from sgoversight.alerts.chart import key_question_chart, key_question_counts
from sgoversight.alerts.config import load_alert_config
from sgoversight.alerts.officers import ASSIGN_LABELS, council_officers
from sgoversight.alerts.output import (
    OVERDUE_MARK,
    alert_label,
    register_csv,
    register_table,
    register_xlsx,
)
from sgoversight.alerts.read import AlertDetail, allowed_actions, get_alert
from sgoversight.alerts.register import (
    AGE_FILTER_CODES,
    AGE_FILTERS,
    ASSIGNED_FILTER,
    MAX_SEARCH,
    RISK_FILTER,
    alert_register,
    providers_with_alerts,
    register_notes,
)
from sgoversight.alerts.rules import (
    FEEDBACK_LABELS,
    INTERNAL,
    MAX_REFERENCE,
    NOTE_VISIBILITY,
    NOTE_VISIBILITY_SHORT,
    AlertNotFound,
    close_needs_safeguarding_answer,
    note_visibility,
    officer_label,
    open_for,
    safeguarding_answer,
    yes_no,
)
from sgoversight.alerts.workflow import (
    add_note,
    assign_alert,
    close_alert,
    record_feedback,
    reopen_alert,
    start_progress,
)
from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.vocabulary import ALERT_CATEGORY, ALERT_RAISED_BY, ALERT_STATUS, SEVERITY
from ui import downloads, forms, writes
from ui import format as fmt
from ui.context import engine, require, today
from ui.rag import RAG_BACKGROUND, labelled_column

PAGE = "alerts"
K = "alerts_"
PARAM = "alert"  # ?alert=ID: the chosen alert, by id only
ROWS_PER_PAGE = 500
PICK = f"{K}pick"
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

actor = require(Permission.VIEW_ALERTS)
now = today()
config = load_alert_config()


# --- the chosen alert: kept in the address bar by id, never by its label -------------------------


def _choose(alert_id: str | None) -> None:
    """Make `alert_id` the chosen alert (None: none), in the address bar so reload, back and
    forward and a shared link keep it."""
    if alert_id:
        st.query_params[PARAM] = alert_id
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def _outcome(where: str | None = None) -> None:
    """What the last change did, shown once: a refused form's problems are shown in the form
    itself (summary and beside each field), so only other outcomes are shown here."""
    flash = writes.peek(PAGE)
    if flash is not None and flash.kind == "error" and flash.problems:
        if where is None or flash.where == where:
            writes.take(PAGE, where)
        return
    writes.show(PAGE, where)


def _picked() -> None:
    _choose(st.session_state.get(PICK))


TABLE = f"{K}table"
SHOWN_IDS = f"{K}shown_ids"


def _row_clicked() -> None:
    """A row of the register was clicked: open its alert (by the id shown in that row)."""
    event = st.session_state.get(TABLE) or {}
    rows = (event.get("selection") or {}).get("rows") or []
    shown = st.session_state.get(SHOWN_IDS) or []
    if rows and 0 <= rows[0] < len(shown):
        _choose(shown[rows[0]])


# --- changes: run in callbacks (ui.writes), with the version shown when the buttons were drawn ----


def _start(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
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


def _assign(actor: Actor, alert_id: str, version: int) -> None:
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


def _close(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
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


def _reopen(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
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


def _feedback(actor: Actor, alert_id: str, version: int, now: dt.date) -> None:
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


def _note(actor: Actor, alert_id: str, version: int) -> None:
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


# --- the register ---------------------------------------------------------------------------------

st.title("Quality alert register")
scope = actor.provider_scope()
st.caption(
    ("Alerts about your service only. " if scope is not None else "")
    + f"Every alert should be responded to and closed within {config.response_days} days of being "
    "raised; alerts still open after that are marked ⚠ Past response time."
)

# --- the filters: kept in the address bar by codes and ids, so a link reproduces the list --------

FILTERS = {  # address parameter → session key of its widget
    "provider": f"{K}f_provider",
    "category": f"{K}f_category",
    "severity": f"{K}f_severity",
    "status": f"{K}f_status",
    "raised_by": f"{K}f_raised_by",
    "age": f"{K}f_age",
    "past_response": f"{K}f_past_response",
    "risk": f"{K}f_risk",
    "assigned": f"{K}f_assigned",
    "q": f"{K}f_search",
}
DEFAULT_STATUSES = ["open", "in_progress"]
ANY = "any"  # ?status=any: every status (no parameter means the default, open and in progress)
WRITTEN = f"{K}address_written"


def _codes(value: str | None, allowed: list[str]) -> list[str]:
    """The comma-separated codes of an address parameter that are offered, in the offered order
    (an unknown code is dropped, never an error: the link still opens)."""
    asked = {part.strip() for part in (value or "").split(",")}
    return [code for code in allowed if code in asked]


def _address_filters() -> dict[str, str | None]:
    return {param: st.query_params.get(param) for param in FILTERS}


def _read_address(provider_ids: list[str]) -> None:
    """Rule: when the address's filters are not the ones this page last wrote (a link, a reload
    in a new session, typing, back or forward), the address wins: each filter is set from it and
    a filter it does not name goes back to its default."""
    asked = _address_filters()
    state = st.session_state
    if asked == state.get(WRITTEN) and FILTERS["status"] in state:
        return
    state[FILTERS["provider"]] = _codes(asked["provider"], provider_ids)
    state[FILTERS["category"]] = _codes(asked["category"], ALERT_CATEGORY.codes)
    state[FILTERS["severity"]] = _codes(asked["severity"], SEVERITY.codes)
    status = asked["status"]
    state[FILTERS["status"]] = (
        DEFAULT_STATUSES if status is None else _codes(status, ALERT_STATUS.codes)
    )
    state[FILTERS["raised_by"]] = _codes(asked["raised_by"], ALERT_RAISED_BY.codes)
    state[FILTERS["age"]] = AGE_FILTER_CODES.get(asked["age"] or "", "Any age")
    state[FILTERS["past_response"]] = asked["past_response"] == "yes"
    state[FILTERS["risk"]] = _codes(asked["risk"], list(RISK_FILTER))
    # Provider staff have no provider or assigned choice: those parameters are not theirs.
    council = scope is None
    state[FILTERS["assigned"]] = (
        _codes(asked["assigned"], list(ASSIGNED_FILTER)) if council else []
    )
    state[FILTERS["q"]] = (asked["q"] or "")[: MAX_SEARCH]


def _write_address() -> None:
    """Put every filter in the address bar (codes and ids only); an empty filter is left out,
    except status, whose empty choice is written `any` (no parameter means the default)."""
    state = st.session_state
    age_codes = {label: code for code, label in AGE_FILTER_CODES.items()}
    values: dict[str, str | None] = {
        "provider": ",".join(state.get(FILTERS["provider"]) or []),
        "category": ",".join(state[FILTERS["category"]]),
        "severity": ",".join(state[FILTERS["severity"]]),
        "status": ",".join(state[FILTERS["status"]]) or ANY,
        "raised_by": ",".join(state[FILTERS["raised_by"]]),
        "age": age_codes.get(state[FILTERS["age"]], ANY),
        "past_response": "yes" if state[FILTERS["past_response"]] else "",
        "risk": ",".join(state[FILTERS["risk"]]),
        "assigned": ",".join(state.get(FILTERS["assigned"]) or []),
        "q": (state[FILTERS["q"]] or "").strip(),
    }
    if values["age"] == ANY:
        values["age"] = ""
    for param, value in values.items():
        if value:
            if st.query_params.get(param) != value:
                st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]
    state[WRITTEN] = _address_filters()


names = providers_with_alerts(engine(), actor) if scope is None else {}
_read_address(list(names))
with st.container(border=True):
    st.markdown("**Search and filter the register**")
    search = st.text_input(
        "Search",
        key=FILTERS["q"],
        max_chars=MAX_SEARCH,
        placeholder="A word from what happened or a note, a provider, an alert number",
        help="Finds the text, ignoring capitals, in the alert number (new or former), the "
        "provider's name, what happened and the notes you can read. Press Enter to search.",
    )
    # Eight filters for council staff, six for provider staff (no provider or assigned
    # choice): three a row.
    cells = [column for _ in range(3) for column in st.columns(3)]
    if scope is None:
        provider_ids = cells.pop(0).multiselect(
            "Provider",
            list(names),
            format_func=lambda p: names.get(p, p),
            placeholder="All providers",
            key=FILTERS["provider"],
        )
    else:
        provider_ids = []
    categories = cells.pop(0).multiselect(
        "Category",
        ALERT_CATEGORY.codes,
        format_func=ALERT_CATEGORY.label,
        placeholder="All categories",
        key=FILTERS["category"],
    )
    severities = cells.pop(0).multiselect(
        "Severity",
        SEVERITY.codes,
        format_func=SEVERITY.label,
        placeholder="All severities",
        key=FILTERS["severity"],
    )
    statuses = cells.pop(0).multiselect(
        "Status",
        ALERT_STATUS.codes,
        format_func=ALERT_STATUS.label,
        placeholder="Any status",
        key=FILTERS["status"],
    )
    raised_by = cells.pop(0).multiselect(
        "Raised by",
        ALERT_RAISED_BY.codes,
        format_func=ALERT_RAISED_BY.label,
        placeholder="Anyone",
        key=FILTERS["raised_by"],
    )
    age = cells.pop(0).selectbox("How long open", list(AGE_FILTERS), key=FILTERS["age"])
    risk = cells.pop(0).multiselect(
        "Someone at risk of harm",
        list(RISK_FILTER),
        format_func=RISK_FILTER.__getitem__,
        placeholder="Any answer",
        key=FILTERS["risk"],
        help='The answer given to "Is someone at risk of harm?" when the alert was logged. '
        "Alerts imported from another system were never asked: Not recorded.",
    )
    if scope is None:
        assigned = cells.pop(0).multiselect(
            "Assigned",
            list(ASSIGNED_FILTER),
            format_func=ASSIGNED_FILTER.__getitem__,
            placeholder="Anyone or nobody",
            key=FILTERS["assigned"],
            help="Assigned to me: alerts whose assigned officer is you. Unassigned: alerts "
            "nobody owns yet.",
        )
    else:
        assigned = []
    past_only = st.checkbox("Only alerts past their response time", key=FILTERS["past_response"])
_write_address()

low, high = AGE_FILTERS[age]
frame = alert_register(
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
    risk=risk,
    assigned=assigned,
    search=search,
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

table = register_table(frame)
if frame.empty:
    st.info("No alerts match these filters.", icon=":material/filter_alt_off:")
else:
    # The register is shown a page at a time, with the columns on screen only (a quick first
    # view on a large register); the downloads hold every row.
    shown_columns = [
        "Alert",
        "Provider",
        "Raised on",
        "Severity",
        "Status",
        "Assigned to",
        "Days open",
        "Days past response time",
        "Response",
        "Someone at risk of harm",
        "Category",
        "CQC key question",
        "What happened",
    ]
    pages = max(1, -(-len(table) // ROWS_PER_PAGE))
    page_number = 1
    if pages > 1:
        page_number = int(
            st.number_input(
                "Page of the register",
                min_value=1,
                max_value=pages,
                value=1,
                step=1,
                key=f"{K}page",
                help=f"{ROWS_PER_PAGE} alerts a page, newest first.",
            )
        )
    first = (page_number - 1) * ROWS_PER_PAGE
    shown_rows = table.iloc[first : first + ROWS_PER_PAGE][shown_columns]
    if pages > 1:
        st.caption(
            f"Rows {first + 1:,} to {first + len(shown_rows):,} of {len(table):,}, newest "
            "first. The downloads below hold every row."
        )
    # A click on a row opens that alert: the callback maps the row's position to its id.
    st.session_state[SHOWN_IDS] = list(shown_rows["Alert"])
    st.caption("Click a row to open that alert below the table.")
    st.dataframe(
        shown_rows,
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(shown_rows)),
        column_order=shown_columns,
        key=TABLE,
        on_select=_row_clicked,
        selection_mode="single-row",
        column_config={
            "Raised on": st.column_config.DateColumn(format="D MMM YYYY"),
            "Days open": st.column_config.NumberColumn(
                help="Calendar days from raised to closed, or to today if not closed."
            ),
            "Days past response time": st.column_config.NumberColumn(
                help=f"For an alert not closed within {config.response_days} days of being "
                "raised: the days since its response was due. 0 for any other alert."
            ),
            "Response": labelled_column(
                {OVERDUE_MARK: RAG_BACKGROUND["Amber"]},
                width="medium",
                help=f"Alerts not closed within {config.response_days} days of being raised are "
                "past their response time.",
            ),
            "Assigned to": st.column_config.TextColumn(width="medium"),
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
            ("Someone at risk of harm", [RISK_FILTER[c] for c in risk]),
            ("Assigned", [ASSIGNED_FILTER[c] for c in assigned]),
        )
        if values
    ]
    if search.strip():
        filters.append(f"Search: {search.strip()}")
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
        lambda: register_csv(frame),  # built when clicked
        file_name=f"quality-alerts-{now.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        "Download as Excel",
        lambda: register_xlsx(  # built when clicked, with the notes this person may read
            frame, note, register_notes(engine(), actor, list(frame["alert_id"]))
        ),
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
    counts = key_question_counts(frame)
    chart_col, table_col = st.columns([3, 2])
    chart_col.altair_chart(key_question_chart(counts), width="content")
    table_col.dataframe(counts, hide_index=True, width="stretch")


# --- one alert ------------------------------------------------------------------------------------


def _details() -> None:
    """The chosen alert (the address bar's ?alert=ID): its facts, history, notes, QA discussions
    and the changes allowed."""
    st.subheader("Alert details")
    asked = (st.query_params.get(PARAM) or "").strip() or None
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
                _choose(detail.alert_id)

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
    st.session_state[PICK] = detail.alert_id if detail is not None else None
    st.selectbox(
        "Choose an alert to see its details",
        ids,
        index=None,
        format_func=lambda a: labels.get(a, a),
        placeholder="Type an alert number (new or former) or provider name",
        key=PICK,
        on_change=_picked,
    )

    if detail is None:
        _outcome()
        return
    alert_id = detail.alert_id
    _outcome()

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
    version = detail.version
    officers = council_officers(engine(), actor) if "assign" in allowed else {}

    def _officer(username: str) -> str:
        return officer_label(username, officers.get(username)) if username else ""

    if "start_progress" in allowed:
        form = f"{K}form_start_{alert_id}"
        with st.form(form):
            st.markdown("**Start work on this alert**")
            forms.summary(form, START_LABELS, f"{alert_id} was not moved to in progress")
            choices = list(officers)
            if actor.username not in officers:
                choices.insert(0, "")
            st.selectbox(
                START_LABELS["assigned_to"],
                choices,
                index=choices.index(actor.username) if actor.username in choices else 0,
                format_func=lambda u: _officer(u) or f"Leave as it is ({detail.assigned_label})",
                key=f"{K}start_officer_{alert_id}",
                help="The council officer who owns the work on this alert.",
            )
            forms.beside(form, "assigned_to")
            st.form_submit_button(
                "Start work on this alert (mark it in progress)",
                icon=":material/play_arrow:",
                on_click=_start,
                args=(actor, alert_id, version, now),
            )

    left, right = st.columns(2)
    if "close" in allowed:
        form = f"{K}form_close_{alert_id}"
        with left.form(form):
            st.markdown("**Close the alert**")
            forms.summary(form, CLOSE_LABELS, f"{alert_id} was not closed")
            st.text_area(CLOSE_LABELS["outcome"], key=f"{K}outcome_{alert_id}", height=100)
            forms.beside(form, "outcome")
            if f"{K}closed_on_{alert_id}" not in st.session_state:
                st.session_state[f"{K}closed_on_{alert_id}"] = now
            st.date_input(
                CLOSE_LABELS["closed_on"],
                min_value=detail.raised_on,
                max_value=now,
                format="DD/MM/YYYY",
                key=f"{K}closed_on_{alert_id}",
            )
            forms.beside(form, "closed_on")
            if close_needs_safeguarding_answer(detail.risk_of_harm):
                st.markdown(
                    "This alert says **someone is at risk of harm**. Give the safeguarding "
                    "concern's reference, or say why no safeguarding concern was raised."
                )
                st.text_input(
                    CLOSE_LABELS["safeguarding_reference"],
                    max_chars=MAX_REFERENCE,
                    key=f"{K}safeguarding_reference_{alert_id}",
                    placeholder="For example SG-2026-0412",
                )
                forms.beside(form, "safeguarding_reference")
                st.text_area(
                    CLOSE_LABELS["no_concern_reason"],
                    key=f"{K}no_concern_reason_{alert_id}",
                    height=80,
                )
                forms.beside(form, "no_concern_reason")
            st.form_submit_button(
                "Close the alert",
                icon=":material/task_alt:",
                on_click=_close,
                args=(actor, alert_id, version, now),
            )
    if "reopen" in allowed:
        form = f"{K}form_reopen_{alert_id}"
        with left.form(form):
            st.markdown("**Reopen the alert**")
            forms.summary(form, REOPEN_LABELS, f"{alert_id} was not reopened")
            st.text_area(REOPEN_LABELS["reason"], key=f"{K}reason_{alert_id}", height=100)
            forms.beside(form, "reason")
            st.form_submit_button(
                "Reopen the alert",
                icon=":material/restart_alt:",
                on_click=_reopen,
                args=(actor, alert_id, version, now),
            )
    if "feedback" in allowed:
        form = f"{K}form_feedback_{alert_id}"
        with right.form(form):
            st.markdown("**Record feedback given**")
            forms.summary(form, FEEDBACK_FORM_LABELS, "The feedback was not recorded")
            st.radio(
                FEEDBACK_FORM_LABELS["to"],
                list(FEEDBACK_LABELS),
                format_func=lambda to: FEEDBACK_LABELS[to].capitalize(),
                horizontal=True,
                key=f"{K}to_{alert_id}",
            )
            forms.beside(form, "to")
            if f"{K}on_{alert_id}" not in st.session_state:
                st.session_state[f"{K}on_{alert_id}"] = now
            st.date_input(
                FEEDBACK_FORM_LABELS["on"],
                min_value=detail.raised_on,
                max_value=now,
                format="DD/MM/YYYY",
                key=f"{K}on_{alert_id}",
            )
            forms.beside(form, "on")
            st.form_submit_button(
                "Record the feedback",
                icon=":material/forum:",
                on_click=_feedback,
                args=(actor, alert_id, version, now),
            )
    if "assign" in allowed:
        form = f"{K}form_assign_{alert_id}"
        with left.form(form):
            st.markdown("**Change who it is assigned to**")
            st.caption(f"Now: {fmt.plain(detail.assigned_label)}.")
            forms.summary(form, ASSIGN_LABELS, "The assignment was not changed")
            assignable = ["", *officers]
            st.selectbox(
                ASSIGN_LABELS["assigned_to"],
                assignable,
                index=assignable.index(detail.assigned_to)
                if detail.assigned_to in assignable
                else 0,
                format_func=lambda u: _officer(u) or "Nobody (unassigned)",
                key=f"{K}assign_assigned_to_{alert_id}",
            )
            forms.beside(form, "assigned_to")
            st.text_area(
                ASSIGN_LABELS["note"], key=f"{K}assign_note_{alert_id}", height=80
            )
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
                on_click=_assign,
                args=(actor, alert_id, version),
            )
    if "note" in allowed:
        form = f"{K}form_note_{alert_id}"
        with (right if "feedback" in allowed else left).form(form):
            st.markdown("**Add a note**")
            forms.summary(form, NOTE_LABELS, "The note was not saved")
            st.text_area(NOTE_LABELS["note"], key=f"{K}note_{alert_id}", height=100)
            forms.beside(form, "note")
            if actor.is_provider_user:
                st.caption(
                    "Your note is shared: the council's staff and your own service's staff can "
                    "read it."
                )
            else:
                st.radio(
                    NOTE_LABELS["visibility"],
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
                on_click=_note,
                args=(actor, alert_id, version),
            )


with details_area:
    _details()
