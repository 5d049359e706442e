"""Improvement plans and enhanced monitoring: what is open and due, one plan in detail, monitoring.

Other pages link to one plan with `plans?plan=PLAN-ID` and to one arrangement with
`plans?monitoring=ID` (sgoversight.plans.plan_link, monitoring_link).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import streamlit as st
from dateutil.relativedelta import relativedelta

from sgoversight.auth import Permission, PermissionDenied
from sgoversight.errors import BadInput
from sgoversight.plans import (
    ACTION_STATUS_ORDER,
    DUE_SOON_DAYS,
    MONITORING_KIND,
    PLAN_KIND,
    action_timeline_chart,
    add_action,
    close_plan,
    complete_action,
    due_soon,
    end_monitoring,
    long_date,
    monitoring_choices,
    monitoring_detail,
    only_own_actions,
    open_plan,
    plan_choices,
    plan_detail,
    portfolio,
    provider_choices,
    record_visit,
    start_monitoring,
    status_badge,
    update_action,
    update_monitoring,
    update_plan,
)
from ui import cards
from ui import format as fmt
from ui.context import engine, require, today
from ui.rag import RAG_BACKGROUND

actor = require(Permission.VIEW_PLANS)
now = today()
db = engine()
can_manage = actor.can(Permission.MANAGE_PLANS)

FLASH = "plans_flash"
PLAN_CHOICE, MONITORING_CHOICE = "plan_choice", "monitoring_choice"
PENDING = "plans_pending_choice"
TAB_KEY = "plans_tab"
FORM_GENERATION = "plans_form_generation"
TABS = ("Everything open", "One plan in detail", "Enhanced monitoring")
#: The names the domain's messages use for fields, in the words the forms use.
FIELD_LABELS = {
    "provider_id": "Provider",
    "reason": "Reason",
    "owner": "Owner",
    "opened_on": "Opened on",
    "next_review_on": "Next review",
    "description": "Action",
    "due_on": "Due date",
    "evidence": "Evidence",
    "completed_on": "Completed on",
    "rationale": "Rationale",
    "closed_on": "Closed on",
    "actions": "Actions",
    "plan_id": "Plan",
    "action_id": "Action",
    "started_on": "Started on",
    "review_on": "Review date",
    "lead": "Lead",
    "visited_on": "Visited on",
    "visited_by": "Visited by",
    "findings": "Findings",
    "ended_on": "Ended on",
    "monitoring_id": "Monitoring",
    "version": "Changed meanwhile",
}
DATE = st.column_config.DateColumn(format="D MMM YYYY")
UK_DATE = "DD/MM/YYYY"
#: A soft background behind a status word (the word and its symbol carry the meaning).
STATUS_BACKGROUND = {
    "Overdue": RAG_BACKGROUND["Red"],
    "At risk": RAG_BACKGROUND["Amber"],
    "Due soon": RAG_BACKGROUND["Amber"],
    "On track": RAG_BACKGROUND["Green"],
    "Done": RAG_BACKGROUND["Green"],
}


def _status_style(value: object) -> str:
    for status, colour in STATUS_BACKGROUND.items():
        if str(value).endswith(status):
            return f"background-color: {colour}; color: #1b1b1b"
    return ""


def _plain_problem(problem: str, labels: Mapping[str, str]) -> str:
    field, sep, message = problem.partition(": ")
    return f"{labels[field]}: {message}" if sep and field in labels else problem


def _attempt(
    section: str,
    success: str,
    write: Callable[[], object],
    then: Callable[[object], None] | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Run a domain write. On success: remember a message for `section`, start every form afresh
    (so a saved entry is not left in it to be saved twice) and rerun, or call `then` with the
    result. On refusal: say why, field by field in the words of the form (`labels`, over
    FIELD_LABELS), and keep what the user typed."""
    try:
        result = write()
    except (BadInput, PermissionDenied) as exc:
        words = {**FIELD_LABELS, **(labels or {})}
        st.error(str(exc), icon=":material/error:")
        for problem in getattr(exc, "problems", []):
            st.markdown(f"- {fmt.plain(_plain_problem(problem, words))}")
        return
    st.session_state[FLASH] = (section, success)
    st.session_state[FORM_GENERATION] = generation + 1
    if then is not None:
        then(result)
    st.rerun()


