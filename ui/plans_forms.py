"""The plans page's forms for improvement plans: opening a plan, updating or completing an
action, adding an action, the plan's owner and next review, and the Board's sign-off.

Each form's callback reads what was typed by the form's keys and saves through the domain
(sgoversight.plans.actions), which checks who may do what; the version drawn goes with each
form, so a save made from it is refused if someone else changed the record in between.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from dateutil.relativedelta import relativedelta

from sgoversight.errors import FormInvalid
from sgoversight.plans.actions import add_action, close_plan, open_plan, update_action, update_plan
from sgoversight.plans.read import PlanDetail
from sgoversight.plans.rules import long_date
from ui import forms
from ui.plans_shared import PlansView, date_field, key, provider_field, save, show_plan, value

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


# --- the callbacks: each reads what was typed by the form's keys ---------------------------------


def _open_plan(view: PlansView, form: str) -> None:
    save(
        view,
        "plan",
        form,
        lambda: open_plan(
            view.db,
            view.actor,
            value(form, "provider") or "",
            value(form, "reason", ""),
            value(form, "owner", ""),
            value(form, "opened_on"),
            value(form, "next_review_on"),
            today=view.now,
        ),
        "Improvement plan opened.",
        then=show_plan,
    )


def _save_action(
    view: PlansView, form: str, action_id: str, version: int, is_done: bool, marking: bool
) -> None:
    """Save the action's one form: evidence, due date and owner, and mark it done when asked."""
    save(
        view,
        "plan",
        form,
        lambda: update_action(
            view.db,
            view.actor,
            action_id,
            evidence=value(form, "evidence", ""),
            due_on=None if is_done else value(form, "due_on"),
            owner=value(form, "owner"),
            completed_on=value(form, "completed_on") if marking else None,
            version=version,
            today=view.now,
        ),
        "Action marked done." if marking else "Action updated.",
    )


def _add_action(view: PlansView, form: str, plan_id: str) -> None:
    save(
        view,
        "plan",
        form,
        lambda: add_action(
            view.db,
            view.actor,
            plan_id,
            value(form, "description", ""),
            value(form, "owner", ""),
            value(form, "due_on"),
        ),
        "Action added.",
    )


def _update_plan(view: PlansView, form: str, plan_id: str, version: int) -> None:
    save(
        view,
        "plan",
        form,
        lambda: update_plan(
            view.db,
            view.actor,
            plan_id,
            owner=value(form, "owner") or None,
            next_review_on=value(form, "next_review_on"),
            version=version,
        ),
        "Plan updated.",
    )


def _close_plan(view: PlansView, form: str, plan_id: str, version: int) -> None:
    def change() -> None:
        if not value(form, "confirm"):
            raise FormInvalid(
                {"confirm": "tick the box to confirm the sign-off"},
                "The improvement plan was not closed",
            )
        close_plan(
            view.db,
            view.actor,
            plan_id,
            value(form, "rationale", ""),
            value(form, "closed_on"),
            version=version,
            today=view.now,
        )

    save(view, "plan", form, change, "Plan signed off and closed.")


# --- the forms ------------------------------------------------------------------------------------


def open_plan_form(view: PlansView, providers: dict[str, str]) -> None:
    """ "Open a new improvement plan", folded away (MANAGE_PLANS only); `providers` by id."""
    now = view.now
    form = f"open-plan-{view.generation}"
    with (
        st.expander("Open a new improvement plan", icon=":material/add_circle:"),
        st.form(form),
    ):
        forms.summary(form, OPEN_PLAN_LABELS, "The improvement plan was not opened")
        provider_field(form, OPEN_PLAN_LABELS["provider_id"], providers)
        st.text_area(
            OPEN_PLAN_LABELS["reason"],
            max_chars=10_000,
            help="What the Board or the commissioners found, in plain words.",
            key=key(form, "reason"),
        )
        forms.beside(form, "reason")
        st.text_input(
            OPEN_PLAN_LABELS["owner"],
            max_chars=64,
            help="The person who keeps the plan up to date. They can update every action "
            "of the plan.",
            key=key(form, "owner"),
        )
        forms.beside(form, "owner")
        left, right = st.columns(2)
        with left:
            date_field(form, OPEN_PLAN_LABELS["opened_on"], "opened_on", value=now, max_value=now)
        with right:
            date_field(
                form,
                OPEN_PLAN_LABELS["next_review_on"],
                "next_review_on",
                value=now + relativedelta(months=1),
            )
        st.form_submit_button(
            "Open the plan", icon=":material/add:", on_click=_open_plan, args=(view, form)
        )


