"""Improvement plans and enhanced monitoring: what is open and due, one plan in detail, monitoring.

Other pages link to one plan with `plans?plan=PLAN-ID` and to one arrangement with
`plans?monitoring=ID` (sgoversight.plans.plan_link, monitoring_link). The landing page's plan
lines open `plans?show=KEY`: the "Everything open" list filtered to exactly that line's records,
by its own rule (sgoversight.attention.plan_list). Provider staff get their
own service's workstream here instead (sgoversight.plans.provider_workstream): the open plan and
its actions without the council's internal text, with a box to add evidence to each action
assigned to their service. Every change runs in its
button's callback (ui.writes), so the page drawn next shows the record as saved; a form that is
refused shows every problem at once, beside its field, in the words on the form (ui.forms).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import streamlit as st
from dateutil.relativedelta import relativedelta

from sgoversight import attention
from sgoversight.auth import Actor, Permission
from sgoversight.board.month import rag_text
from sgoversight.errors import FormInvalid
from sgoversight.periods import parse_month
from sgoversight.plans import (
    ACTION_STATUS_ORDER,
    DUE_SOON_DAYS,
    MONITORING_KIND,
    NEEDS_SETUP,
    PLAN_KIND,
    action_timeline_chart,
    add_action,
    add_provider_evidence,
    close_plan,
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
    provider_workstream,
    record_visit,
    start_monitoring,
    status_badge,
    status_text,
    update_action,
    update_monitoring,
    update_plan,
)
from ui import cards, forms, writes
from ui import format as fmt
from ui.address import shown_list, shown_list_notice
from ui.context import current_actor, engine, require, today
from ui.navigation import link_to_page
from ui.rag import RAG_BACKGROUND, labelled_column
from ui.table_search import filter_frame, found_line, search_box

WORKSTREAM_PAGE = "plans-workstream"


def _add_evidence(provider_actor: Actor, action_id: str, version: int) -> None:
    """The provider's evidence form's callback."""
    key = f"our-evidence-{action_id}"
    writes.run(
        WORKSTREAM_PAGE,
        lambda: add_provider_evidence(
            engine(),
            provider_actor,
            action_id,
            st.session_state.get(key, ""),
            version=version,
            today=today(),
        ),
        "Evidence added. The council will see it.",
        form=f"{key}-form",
        where=action_id,
        clear=[key],
    )


def _our_workstream(provider_actor: Actor) -> None:
    """What provider staff see here: their service's open plan, its actions, and a box to add
    evidence to each action assigned to the service (the domain checks every part of it)."""
    provider_id = provider_actor.provider_scope()
    seen = provider_workstream(engine(), provider_actor, str(provider_id), today())
    st.title(f"{fmt.plain(seen.provider_name)}: improvement plan")
    st.caption(
        "What the council is working on with your service. Actions marked as yours are "
        "assigned to your service: add evidence to them here. Other actions are the council's."
    )
    link_to_page(
        "pages/alerts.py",
        "Your service's quality alerts and the notes the council shares with you",
        ":material/list_alt:",
        {},
    )
    if seen.rating is not None:
        st.markdown(
            f"**Monthly rating for {parse_month(seen.rating.board_month).start:%B %Y}:** "
            f"{rag_text(seen.rating.rating)}"
        )
        for reason in seen.rating.reasons:
            st.markdown(f"- {fmt.plain(reason)}")
    if seen.plan_id is None:
        st.info("Your service has no open improvement plan.", icon=":material/check_circle:")
        return
    review = fmt.long_date(seen.next_review_on) if seen.next_review_on else "not set yet"
    st.markdown(
        f"Plan **{fmt.plain(seen.plan_id)}**, opened {fmt.long_date(seen.opened_on)} · "
        f"progress: {status_badge(seen.progress or '')} · next review: {review}"
    )
    for action in seen.actions:
        with st.container(border=True):
            whose = "Yours" if action.ours else "The council's"
            done = (
                f"done {fmt.long_date(action.completed_on)}"
                if action.completed_on
                else f"due {fmt.long_date(action.due_on)}"
            )
            st.markdown(
                f"**{fmt.plain(action.description)}**  \n"
                f"{whose} · {status_badge(action.status)} · {done}"
            )
            if not action.ours:
                continue
            writes.show(WORKSTREAM_PAGE, where=action.action_id)
            if action.evidence:
                st.caption("Evidence so far")
                st.markdown(fmt.plain(action.evidence))
            if action.completed_on is None:
                key = f"our-evidence-{action.action_id}"
                with st.form(f"{key}-form"):
                    st.text_area("Add evidence", max_chars=5000, height=90, key=key)
                    forms.beside(f"{key}-form", "evidence")
                    st.form_submit_button(
                        "Add the evidence",
                        icon=":material/note_add:",
                        on_click=_add_evidence,
                        args=(provider_actor, action.action_id, action.version),
                    )


signed_in = current_actor()
if (
    signed_in is not None
    and not signed_in.can(Permission.VIEW_PLANS)
    and signed_in.can(Permission.WORK_ON_OWN_PLAN)
):
    _our_workstream(signed_in)
    st.stop()

actor = require(Permission.VIEW_PLANS)
now = today()
db = engine()
can_manage = actor.can(Permission.MANAGE_PLANS)

PAGE = "plans"
SEARCH = "q"  # the overview's search, kept in the address while a plan or arrangement is open
PLAN_CHOICE, MONITORING_CHOICE = "plan_choice", "monitoring_choice"
TAB_KEY = "plans_tab"
FORM_GENERATION = "plans_form_generation"
TABS = ("Everything open", "One plan in detail", "Enhanced monitoring")
#: Each form's fields in the words that form uses (ui.forms puts each problem beside its field;
#: a problem about anything else, such as actions not done yet, is listed at the form's top).
OPEN_PLAN_LABELS = {
    "provider_id": "Provider",
    "reason": "Why the plan is needed",
    "owner": "Plan owner (their sign-in name)",
    "opened_on": "Opened on",
    "next_review_on": "Next review",
}
ACTION_LABELS = {
    "evidence": "Evidence",
    "due_on": "Due date",
    "owner": "Owner",
    "completed_on": "Completed on (when marking it done)",
}
ADD_ACTION_LABELS = {"description": "Action", "owner": "Owner", "due_on": "Due date"}
PLAN_LABELS = {"owner": "Plan owner (their sign-in name)", "next_review_on": "Next review"}
CLOSE_LABELS = {
    "rationale": "Why the Board is satisfied the plan can close",
    "closed_on": "Closed on",
    "confirm": "Sign-off",
}
START_LABELS = {
    "provider_id": "Provider",
    "reason": "Why",
    "lead": "Lead (their sign-in name)",
    "started_on": "Started on",
    "review_on": "Review date",
}
VISIT_LABELS = {
    "visited_on": "Visited on",
    "visited_by": "Visited by",
    "findings": "What was found",
}
REVIEW_LABELS = {"review_on": "Review date", "lead": "Lead"}
END_LABELS = {"rationale": "Why monitoring can end (required)", "ended_on": "Ended on"}
DATE = st.column_config.DateColumn(format="D MMM YYYY")
UK_DATE = "DD/MM/YYYY"
#: A soft background behind a status word (the word and its symbol carry the meaning).
STATUS_BACKGROUND = {
    "Overdue": RAG_BACKGROUND["Red"],
    "At risk": RAG_BACKGROUND["Amber"],
    "Due soon": RAG_BACKGROUND["Amber"],
    NEEDS_SETUP: RAG_BACKGROUND["Amber"],
    "On track": RAG_BACKGROUND["Green"],
    "Done": RAG_BACKGROUND["Green"],
}

generation = st.session_state.get(FORM_GENERATION, 0)


#: A status column: each status's icon and word as a tag on its soft colour (ui.rag).
STATUS_COLUMN = labelled_column(
    {status_text(status): colour for status, colour in STATUS_BACKGROUND.items()}
)


def _key(form: str, name: str) -> str:
    return f"{form}-{name}"


def _value(form: str, name: str, default: Any = None) -> Any:
    return st.session_state.get(_key(form, name), default)


def _save(
    where: str,
    form: str,
    change: Callable[[], Any],
    done: str,
    then: Callable[[Any], None] | None = None,
) -> None:
    """Run a domain write from a form's callback (ui.writes). On success every form starts afresh
    (so a saved entry is not left to be saved twice) and `then` gets the result; on a refusal
    what was typed stays, with every problem beside its field."""
    result = writes.run(
        PAGE,
        change,
        done,
        form=form,
        where=where,
        reset={FORM_GENERATION: generation + 1},
    )
    if result is not None and then is not None:
        then(result)


def _flash(where: str) -> None:
    """The last change's outcome, once; a refused form already says so at its top."""
    flash = writes.peek(PAGE)
    if flash is not None and flash.kind == "error" and flash.where == where and flash.problems:
        writes.take(PAGE, where)  # shown by the form itself, beside each field
        return
    writes.show(PAGE, where=where)