def _flash(section: str) -> None:
    flash = st.session_state.get(FLASH)
    if flash and flash[0] == section:
        st.success(flash[1], icon=":material/check_circle:")
        del st.session_state[FLASH]


def _choose(key: str, value: object, param: str) -> None:
    """Show `value` in the picker `key` on the next run (and in the address bar), then rerun."""
    st.session_state[PENDING] = (key, value)
    st.query_params.clear()
    st.query_params[param] = str(value)


def _sync_param(key: str, param: str) -> None:
    st.query_params.clear()
    st.query_params[param] = str(st.session_state[key])


def _open_selected(table_key: str, links: list[str]) -> None:
    """Row-selection callback: show the selected row's plan or arrangement in its tab.

    Why not a link column: a link opens a new browser tab, which starts a new session."""
    rows = st.session_state[table_key].selection.rows
    if not rows:
        return
    query = parse_qs(urlsplit(links[rows[0]]).query)
    st.query_params.clear()
    if "plan" in query:
        st.session_state[PLAN_CHOICE] = query["plan"][0]
        st.session_state[TAB_KEY] = TABS[1]
        st.query_params["plan"] = query["plan"][0]
    elif "monitoring" in query:
        st.session_state[MONITORING_CHOICE] = int(query["monitoring"][0])
        st.session_state[TAB_KEY] = TABS[2]
        st.query_params["monitoring"] = query["monitoring"][0]


generation = st.session_state.get(FORM_GENERATION, 0)
pending = st.session_state.pop(PENDING, None)
if pending is not None:
    st.session_state[pending[0]] = pending[1]

st.title("Improvement plans and monitoring")
st.caption(
    "Improvement plans the Provider Oversight Board asked providers for, their actions, and "
    "enhanced monitoring. Progress is always shown as a word with a symbol: "
    f"✖ Overdue (an action is past its due date), ▲ At risk (an action is due in the next "
    f"{DUE_SOON_DAYS} days), ● On track, ■ Closed."
)

requested_plan = st.query_params.get("plan")
requested_monitoring = st.query_params.get("monitoring")
if TAB_KEY not in st.session_state and (requested_plan or requested_monitoring):
    # Arriving with a link to a plan or arrangement: open its tab. (Not `default=`: a default
    # that changes between runs would make a new widget and lose the user's tab.)
    st.session_state[TAB_KEY] = TABS[1] if requested_plan else TABS[2]
overview_tab, plan_tab, monitoring_tab = st.tabs(TABS, key=TAB_KEY, on_change="rerun")

