"""The plans page's first tab, "Everything open": the figures, every open plan and arrangement
most urgent first, and what is due soon (or, for a plan owner, their own actions and reviews).
The landing page's plan lines open it filtered to exactly that line's records (`?show=KEY`)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from sgoversight import attention
from sgoversight.auth import Permission
from sgoversight.plans.read import due_soon, only_listed, only_own_actions, portfolio
from sgoversight.plans.rules import DUE_SOON_DAYS, MONITORING_KIND, PLAN_KIND
from ui import format as fmt
from ui.address import shown_list, shown_list_notice
from ui.navigation import link_to_page
from ui.plans_shared import DATE, PAGE, SEARCH, STATUS_COLUMN, PlansView, open_selected
from ui.table_search import filter_frame, found_line, search_box


def _shown_line(view: PlansView) -> attention.Line | None:
    """The landing page's plan line the address asks to show (`?show=KEY`), by its own rule;
    None for everything."""
    offered = {key: key for key in attention.PLAN_LISTS}
    if not view.actor.can(Permission.VIEW_BOARD):
        offered.pop(attention.WORK_NOT_STARTED)
    key = shown_list(offered)
    return None if key is None else attention.plan_list(view.db, view.actor, view.now, key)


def _notice(line: attention.Line, rows: int) -> None:
    """Say which line's records are listed, counting the rows drawn, with "Show all"."""
    shown_list_notice(line.title[0].lower() + line.title[1:], rows, key="plans-show-all")


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


def _figures(open_items: pd.DataFrame) -> None:
    """Open plans, those overdue and at risk, and the providers under enhanced monitoring."""
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


def _open_list(view: PlansView, open_items: pd.DataFrame, search: str) -> None:
    """Everything open, most urgent first (only the landing page's line's records when asked)."""
    st.subheader("Everything open, most urgent first")
    showing = _shown_line(view)
    if showing is not None and showing.key != attention.WORK_NOT_STARTED:
        open_items = only_listed(open_items, [item.params for item in showing.items])
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
            on_select=partial(open_selected, "portfolio-table", list(open_items["link"])),
            selection_mode="single-row",
            column_config={
                "Progress": STATUS_COLUMN,
                "Why": st.column_config.TextColumn(width="medium"),
                "Next review": DATE,
            },
        )


def _due_list(view: PlansView, search: str) -> None:
    """What is due in the next days; a plan owner sees their own, overdue ones included."""
    own_only = only_own_actions(view.actor)
    if own_only:
        st.subheader(f"Your actions and reviews: overdue or due in the next {DUE_SOON_DAYS} days")
        due = due_soon(view.db, view.actor, view.now, include_overdue=True)
    else:
        st.subheader(f"Due in the next {DUE_SOON_DAYS} days")
        due = due_soon(view.db, view.actor, view.now)
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
            on_select=partial(open_selected, "due-table", list(due["link"])),
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


def everything_open(view: PlansView) -> None:
    """The first tab: the figures, everything open, and what is due soon."""
    open_items = portfolio(view.db, view.actor, view.now)
    _figures(open_items)
    search = search_box(
        "Search provider, reference, why, owner, action",
        page=PAGE,
        param=SEARCH,
        placeholder="e.g. a provider's name, PLAN-0003, medication, an owner",
        help="Searches both lists below.",
    )
    _open_list(view, open_items, search)
    _due_list(view, search)
