"""The plans page's second tab, "One plan in detail": choosing a plan (the address names it),
its progress and facts, its actions as a table and a timeline, and the forms the person may use
(ui.plans_forms)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.plans.output import action_timeline_chart
from sgoversight.plans.read import PlanDetail, plan_choices, plan_detail
from sgoversight.plans.rules import NEEDS_SETUP, long_date, status_badge
from ui import cards
from ui import format as fmt
from ui.plans_forms import manage_plan_forms, open_plan_form, sign_off_form, update_action_form
from ui.plans_shared import (
    DATE,
    PLAN_CHOICE,
    STATUS_COLUMN,
    PlansView,
    choose_named,
    flash,
)


def _chosen_plan(view: PlansView, requested: str | None) -> str | None:
    """The plan to show: the one chosen, else the one the address names, else the first; None
    when there are no plans. A plan the address names that does not exist is said so."""
    choices = plan_choices(view.db, view.actor)
    if not choices:
        st.info("There are no improvement plans yet.")
        return None
    return choose_named(
        "Improvement plan",
        {c.plan_id: c.label() for c in choices},
        requested,
        requested,
        choice_key=PLAN_CHOICE,
        param="plan",
        what="improvement plan",
        help="Open plans first, then closed ones.",
    )


def _about(detail: PlanDetail, done: int) -> None:
    """The plan's heading, progress, facts, why it was opened and, once closed, its sign-off."""
    st.subheader(f"{fmt.plain(detail.provider_name)}: improvement plan {fmt.plain(detail.plan_id)}")
    st.markdown(f"**Progress:** {status_badge(detail.progress)} {fmt.plain(detail.why)}")
    cards.facts(
        ("Opened", long_date(detail.opened_on)),
        ("Plan owner", detail.owner or "not set"),
        (
            "Closed" if not detail.is_open else "Next review",
            long_date(detail.closed_on if not detail.is_open else detail.next_review_on),
        ),
        ("Actions done", f"{done} of {len(detail.actions)}"),
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
        signed = (
            f", signed off by {fmt.plain(detail.signed_off_by)}" if detail.signed_off_by else ""
        )
        st.info(
            f"Closed on {long_date(detail.closed_on)}{signed}. "
            "Closed plans can be read but not changed.",
            icon=":material/lock:",
        )
        if detail.close_rationale:
            st.markdown(f"**Why it was closed:** {fmt.plain(detail.close_rationale)}")


def _actions(view: PlansView, detail: PlanDetail) -> None:
    """The plan's actions: a table, then the timeline against their due dates."""
    actions = detail.actions
    st.markdown("#### Actions")
    if actions.empty:
        st.caption("This plan has no actions yet.")
        return
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
    st.altair_chart(action_timeline_chart(detail, view.now), width="stretch")
    st.caption(
        "Each row is an action. The marker sits on its due date; its shape and colour "
        "say its status. A diamond marks the day a done action was completed, joined "
        "to its due date by a dotted line. The black line is today."
    )


def one_plan(view: PlansView, requested: str | None, providers: dict[str, str]) -> None:
    """The second tab: open a plan (MANAGE_PLANS), then one plan in detail with its forms."""
    flash("plan")
    if view.can_manage:
        open_plan_form(view, providers)
    plan_id = _chosen_plan(view, requested)
    if plan_id is None:
        return
    detail = plan_detail(view.db, view.actor, plan_id, view.now)
    done = int((detail.actions["status"] == "Done").sum())
    _about(detail, done)
    _actions(view, detail)
    if not detail.is_open:
        return
    if detail.updatable_action_ids:
        update_action_form(view, detail)
    elif not detail.actions.empty:
        st.caption("You can update only the actions you own (you are their owner or the plan's).")
    if view.can_manage:
        manage_plan_forms(view, detail)
    sign_off_form(view, detail, len(detail.actions) - done)