def update_action_form(view: PlansView, detail: PlanDetail) -> None:
    """Choose one of the actions the person may update, then its evidence, due date, owner
    (MANAGE_PLANS only) and completion; a done action keeps its due date."""
    updatable = detail.updatable_in_order
    by_id = detail.actions.set_index("action_id")
    now = view.now
    st.markdown("#### Update an action")
    # A new widget after each save (its labels carry the status, which a browser would
    # otherwise keep showing as it was), still on the action last chosen.
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
        key=f"action-choice-{detail.plan_id}-{view.generation}",
    )
    st.session_state[chosen_key] = action_id
    chosen = by_id.loc[action_id]
    is_done = chosen["status"] == "Done"
    version = int(chosen["version"])
    form = f"action-{action_id}-{view.generation}"
    with st.form(form):
        forms.summary(form, ACTION_LABELS)
        st.text_area(
            ACTION_LABELS["evidence"],
            value=chosen["evidence"] if pd.notna(chosen["evidence"]) else "",
            max_chars=10_000,
            help="What shows the action is happening or done: for example the audit "
            "report or the training record. The same box serves both buttons.",
            key=key(form, "evidence"),
        )
        forms.beside(form, "evidence")
        left, middle, right = st.columns(3)
        with left:
            date_field(
                form,
                ACTION_LABELS["due_on"],
                "due_on",
                value=chosen["due_on"].date(),
                disabled=is_done,
                help="A done action keeps its due date." if is_done else None,
            )
        if view.can_manage:
            with middle:
                st.text_input(
                    ACTION_LABELS["owner"],
                    value=chosen["owner"],
                    max_chars=200,
                    key=key(form, "owner"),
                )
                forms.beside(form, "owner")
        if not is_done:
            with right:
                date_field(
                    form, ACTION_LABELS["completed_on"], "completed_on", value=now, max_value=now
                )
        left, right = st.columns(2)
        left.form_submit_button(
            "Save changes",
            icon=":material/save:",
            on_click=_save_action,
            args=(view, form, action_id, version, is_done, False),
        )
        if not is_done:
            right.form_submit_button(
                "Save and mark as done",
                icon=":material/task_alt:",
                type="primary",
                on_click=_save_action,
                args=(view, form, action_id, version, is_done, True),
            )
    if is_done:
        st.success(f"Done on {long_date(chosen['completed_on'])}.", icon=":material/task_alt:")


def manage_plan_forms(view: PlansView, detail: PlanDetail) -> None:
    """Side by side: add an action, and the plan's owner and next review (MANAGE_PLANS only)."""
    left, right = st.columns(2)
    form = f"add-action-{detail.plan_id}-{view.generation}"
    with left.form(form):
        st.markdown("**Add an action**")
        forms.summary(form, ADD_ACTION_LABELS, "The action was not added")
        st.text_area(
            ADD_ACTION_LABELS["description"],
            max_chars=10_000,
            key=key(form, "description"),
        )
        forms.beside(form, "description")
        st.text_input(
            ADD_ACTION_LABELS["owner"],
            max_chars=200,
            help="Use the person's sign-in name so they can update it themselves.",
            key=key(form, "owner"),
        )
        forms.beside(form, "owner")
        date_field(
            form, ADD_ACTION_LABELS["due_on"], "due_on", value=view.now + relativedelta(weeks=4)
        )
        st.form_submit_button(
            "Add the action",
            icon=":material/add:",
            on_click=_add_action,
            args=(view, form, detail.plan_id),
        )
    form = f"update-plan-{detail.plan_id}-{view.generation}"
    with right.form(form):
        st.markdown("**Plan owner and next review**")
        forms.summary(form, PLAN_LABELS, "The plan was not changed")
        st.text_input(
            PLAN_LABELS["owner"],
            value=detail.owner or "",
            max_chars=64,
            key=key(form, "owner"),
        )
        forms.beside(form, "owner")
        date_field(
            form,
            PLAN_LABELS["next_review_on"],
            "next_review_on",
            value=detail.next_review_on or view.now + relativedelta(months=1),
        )
        st.form_submit_button(
            "Save",
            icon=":material/save:",
            on_click=_update_plan,
            args=(view, form, detail.plan_id, detail.version),
        )


def sign_off_form(view: PlansView, detail: PlanDetail, not_done: int) -> None:
    """ "Sign off and close the plan": for Board members only, every action done first."""
    st.markdown("#### Sign off and close the plan")
    if not detail.can_sign_off:
        st.info(
            "Only a Provider Oversight Board member can sign off and close a plan.",
            icon=":material/lock:",
        )
        return
    if not_done:
        st.warning(
            f"{not_done} action{'s are' if not_done != 1 else ' is'} not done yet. "
            "Every action must be marked done, with its evidence, before the plan "
            "is signed off.",
            icon=":material/warning:",
        )
    form = f"close-plan-{detail.plan_id}-{view.generation}"
    with st.form(form):
        forms.summary(form, CLOSE_LABELS, "The plan was not closed")
        st.text_area(CLOSE_LABELS["rationale"], max_chars=10_000, key=key(form, "rationale"))
        forms.beside(form, "rationale")
        date_field(form, CLOSE_LABELS["closed_on"], "closed_on", value=view.now, max_value=view.now)
        st.checkbox(
            "I sign this plan off for the Provider Oversight Board. A closed plan "
            "cannot be reopened.",
            key=key(form, "confirm"),
        )
        forms.beside(form, "confirm")
        st.form_submit_button(
            "Sign off and close",
            icon=":material/lock:",
            on_click=_close_plan,
            args=(view, form, detail.plan_id, detail.version),
        )