# --- everything open ------------------------------------------------------------------------------
with overview_tab:
    open_items = portfolio(db, actor, now)
    open_plans = open_items[open_items["kind"] == PLAN_KIND]
    open_monitoring = open_items[open_items["kind"] == MONITORING_KIND]
    columns = st.columns(4)
    columns[0].metric("Open improvement plans", fmt.whole(len(open_plans)), border=True)
    columns[1].metric(
        "Plans with overdue actions",
        fmt.whole(int((open_plans["progress"] == "Overdue").sum())),
        help="Plans with an action past its due date and not done.",
        border=True,
    )
    columns[2].metric(
        "Plans at risk",
        fmt.whole(int((open_plans["progress"] == "At risk").sum())),
        help=f"Plans with an action due in the next {DUE_SOON_DAYS} days and none overdue.",
        border=True,
    )
    columns[3].metric(
        "Under enhanced monitoring",
        fmt.whole(len(open_monitoring)),
        help="Providers under enhanced monitoring now.",
        border=True,
    )

    st.subheader("Everything open, most urgent first")
    if open_items.empty:
        st.info("No improvement plan or enhanced monitoring is open.")
    else:
        shown = pd.DataFrame(
            {
                "Progress": open_items["progress_text"],
                "What": open_items["kind"],
                "Reference": open_items["reference"],
                "Provider": open_items["provider"],
                "Why": open_items["why"],
                "Owner or lead": open_items["owner"].fillna("not set"),
                "Next review": open_items["next_review_on"],
                "Actions to do": open_items["open_actions"],
                "Overdue actions": open_items["overdue_actions"],
            }
        )
        st.caption("Select a row to open that plan or arrangement.")
        st.dataframe(
            shown.style.map(_status_style, subset=["Progress"]),
            placeholder="not set",
            hide_index=True,
            width="stretch",
            key="portfolio-table",
            on_select=partial(_open_selected, "portfolio-table", list(open_items["link"])),
            selection_mode="single-row",
            column_config={
                "Why": st.column_config.TextColumn(width="medium"),
                "Next review": DATE,
            },
        )

    own_only = only_own_actions(actor)
    if own_only:
        st.subheader(f"Your actions and reviews: overdue or due in the next {DUE_SOON_DAYS} days")
        due = due_soon(db, actor, now, include_overdue=True)
    else:
        st.subheader(f"Due in the next {DUE_SOON_DAYS} days")
        due = due_soon(db, actor, now)
    if due.empty:
        st.caption(
            "Nothing of yours is overdue or due in the next "
            f"{DUE_SOON_DAYS} days. An action counts as yours when you own it or its plan."
            if own_only
            else f"Nothing is due in the next {DUE_SOON_DAYS} days."
        )
    else:
        listed = pd.DataFrame(
            {
                "Due": due["due_on"],
                "Status": due["status_text"],
                "What": due["what"],
                "Kind": due["kind"],
                "Provider": due["provider"],
                "Owner": due["owner"].fillna("not set"),
                "You can update": due["mine"].map({True: "Yes", False: ""}),
            }
        )
        st.dataframe(
            listed.style.map(_status_style, subset=["Status"]),
            hide_index=True,
            width="stretch",
            key="due-table",
            on_select=partial(_open_selected, "due-table", list(due["link"])),
            selection_mode="single-row",
            column_config={
                "Due": DATE,
                "What": st.column_config.TextColumn(width="medium"),
                "You can update": st.column_config.TextColumn(
                    help="Yes when you own the action, or own the plan it belongs to, or lead "
                    "the monitoring"
                ),
            },
        )