def _clear_address() -> None:
    """Leave only the overview's search and filter in the address, before naming one plan or
    arrangement."""
    for param in [p for p in st.query_params if p not in {SEARCH, attention.SHOW}]:
        del st.query_params[param]


def _show_plan(plan_id: str) -> None:
    st.session_state[PLAN_CHOICE] = plan_id
    _clear_address()
    st.query_params["plan"] = plan_id


def _show_monitoring(monitoring_id: int) -> None:
    st.session_state[MONITORING_CHOICE] = monitoring_id
    _clear_address()
    st.query_params["monitoring"] = str(monitoring_id)


def _sync_param(key: str, param: str) -> None:
    _clear_address()
    st.query_params[param] = str(st.session_state[key])


def _open_selected(table_key: str, links: list[str]) -> None:
    """Row-selection callback: show the selected row's plan or arrangement in its tab.

    Why not a link column: a link opens a new browser tab, which starts a new session."""
    rows = st.session_state[table_key].selection.rows
    if not rows:
        return
    query = parse_qs(urlsplit(links[rows[0]]).query)
    if "plan" in query:
        _show_plan(query["plan"][0])
        st.session_state[TAB_KEY] = TABS[1]
    elif "monitoring" in query:
        _show_monitoring(int(query["monitoring"][0]))
        st.session_state[TAB_KEY] = TABS[2]


