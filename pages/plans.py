"""Improvement plans and enhanced monitoring: what is open and due, one plan in detail, monitoring.

Other pages link to one plan with `plans?plan=PLAN-ID` and to one arrangement with
`plans?monitoring=ID` (sgoversight.plans.read.plan_link, monitoring_link). The landing page's plan
lines open `plans?show=KEY`: the "Everything open" list filtered to exactly that line's records,
by its own rule (sgoversight.attention.plan_list). Provider staff get their own service's
workstream here instead (sgoversight.plans.workstream.provider_workstream): the open plan and
its actions without the council's internal text, with a box to add evidence to each action
assigned to their service (ui.plans_workstream). Every change runs in its button's callback
(ui.writes), so the page drawn next shows the record as saved; a form that is refused shows every
problem at once, beside its field, in the words on the form (ui.forms).

The tabs are drawn by ui.plans_open, ui.plans_detail (its forms: ui.plans_forms) and
ui.plans_monitoring; what they share (keys, saving, the address) is ui.plans_shared.
"""

from __future__ import annotations

import streamlit as st

from sgoversight.auth import Permission
from sgoversight.plans.read import provider_choices
from sgoversight.plans.rules import DUE_SOON_DAYS
from ui.context import current_actor, engine, require, today
from ui.plans_detail import one_plan
from ui.plans_monitoring import enhanced_monitoring
from ui.plans_open import everything_open
from ui.plans_shared import TAB_KEY, TABS, plans_view
from ui.plans_workstream import our_workstream

signed_in = current_actor()
if (
    signed_in is not None
    and not signed_in.can(Permission.VIEW_PLANS)
    and signed_in.can(Permission.WORK_ON_OWN_PLAN)
):
    our_workstream(signed_in)
    st.stop()

actor = require(Permission.VIEW_PLANS)
view = plans_view(actor, engine(), today())

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
# The providers a new plan or arrangement may be for, read once for both forms.
providers = dict(provider_choices(view.db, actor)) if view.can_manage else {}

with overview_tab:
    everything_open(view)
with plan_tab:
    one_plan(view, requested_plan, providers)
with monitoring_tab:
    enhanced_monitoring(view, requested_monitoring, providers)