# --- one plan in detail ---------------------------------------------------------------------------
with plan_tab:
    _flash("plan")
    providers = dict(provider_choices(db, actor)) if can_manage else {}
    if can_manage:
        with st.expander("Open a new improvement plan", icon=":material/add_circle:"):
            with st.form(f"open-plan-{generation}"):
                provider_id = st.selectbox(
                    "Provider", list(providers), format_func=providers.get, index=None
                )
                reason = st.text_area(
                    "Why the plan is needed",
                    max_chars=10_000,
                    help="What the Board or the commissioners found, in plain words.",
                )
                owner = st.text_input(
                    "Plan owner (their sign-in name)",
                    max_chars=64,
                    help="The person who keeps the plan up to date. They can update every action "
                    "of the plan.",
                )
                left, right = st.columns(2)
                opened_on = left.date_input("Opened on", format=UK_DATE, value=now, max_value=now)
                next_review_on = right.date_input(
                    "Next review", format=UK_DATE, value=now + relativedelta(months=1)
                )
                opened = st.form_submit_button("Open the plan", icon=":material/add:")
            if opened:
                _attempt(
                    "plan",
                    "Improvement plan opened.",
                    lambda: open_plan(
                        db,
                        actor,
                        provider_id or "",
                        reason,
                        owner,
                        opened_on,
                        next_review_on,
                        today=now,
                    ),
                    then=lambda new_id: _choose(PLAN_CHOICE, new_id, "plan"),
                )

    choices = plan_choices(db, actor)
    if not choices:
        st.info("There are no improvement plans yet.")
    else:
        ids = [c.plan_id for c in choices]
        labels = {c.plan_id: c.label() for c in choices}
        if requested_plan and requested_plan not in ids:
            st.warning(f"There is no improvement plan {requested_plan}; showing another.")
        plan_id = st.selectbox(
            "Improvement plan",
            ids,
            # A value already in Session State wins; passing an index too would only warn.
            index=0
            if PLAN_CHOICE in st.session_state or requested_plan not in ids
            else ids.index(requested_plan),
            format_func=labels.get,
            key=PLAN_CHOICE,
            on_change=_sync_param,
            args=(PLAN_CHOICE, "plan"),
            help="Open plans first, then closed ones.",
        )
        detail = plan_detail(db, actor, plan_id, now)
        actions = detail.actions
        done = int((actions["status"] == "Done").sum())

        st.subheader(f"{detail.provider_name}: improvement plan {detail.plan_id}")
        st.markdown(f"**Progress:** {status_badge(detail.progress)} {fmt.plain(detail.why)}")
        cards.facts(
            ("Opened", long_date(detail.opened_on)),
            ("Plan owner", detail.owner or "not set"),
            (
                "Closed" if not detail.is_open else "Next review",
                long_date(detail.closed_on if not detail.is_open else detail.next_review_on),
            ),
            ("Actions done", f"{done} of {len(actions)}"),
        )
        st.markdown(f"**Why the plan was opened:** {fmt.plain(detail.reason)}")
        if detail.board_decision_id is not None:
            st.caption(f"Opened from Provider Oversight Board decision {detail.board_decision_id}.")
        if not detail.is_open:
            st.info(
                f"Closed on {long_date(detail.closed_on)}"
                + (f", signed off by {detail.signed_off_by}" if detail.signed_off_by else "")
                + ". Closed plans can be read but not changed.",
                icon=":material/lock:",
            )
            if detail.close_rationale:
                st.markdown(f"**Why it was closed:** {fmt.plain(detail.close_rationale)}")

        st.markdown("#### Actions")
        if actions.empty:
            st.caption("This plan has no actions yet.")
        else:
            table = pd.DataFrame(
                {
                    "Status": actions["status_text"],
                    "Action": actions["description"],
                    "Owner": actions["owner"],
                    "Due": actions["due_on"],
                    "Completed": actions["completed_on"],
                    "Evidence": actions["evidence"].fillna(""),
                }
            )
            st.dataframe(
                table.style.map(_status_style, subset=["Status"]),
                placeholder="—",
                hide_index=True,
                width="stretch",
                column_config={
                    "Action": st.column_config.TextColumn(width="large"),
                    "Evidence": st.column_config.TextColumn(width="medium"),
                    "Due": DATE,
                    "Completed": DATE,
                },
            )
            st.altair_chart(action_timeline_chart(detail, now), width="stretch")
            st.caption(
                "Each row is an action. The marker sits on its due date; its shape and colour "
                "say its status. A diamond marks the day a done action was completed, joined "
                "to its due date by a dotted line. The black line is today."
            )

        if detail.is_open:
            # Actions still to do first (most urgent first), then done ones for their evidence.
            updatable = sorted(
                detail.updatable_action_ids,
                key=lambda a: ACTION_STATUS_ORDER.index(
                    actions.loc[actions["action_id"] == a, "status"].iloc[0]
                ),
            )
            by_id = actions.set_index("action_id")
            if updatable:
                st.markdown("#### Update an action")
                # A new widget after each save (its labels carry the status, which a browser
                # would otherwise keep showing as it was), still on the action last chosen.
                chosen_key = f"action-chosen-{detail.plan_id}"
                remembered = st.session_state.get(chosen_key)
                action_id = st.selectbox(
                    "Action",
                    updatable,
                    index=updatable.index(remembered) if remembered in updatable else 0,
                    format_func=lambda a: (
                        f"{by_id.at[a, 'status_text']}: "
                        f"{by_id.at[a, 'description']} (due {long_date(by_id.at[a, 'due_on'])})"
                    ),
                    key=f"action-choice-{detail.plan_id}-{generation}",
                )
                st.session_state[chosen_key] = action_id
                chosen = by_id.loc[action_id]
                is_done = chosen["status"] == "Done"
                left, right = st.columns(2)
                with left.form(f"update-action-{action_id}-{generation}"):
                    st.markdown("**Evidence and due date**")
                    evidence = st.text_area(
                        "Evidence",
                        value=chosen["evidence"] if pd.notna(chosen["evidence"]) else "",
                        max_chars=10_000,
                        help="What shows the action is happening or done.",
                    )
                    due_on = st.date_input(
                        "Due date",
                        format=UK_DATE,
                        value=chosen["due_on"].date(),
                        disabled=is_done,
                        help="A done action keeps its due date." if is_done else None,
                    )
                    new_owner = (
                        st.text_input("Owner", value=chosen["owner"], max_chars=200)
                        if can_manage
                        else None
                    )
                    saved = st.form_submit_button("Save changes", icon=":material/save:")
                if saved:
                    with left:  # any problem shows under the form it is about
                        _attempt(
                            "plan",
                            "Action updated.",
                            lambda: update_action(
                                db,
                                actor,
                                action_id,
                                evidence=evidence,
                                due_on=None if is_done else due_on,
                                owner=new_owner,
                            ),
                        )
                if not is_done:
                    with right.form(f"complete-action-{action_id}-{generation}"):
                        st.markdown("**Mark as done**")
                        completed_on = st.date_input(
                            "Completed on", format=UK_DATE, value=now, max_value=now
                        )
                        done_evidence = st.text_area(
                            "Evidence that it is done",
                            max_chars=10_000,
                            help="Required: for example the audit report, the training record.",
                        )
                        marked = st.form_submit_button(
                            "Mark as done", icon=":material/task_alt:", type="primary"
                        )
                    if marked:
                        with right:
                            _attempt(
                                "plan",
                                "Action marked done.",
                                lambda: complete_action(
                                    db, actor, action_id, completed_on, done_evidence, today=now
                                ),
                                labels={"evidence": "Evidence that it is done"},
                            )
                else:
                    right.success(
                        f"Done on {long_date(chosen['completed_on'])}.", icon=":material/task_alt:"
                    )
            elif not actions.empty:
                st.caption(
                    "You can update only the actions you own (you are their owner or the plan's)."
                )

            if can_manage:
                left, right = st.columns(2)
                with left.form(f"add-action-{detail.plan_id}-{generation}"):
                    st.markdown("**Add an action**")
                    description = st.text_area("Action", max_chars=10_000)
                    action_owner = st.text_input(
                        "Owner",
                        max_chars=200,
                        help="Use the person's sign-in name so they can update it themselves.",
                    )
                    action_due = st.date_input(
                        "Due date", format=UK_DATE, value=now + relativedelta(weeks=4)
                    )
                    added = st.form_submit_button("Add the action", icon=":material/add:")
                if added:
                    _attempt(
                        "plan",
                        "Action added.",
                        lambda: add_action(
                            db, actor, detail.plan_id, description, action_owner, action_due
                        ),
                    )
                with right.form(f"update-plan-{detail.plan_id}-{generation}"):
                    st.markdown("**Plan owner and next review**")
                    plan_owner = st.text_input(
                        "Plan owner (their sign-in name)", value=detail.owner or "", max_chars=64
                    )
                    review_on = st.date_input(
                        "Next review",
                        format=UK_DATE,
                        value=detail.next_review_on or now + relativedelta(months=1),
                    )
                    changed = st.form_submit_button("Save", icon=":material/save:")
                if changed:
                    _attempt(
                        "plan",
                        "Plan updated.",
                        lambda: update_plan(
                            db,
                            actor,
                            detail.plan_id,
                            owner=plan_owner or None,
                            next_review_on=review_on,
                        ),
                    )

            st.markdown("#### Sign off and close the plan")
            if not detail.can_sign_off:
                st.info(
                    "Only a Provider Oversight Board member can sign off and close a plan.",
                    icon=":material/lock:",
                )
            else:
                not_done = len(actions) - done
                if not_done:
                    st.warning(
                        f"{not_done} action{'s are' if not_done != 1 else ' is'} not done yet. "
                        "Every action must be marked done, with its evidence, before the plan "
                        "is signed off.",
                        icon=":material/warning:",
                    )
                with st.form(f"close-plan-{detail.plan_id}-{generation}"):
                    rationale = st.text_area(
                        "Why the Board is satisfied the plan can close", max_chars=10_000
                    )
                    closed_on = st.date_input("Closed on", format=UK_DATE, value=now, max_value=now)
                    confirm = st.checkbox(
                        "I sign this plan off for the Provider Oversight Board. A closed plan "
                        "cannot be reopened."
                    )
                    close = st.form_submit_button("Sign off and close", icon=":material/lock:")
                if close:
                    if not confirm:
                        st.error("Tick the box to confirm the sign-off.")
                    else:
                        _attempt(
                            "plan",
                            "Plan signed off and closed.",
                            lambda: close_plan(
                                db, actor, detail.plan_id, rationale, closed_on, today=now
                            ),
                        )