def _shown_line() -> attention.Line | None:
    """The landing page's plan line the address asks to show (`?show=KEY`), by its own rule;
    None for everything."""
    offered = {key: key for key in attention.PLAN_LISTS}
    if not actor.can(Permission.VIEW_BOARD):
        offered.pop(attention.WORK_NOT_STARTED)
    key = shown_list(offered)
    return None if key is None else attention.plan_list(db, actor, now, key)


def _notice(line: attention.Line, rows: int) -> None:
    """Say which line's records are listed, counting the rows drawn, with "Show all"."""
    shown_list_notice(line.title[0].lower() + line.title[1:], rows, key="plans-show-all")


def _only(frame: pd.DataFrame, line: attention.Line) -> pd.DataFrame:
    """The rows of the open plans and arrangements that `line` lists (by plan or arrangement id)."""
    wanted = {tuple(sorted(item.params.items())) for item in line.items}
    opened = [
        tuple(sorted((k, v[0]) for k, v in parse_qs(urlsplit(link).query).items()))
        for link in frame["link"]
    ]
    return frame[[row in wanted for row in opened]]


def _decisions_not_started(line: attention.Line) -> None:
    """The Board's decisions whose work has not started: each provider, why, and a link to it."""
    _notice(line, line.count)  # one link per record below
    if not line.count:
        st.info("Every decision of the month has its work under way.")
    for item in line.items:
        link_to_page(
            item.page or "pages/provider.py",
            fmt.plain(f"{item.label} — {item.detail}"),
            ":material/arrow_forward:",
            item.params,
        )


# --- the forms' callbacks: each reads what was typed by the form's keys --------------------------


def _open_plan(form: str) -> None:
    _save(
        "plan",
        form,
        lambda: open_plan(
            db,
            actor,
            _value(form, "provider") or "",
            _value(form, "reason", ""),
            _value(form, "owner", ""),
            _value(form, "opened_on"),
            _value(form, "next_review_on"),
            today=now,
        ),
        "Improvement plan opened.",
        then=_show_plan,
    )


def _save_action(form: str, action_id: str, version: int, is_done: bool, marking: bool) -> None:
    """Save the action's one form: evidence, due date and owner, and mark it done when asked."""
    _save(
        "plan",
        form,
        lambda: update_action(
            db,
            actor,
            action_id,
            evidence=_value(form, "evidence", ""),
            due_on=None if is_done else _value(form, "due_on"),
            owner=_value(form, "owner"),
            completed_on=_value(form, "completed_on") if marking else None,
            version=version,
            today=now,
        ),
        "Action marked done." if marking else "Action updated.",
    )


def _add_action(form: str, plan_id: str) -> None:
    _save(
        "plan",
        form,
        lambda: add_action(
            db,
            actor,
            plan_id,
            _value(form, "description", ""),
            _value(form, "owner", ""),
            _value(form, "due_on"),
        ),
        "Action added.",
    )


def _update_plan(form: str, plan_id: str, version: int) -> None:
    _save(
        "plan",
        form,
        lambda: update_plan(
            db,
            actor,
            plan_id,
            owner=_value(form, "owner") or None,
            next_review_on=_value(form, "next_review_on"),
            version=version,
        ),
        "Plan updated.",
    )


def _close_plan(form: str, plan_id: str, version: int) -> None:
    def change() -> None:
        if not _value(form, "confirm"):
            raise FormInvalid(
                {"confirm": "tick the box to confirm the sign-off"},
                "The improvement plan was not closed",
            )
        close_plan(
            db,
            actor,
            plan_id,
            _value(form, "rationale", ""),
            _value(form, "closed_on"),
            version=version,
            today=now,
        )

    _save("plan", form, change, "Plan signed off and closed.")


def _start_monitoring(form: str) -> None:
    _save(
        "monitoring",
        form,
        lambda: start_monitoring(
            db,
            actor,
            _value(form, "provider") or "",
            _value(form, "started_on"),
            _value(form, "review_on"),
            _value(form, "reason", ""),
            _value(form, "lead", ""),
            today=now,
        ),
        "Enhanced monitoring started.",
        then=_show_monitoring,
    )


def _record_visit(form: str, monitoring_id: int, version: int) -> None:
    _save(
        "monitoring",
        form,
        lambda: record_visit(
            db,
            actor,
            monitoring_id,
            _value(form, "visited_on"),
            _value(form, "visited_by", ""),
            _value(form, "findings", ""),
            version=version,
            today=now,
        ),
        "Visit recorded.",
    )


def _review_monitoring(form: str, monitoring_id: int, version: int) -> None:
    _save(
        "monitoring",
        form,
        lambda: update_monitoring(
            db,
            actor,
            monitoring_id,
            review_on=_value(form, "review_on"),
            lead=_value(form, "lead") or None,
            version=version,
        ),
        "Enhanced monitoring updated.",
    )


def _end_monitoring(form: str, monitoring_id: int, version: int) -> None:
    _save(
        "monitoring",
        form,
        lambda: end_monitoring(
            db,
            actor,
            monitoring_id,
            _value(form, "ended_on"),
            _value(form, "rationale", ""),
            version=version,
            today=now,
        ),
        "Enhanced monitoring ended.",
    )