# --- enhanced monitoring --------------------------------------------------------------------------
with monitoring_tab:
    _flash("monitoring")
    st.caption(
        "Closer watching of a provider, usually after an Amber rating: visits, a review date, and "
        "a written reason when it ends."
    )
    if can_manage:
        providers = providers or dict(provider_choices(db, actor))
        with st.expander("Start enhanced monitoring", icon=":material/add_circle:"):
            with st.form(f"start-monitoring-{generation}"):
                provider_id = st.selectbox(
                    "Provider", list(providers), format_func=providers.get, index=None
                )
                reason = st.text_area("Why", max_chars=10_000)
                lead = st.text_input("Lead (their sign-in name)", value=actor.username)
                left, right = st.columns(2)
                started_on = left.date_input("Started on", format=UK_DATE, value=now, max_value=now)
                review_on = right.date_input(
                    "Review date", format=UK_DATE, value=now + relativedelta(months=3)
                )
                started = st.form_submit_button("Start monitoring", icon=":material/add:")
            if started:
                _attempt(
                    "monitoring",
                    "Enhanced monitoring started.",
                    lambda: start_monitoring(
                        db,
                        actor,
                        provider_id or "",
                        started_on,
                        review_on,
                        reason,
                        lead,
                        today=now,
                    ),
                    then=lambda new_id: _choose(MONITORING_CHOICE, new_id, "monitoring"),
                )

    arrangements = monitoring_choices(db, actor)
    if not arrangements:
        st.info("No provider has been under enhanced monitoring yet.")
    else:
        ids = [a.monitoring_id for a in arrangements]
        labels = {a.monitoring_id: a.label() for a in arrangements}
        wanted = int(requested_monitoring) if (requested_monitoring or "").isdigit() else None
        monitoring_id = st.selectbox(
            "Enhanced monitoring",
            ids,
            index=0
            if MONITORING_CHOICE in st.session_state or wanted not in ids
            else ids.index(wanted),
            format_func=labels.get,
            key=MONITORING_CHOICE,
            on_change=_sync_param,
            args=(MONITORING_CHOICE, "monitoring"),
            help="Open arrangements first, then ended ones.",
        )
        monitoring = monitoring_detail(db, actor, monitoring_id, now)
        # The version this user saw when the forms were drawn: a save made with it is refused
        # if someone else changed the arrangement in between.
        seen_key = f"monitoring-version-{monitoring_id}"
        seen = st.session_state.get(seen_key, monitoring.version)
        st.session_state[seen_key] = monitoring.version

        st.subheader(f"{monitoring.provider_name}: enhanced monitoring {monitoring.reference}")
        st.markdown(f"**Progress:** {status_badge(monitoring.progress)} {monitoring.why}")
        cards.facts(
            ("Started", long_date(monitoring.started_on)),
            ("Lead", monitoring.lead or "not set"),
            (
                "Ended" if not monitoring.is_open else "Review date",
                long_date(monitoring.ended_on if not monitoring.is_open else monitoring.review_on),
            ),
            ("Visits", fmt.whole(len(monitoring.visits))),
        )
        st.markdown(f"**Why:** {fmt.plain(monitoring.reason or 'not recorded')}")
        if not monitoring.is_open:
            st.info(
                f"Ended on {long_date(monitoring.ended_on)} by {monitoring.ended_by}: "
                f"{monitoring.end_rationale}",
                icon=":material/lock:",
            )
        if monitoring.visits.empty:
            st.caption("No visits recorded yet.")
        else:
            st.dataframe(
                monitoring.visits.rename(
                    columns={
                        "visited_on": "Visited on",
                        "visited_by": "Visited by",
                        "findings": "What was found",
                        "recorded_by": "Recorded by",
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    "Visited on": DATE,
                    "What was found": st.column_config.TextColumn(width="large"),
                },
            )

        if monitoring.is_open and monitoring.can_manage:
            left, right = st.columns(2)
            with left.form(f"visit-{monitoring_id}-{generation}"):
                st.markdown("**Record a visit**")
                visited_on = st.date_input("Visited on", format=UK_DATE, value=now, max_value=now)
                visited_by = st.text_input("Visited by", value=actor.username, max_chars=200)
                findings = st.text_area("What was found", max_chars=10_000)
                visited = st.form_submit_button("Record the visit", icon=":material/add:")
            if visited:
                _attempt(
                    "monitoring",
                    "Visit recorded.",
                    lambda: record_visit(
                        db,
                        actor,
                        monitoring_id,
                        visited_on,
                        visited_by,
                        findings,
                        version=seen,
                        today=now,
                    ),
                )
            with right.form(f"review-{monitoring_id}-{generation}"):
                st.markdown("**Review date and lead**")
                new_review = st.date_input(
                    "Review date",
                    format=UK_DATE,
                    value=monitoring.review_on or now + relativedelta(months=1),
                )
                new_lead = st.text_input("Lead", value=monitoring.lead or "", max_chars=200)
                reviewed = st.form_submit_button("Save", icon=":material/save:")
            if reviewed:
                _attempt(
                    "monitoring",
                    "Enhanced monitoring updated.",
                    lambda: update_monitoring(
                        db,
                        actor,
                        monitoring_id,
                        review_on=new_review,
                        lead=new_lead or None,
                        version=seen,
                    ),
                )
            with st.form(f"end-{monitoring_id}-{generation}"):
                st.markdown("**End enhanced monitoring**")
                end_reason = st.text_area("Why monitoring can end (required)", max_chars=10_000)
                ended_on = st.date_input("Ended on", format=UK_DATE, value=now, max_value=now)
                ended = st.form_submit_button("End monitoring", icon=":material/lock:")
            if ended:
                _attempt(
                    "monitoring",
                    "Enhanced monitoring ended.",
                    lambda: end_monitoring(
                        db, actor, monitoring_id, ended_on, end_reason, version=seen, today=now
                    ),
                )