st.title("Improvement plans and monitoring")
st.caption(
    "Improvement plans the Provider Oversight Board asked providers for, their actions, and "
    "enhanced monitoring. Progress is always shown as a word with a symbol: ◇ Needs setting up "
    "(no owner, next review date or action yet), ✖ Overdue (an action is past its due date), "
    f"▲ At risk (an action is due in the next {DUE_SOON_DAYS} days), ● On track, ■ Closed."
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

    search = search_box(
        "Search provider, reference, why, owner, action",
        page=PAGE,
        param=SEARCH,
        placeholder="e.g. a provider's name, PLAN-0003, medication, an owner",
        help="Searches both lists below.",
    )
    st.subheader("Everything open, most urgent first")
    showing = _shown_line()
    if showing is not None and showing.key != attention.WORK_NOT_STARTED:
        open_items = _only(open_items, showing)
        _notice(showing, len(open_items))
    open_listed = len(open_items)
    open_items = filter_frame(
        open_items, search, ["progress_text", "kind", "reference", "provider", "why", "owner"]
    )
    if showing is not None and showing.key == attention.WORK_NOT_STARTED:
        _decisions_not_started(showing)  # providers, some with nothing open: a list of their own
    elif not open_listed:
        st.info("No improvement plan or enhanced monitoring is open.")
    elif found_line(search, len(open_items), open_listed, "plans and arrangements"):
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
            shown,
            placeholder="not set",
            hide_index=True,
            width="stretch",
            key="portfolio-table",
            on_select=partial(_open_selected, "portfolio-table", list(open_items["link"])),
            selection_mode="single-row",
            column_config={
                "Progress": STATUS_COLUMN,
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
    due_listed = len(due)
    due = filter_frame(due, search, ["status_text", "what", "kind", "provider", "owner"])
    if not due_listed:
        st.caption(
            "Nothing of yours is overdue or due in the next "
            f"{DUE_SOON_DAYS} days. An action counts as yours when you own it or its plan."
            if own_only
            else f"Nothing is due in the next {DUE_SOON_DAYS} days."
        )
    elif found_line(search, len(due), due_listed, "actions and reviews"):
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
            listed,
            hide_index=True,
            width="stretch",
            key="due-table",
            on_select=partial(_open_selected, "due-table", list(due["link"])),
            selection_mode="single-row",
            column_config={
                "Status": STATUS_COLUMN,
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
        form = f"open-plan-{generation}"
        with (
            st.expander("Open a new improvement plan", icon=":material/add_circle:"),
            st.form(form),
        ):
            forms.summary(form, OPEN_PLAN_LABELS, "The improvement plan was not opened")
            st.selectbox(
                OPEN_PLAN_LABELS["provider_id"],
                list(providers),
                format_func=providers.get,
                index=None,
                key=_key(form, "provider"),
            )
            forms.beside(form, "provider_id")
            st.text_area(
                OPEN_PLAN_LABELS["reason"],
                max_chars=10_000,
                help="What the Board or the commissioners found, in plain words.",
                key=_key(form, "reason"),
            )
            forms.beside(form, "reason")
            st.text_input(
                OPEN_PLAN_LABELS["owner"],
                max_chars=64,
                help="The person who keeps the plan up to date. They can update every action "
                "of the plan.",
                key=_key(form, "owner"),
            )
            forms.beside(form, "owner")
            left, right = st.columns(2)
            with left:
                st.date_input(
                    OPEN_PLAN_LABELS["opened_on"],
                    format=UK_DATE,
                    value=now,
                    max_value=now,
                    key=_key(form, "opened_on"),
                )
                forms.beside(form, "opened_on")
            with right:
                st.date_input(
                    OPEN_PLAN_LABELS["next_review_on"],
                    format=UK_DATE,
                    value=now + relativedelta(months=1),
                    key=_key(form, "next_review_on"),
                )
                forms.beside(form, "next_review_on")
            st.form_submit_button(
                "Open the plan", icon=":material/add:", on_click=_open_plan, args=(form,)
            )

    choices = plan_choices(db, actor)
    if not choices:
        st.info("There are no improvement plans yet.")
    else:
        ids = [c.plan_id for c in choices]
        labels = {c.plan_id: c.label() for c in choices}
        if requested_plan and requested_plan not in ids:
            st.warning(
                f"There is no improvement plan {fmt.plain(requested_plan)}; showing another.",
                icon=":material/warning:",
            )
        if st.session_state.get(PLAN_CHOICE) not in ids:
            st.session_state[PLAN_CHOICE] = requested_plan if requested_plan in ids else ids[0]
        plan_id = st.selectbox(
            "Improvement plan",
            ids,
            format_func=labels.get,
            key=PLAN_CHOICE,
            on_change=_sync_param,
            args=(PLAN_CHOICE, "plan"),
            help="Open plans first, then closed ones.",
        )
        detail = plan_detail(db, actor, plan_id, now)
        actions = detail.actions
        done = int((actions["status"] == "Done").sum())

        st.subheader(
            f"{fmt.plain(detail.provider_name)}: improvement plan {fmt.plain(detail.plan_id)}"
        )
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
        if detail.progress == NEEDS_SETUP and detail.can_manage:
            st.info(
                "To set this plan up, give it an owner and a next review date (Plan owner and "
                "next review, below) and add at least one action.",
                icon=":material/construction:",
            )
        st.markdown(f"**Why the plan was opened:** {fmt.plain(detail.reason)}")
        if detail.board_decision_id is not None:
            st.caption(f"Opened from Provider Oversight Board decision {detail.board_decision_id}.")
        if not detail.is_open:
            st.info(
                f"Closed on {long_date(detail.closed_on)}"
                + (
                    f", signed off by {fmt.plain(detail.signed_off_by)}"
                    if detail.signed_off_by
                    else ""
                )
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
                table,
                placeholder="—",
                hide_index=True,
                width="stretch",
                column_config={
                    "Status": STATUS_COLUMN,
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
                version = int(chosen["version"])
                form = f"action-{action_id}-{generation}"
                with st.form(form):
                    forms.summary(form, ACTION_LABELS)
                    st.text_area(
                        ACTION_LABELS["evidence"],
                        value=chosen["evidence"] if pd.notna(chosen["evidence"]) else "",
                        max_chars=10_000,
                        help="What shows the action is happening or done: for example the audit "
                        "report or the training record. The same box serves both buttons.",
                        key=_key(form, "evidence"),
                    )
                    forms.beside(form, "evidence")
                    left, middle, right = st.columns(3)
                    with left:
                        st.date_input(
                            ACTION_LABELS["due_on"],
                            format=UK_DATE,
                            value=chosen["due_on"].date(),
                            disabled=is_done,
                            help="A done action keeps its due date." if is_done else None,
                            key=_key(form, "due_on"),
                        )
                        forms.beside(form, "due_on")
                    if can_manage:
                        with middle:
                            st.text_input(
                                ACTION_LABELS["owner"],
                                value=chosen["owner"],
                                max_chars=200,
                                key=_key(form, "owner"),
                            )
                            forms.beside(form, "owner")
                    if not is_done:
                        with right:
                            st.date_input(
                                ACTION_LABELS["completed_on"],
                                format=UK_DATE,
                                value=now,
                                max_value=now,
                                key=_key(form, "completed_on"),
                            )
                            forms.beside(form, "completed_on")
                    left, right = st.columns(2)
                    left.form_submit_button(
                        "Save changes",
                        icon=":material/save:",
                        on_click=_save_action,
                        args=(form, action_id, version, is_done, False),
                    )
                    if not is_done:
                        right.form_submit_button(
                            "Save and mark as done",
                            icon=":material/task_alt:",
                            type="primary",
                            on_click=_save_action,
                            args=(form, action_id, version, is_done, True),
                        )
                if is_done:
                    st.success(
                        f"Done on {long_date(chosen['completed_on'])}.", icon=":material/task_alt:"
                    )
            elif not actions.empty:
                st.caption(
                    "You can update only the actions you own (you are their owner or the plan's)."
                )

            if can_manage:
                left, right = st.columns(2)
                form = f"add-action-{detail.plan_id}-{generation}"
                with left.form(form):
                    st.markdown("**Add an action**")
                    forms.summary(form, ADD_ACTION_LABELS, "The action was not added")
                    st.text_area(
                        ADD_ACTION_LABELS["description"],
                        max_chars=10_000,
                        key=_key(form, "description"),
                    )
                    forms.beside(form, "description")
                    st.text_input(
                        ADD_ACTION_LABELS["owner"],
                        max_chars=200,
                        help="Use the person's sign-in name so they can update it themselves.",
                        key=_key(form, "owner"),
                    )
                    forms.beside(form, "owner")
                    st.date_input(
                        ADD_ACTION_LABELS["due_on"],
                        format=UK_DATE,
                        value=now + relativedelta(weeks=4),
                        key=_key(form, "due_on"),
                    )
                    forms.beside(form, "due_on")
                    st.form_submit_button(
                        "Add the action",
                        icon=":material/add:",
                        on_click=_add_action,
                        args=(form, detail.plan_id),
                    )
                form = f"update-plan-{detail.plan_id}-{generation}"
                with right.form(form):
                    st.markdown("**Plan owner and next review**")
                    forms.summary(form, PLAN_LABELS, "The plan was not changed")
                    st.text_input(
                        PLAN_LABELS["owner"],
                        value=detail.owner or "",
                        max_chars=64,
                        key=_key(form, "owner"),
                    )
                    forms.beside(form, "owner")
                    st.date_input(
                        PLAN_LABELS["next_review_on"],
                        format=UK_DATE,
                        value=detail.next_review_on or now + relativedelta(months=1),
                        key=_key(form, "next_review_on"),
                    )
                    forms.beside(form, "next_review_on")
                    st.form_submit_button(
                        "Save",
                        icon=":material/save:",
                        on_click=_update_plan,
                        args=(form, detail.plan_id, detail.version),
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
                form = f"close-plan-{detail.plan_id}-{generation}"
                with st.form(form):
                    forms.summary(form, CLOSE_LABELS, "The plan was not closed")
                    st.text_area(
                        CLOSE_LABELS["rationale"], max_chars=10_000, key=_key(form, "rationale")
                    )
                    forms.beside(form, "rationale")
                    st.date_input(
                        CLOSE_LABELS["closed_on"],
                        format=UK_DATE,
                        value=now,
                        max_value=now,
                        key=_key(form, "closed_on"),
                    )
                    forms.beside(form, "closed_on")
                    st.checkbox(
                        "I sign this plan off for the Provider Oversight Board. A closed plan "
                        "cannot be reopened.",
                        key=_key(form, "confirm"),
                    )
                    forms.beside(form, "confirm")
                    st.form_submit_button(
                        "Sign off and close",
                        icon=":material/lock:",
                        on_click=_close_plan,
                        args=(form, detail.plan_id, detail.version),
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
        form = f"start-monitoring-{generation}"
        with (
            st.expander("Start enhanced monitoring", icon=":material/add_circle:"),
            st.form(form),
        ):
            forms.summary(form, START_LABELS, "Enhanced monitoring was not started")
            st.selectbox(
                START_LABELS["provider_id"],
                list(providers),
                format_func=providers.get,
                index=None,
                key=_key(form, "provider"),
            )
            forms.beside(form, "provider_id")
            st.text_area(START_LABELS["reason"], max_chars=10_000, key=_key(form, "reason"))
            forms.beside(form, "reason")
            st.text_input(START_LABELS["lead"], value=actor.username, key=_key(form, "lead"))
            forms.beside(form, "lead")
            left, right = st.columns(2)
            with left:
                st.date_input(
                    START_LABELS["started_on"],
                    format=UK_DATE,
                    value=now,
                    max_value=now,
                    key=_key(form, "started_on"),
                )
                forms.beside(form, "started_on")
            with right:
                st.date_input(
                    START_LABELS["review_on"],
                    format=UK_DATE,
                    value=now + relativedelta(months=3),
                    key=_key(form, "review_on"),
                )
                forms.beside(form, "review_on")
            st.form_submit_button(
                "Start monitoring", icon=":material/add:", on_click=_start_monitoring, args=(form,)
            )

    arrangements = monitoring_choices(db, actor)
    if not arrangements:
        st.info("No provider has been under enhanced monitoring yet.")
    else:
        ids = [a.monitoring_id for a in arrangements]
        labels = {a.monitoring_id: a.label() for a in arrangements}
        wanted = int(requested_monitoring) if (requested_monitoring or "").isdigit() else None
        if requested_monitoring and wanted not in ids:
            st.warning(
                f"There is no enhanced monitoring {fmt.plain(requested_monitoring)}; "
                "showing another.",
                icon=":material/warning:",
            )
        if st.session_state.get(MONITORING_CHOICE) not in ids:
            st.session_state[MONITORING_CHOICE] = wanted if wanted in ids else ids[0]
        monitoring_id = st.selectbox(
            "Enhanced monitoring",
            ids,
            format_func=labels.get,
            key=MONITORING_CHOICE,
            on_change=_sync_param,
            args=(MONITORING_CHOICE, "monitoring"),
            help="Open arrangements first, then ended ones.",
        )
        monitoring = monitoring_detail(db, actor, monitoring_id, now)

        st.subheader(
            f"{fmt.plain(monitoring.provider_name)}: enhanced monitoring {monitoring.reference}"
        )
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
                f"Ended on {long_date(monitoring.ended_on)} by "
                f"{fmt.plain(monitoring.ended_by or '')}: "
                f"{fmt.plain(monitoring.end_rationale or '')}",
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
            # The version drawn now goes with each form: a save made from it is refused if
            # someone else changed the arrangement in between.
            seen = monitoring.version
            left, right = st.columns(2)
            form = f"visit-{monitoring_id}-{generation}"
            with left.form(form):
                st.markdown("**Record a visit**")
                forms.summary(form, VISIT_LABELS, "The visit was not recorded")
                st.date_input(
                    VISIT_LABELS["visited_on"],
                    format=UK_DATE,
                    value=now,
                    max_value=now,
                    key=_key(form, "visited_on"),
                )
                forms.beside(form, "visited_on")
                st.text_input(
                    VISIT_LABELS["visited_by"],
                    value=actor.username,
                    max_chars=200,
                    key=_key(form, "visited_by"),
                )
                forms.beside(form, "visited_by")
                st.text_area(VISIT_LABELS["findings"], max_chars=10_000, key=_key(form, "findings"))
                forms.beside(form, "findings")
                st.form_submit_button(
                    "Record the visit",
                    icon=":material/add:",
                    on_click=_record_visit,
                    args=(form, monitoring_id, seen),
                )
            form = f"review-{monitoring_id}-{generation}"
            with right.form(form):
                st.markdown("**Review date and lead**")
                forms.summary(form, REVIEW_LABELS, "Enhanced monitoring was not changed")
                st.date_input(
                    REVIEW_LABELS["review_on"],
                    format=UK_DATE,
                    value=monitoring.review_on or now + relativedelta(months=1),
                    key=_key(form, "review_on"),
                )
                forms.beside(form, "review_on")
                st.text_input(
                    REVIEW_LABELS["lead"],
                    value=monitoring.lead or "",
                    max_chars=200,
                    key=_key(form, "lead"),
                )
                forms.beside(form, "lead")
                st.form_submit_button(
                    "Save",
                    icon=":material/save:",
                    on_click=_review_monitoring,
                    args=(form, monitoring_id, seen),
                )
            form = f"end-{monitoring_id}-{generation}"
            with st.form(form):
                st.markdown("**End enhanced monitoring**")
                forms.summary(form, END_LABELS, "Enhanced monitoring was not ended")
                st.text_area(END_LABELS["rationale"], max_chars=10_000, key=_key(form, "rationale"))
                forms.beside(form, "rationale")
                st.date_input(
                    END_LABELS["ended_on"],
                    format=UK_DATE,
                    value=now,
                    max_value=now,
                    key=_key(form, "ended_on"),
                )
                forms.beside(form, "ended_on")
                st.form_submit_button(
                    "End monitoring",
                    icon=":material/lock:",
                    on_click=_end_monitoring,
                    args=(form, monitoring_id, seen),
                )
