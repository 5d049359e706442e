"""The plans page's third tab, "Enhanced monitoring": starting an arrangement, choosing one (the
address names it), its progress, facts and visits, and the forms to record a visit, change the
review date and lead, and end it.

Each form's callback saves through the domain (sgoversight.plans.monitoring), which checks who
may do what; the version drawn goes with each form, so a save made from it is refused if someone
else changed the arrangement in between.
"""

from __future__ import annotations

import streamlit as st
from dateutil.relativedelta import relativedelta

from sgoversight.plans.monitoring import (
    end_monitoring,
    record_visit,
    start_monitoring,
    update_monitoring,
)
from sgoversight.plans.read import MonitoringDetail, monitoring_choices, monitoring_detail
from sgoversight.plans.rules import long_date, status_badge
from ui import cards, forms
from ui import format as fmt
from ui.plans_shared import (
    DATE,
    MONITORING_CHOICE,
    PlansView,
    choose_named,
    date_field,
    flash,
    key,
    provider_field,
    save,
    show_monitoring,
    value,
)

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


# --- the callbacks: each reads what was typed by the form's keys ---------------------------------


def _start_monitoring(view: PlansView, form: str) -> None:
    save(
        view,
        "monitoring",
        form,
        lambda: start_monitoring(
            view.db,
            view.actor,
            value(form, "provider") or "",
            value(form, "started_on"),
            value(form, "review_on"),
            value(form, "reason", ""),
            value(form, "lead", ""),
            today=view.now,
        ),
        "Enhanced monitoring started.",
        then=show_monitoring,
    )


def _record_visit(view: PlansView, form: str, monitoring_id: int, version: int) -> None:
    save(
        view,
        "monitoring",
        form,
        lambda: record_visit(
            view.db,
            view.actor,
            monitoring_id,
            value(form, "visited_on"),
            value(form, "visited_by", ""),
            value(form, "findings", ""),
            version=version,
            today=view.now,
        ),
        "Visit recorded.",
    )


def _review_monitoring(view: PlansView, form: str, monitoring_id: int, version: int) -> None:
    save(
        view,
        "monitoring",
        form,
        lambda: update_monitoring(
            view.db,
            view.actor,
            monitoring_id,
            review_on=value(form, "review_on"),
            lead=value(form, "lead") or None,
            version=version,
        ),
        "Enhanced monitoring updated.",
    )


def _end_monitoring(view: PlansView, form: str, monitoring_id: int, version: int) -> None:
    save(
        view,
        "monitoring",
        form,
        lambda: end_monitoring(
            view.db,
            view.actor,
            monitoring_id,
            value(form, "ended_on"),
            value(form, "rationale", ""),
            version=version,
            today=view.now,
        ),
        "Enhanced monitoring ended.",
    )


# --- drawing --------------------------------------------------------------------------------------


def _start_form(view: PlansView, providers: dict[str, str]) -> None:
    """ "Start enhanced monitoring", folded away (MANAGE_PLANS only); `providers` by id."""
    now = view.now
    form = f"start-monitoring-{view.generation}"
    with (
        st.expander("Start enhanced monitoring", icon=":material/add_circle:"),
        st.form(form),
    ):
        forms.summary(form, START_LABELS, "Enhanced monitoring was not started")
        provider_field(form, START_LABELS["provider_id"], providers)
        st.text_area(START_LABELS["reason"], max_chars=10_000, key=key(form, "reason"))
        forms.beside(form, "reason")
        st.text_input(START_LABELS["lead"], value=view.actor.username, key=key(form, "lead"))
        forms.beside(form, "lead")
        left, right = st.columns(2)
        with left:
            date_field(form, START_LABELS["started_on"], "started_on", value=now, max_value=now)
        with right:
            date_field(
                form, START_LABELS["review_on"], "review_on", value=now + relativedelta(months=3)
            )
        st.form_submit_button(
            "Start monitoring",
            icon=":material/add:",
            on_click=_start_monitoring,
            args=(view, form),
        )


def _chosen(view: PlansView, requested: str | None) -> int | None:
    """The arrangement to show: the one chosen, else the one the address names, else the first;
    None when there are none. An arrangement the address names that does not exist is said so."""
    arrangements = monitoring_choices(view.db, view.actor)
    if not arrangements:
        st.info("No provider has been under enhanced monitoring yet.")
        return None
    return choose_named(
        "Enhanced monitoring",
        {a.monitoring_id: a.label() for a in arrangements},
        requested,
        int(requested) if (requested or "").isdigit() else None,
        choice_key=MONITORING_CHOICE,
        param="monitoring",
        what="enhanced monitoring",
        help="Open arrangements first, then ended ones.",
    )


def _about(monitoring: MonitoringDetail) -> None:
    """The arrangement's heading, progress, facts, why, how it ended, and its visits."""
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
        return
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


def _visit_and_review_forms(view: PlansView, monitoring: MonitoringDetail) -> None:
    """Side by side: record a visit, and the review date and lead."""
    monitoring_id, seen, now = monitoring.monitoring_id, monitoring.version, view.now
    left, right = st.columns(2)
    form = f"visit-{monitoring_id}-{view.generation}"
    with left.form(form):
        st.markdown("**Record a visit**")
        forms.summary(form, VISIT_LABELS, "The visit was not recorded")
        date_field(form, VISIT_LABELS["visited_on"], "visited_on", value=now, max_value=now)
        st.text_input(
            VISIT_LABELS["visited_by"],
            value=view.actor.username,
            max_chars=200,
            key=key(form, "visited_by"),
        )
        forms.beside(form, "visited_by")
        st.text_area(VISIT_LABELS["findings"], max_chars=10_000, key=key(form, "findings"))
        forms.beside(form, "findings")
        st.form_submit_button(
            "Record the visit",
            icon=":material/add:",
            on_click=_record_visit,
            args=(view, form, monitoring_id, seen),
        )
    form = f"review-{monitoring_id}-{view.generation}"
    with right.form(form):
        st.markdown("**Review date and lead**")
        forms.summary(form, REVIEW_LABELS, "Enhanced monitoring was not changed")
        date_field(
            form,
            REVIEW_LABELS["review_on"],
            "review_on",
            value=monitoring.review_on or now + relativedelta(months=1),
        )
        st.text_input(
            REVIEW_LABELS["lead"],
            value=monitoring.lead or "",
            max_chars=200,
            key=key(form, "lead"),
        )
        forms.beside(form, "lead")
        st.form_submit_button(
            "Save",
            icon=":material/save:",
            on_click=_review_monitoring,
            args=(view, form, monitoring_id, seen),
        )


def _end_form(view: PlansView, monitoring: MonitoringDetail) -> None:
    """ "End enhanced monitoring": a written reason and the day it ended."""
    monitoring_id, seen = monitoring.monitoring_id, monitoring.version
    form = f"end-{monitoring_id}-{view.generation}"
    with st.form(form):
        st.markdown("**End enhanced monitoring**")
        forms.summary(form, END_LABELS, "Enhanced monitoring was not ended")
        st.text_area(END_LABELS["rationale"], max_chars=10_000, key=key(form, "rationale"))
        forms.beside(form, "rationale")
        date_field(form, END_LABELS["ended_on"], "ended_on", value=view.now, max_value=view.now)
        st.form_submit_button(
            "End monitoring",
            icon=":material/lock:",
            on_click=_end_monitoring,
            args=(view, form, monitoring_id, seen),
        )


def enhanced_monitoring(view: PlansView, requested: str | None, providers: dict[str, str]) -> None:
    """The third tab: start an arrangement (MANAGE_PLANS), then one arrangement with its forms."""
    flash("monitoring")
    st.caption(
        "Closer watching of a provider, usually after an Amber rating: visits, a review date, and "
        "a written reason when it ends."
    )
    if view.can_manage:
        _start_form(view, providers)
    monitoring_id = _chosen(view, requested)
    if monitoring_id is None:
        return
    monitoring = monitoring_detail(view.db, view.actor, monitoring_id, view.now)
    _about(monitoring)
    if monitoring.is_open and monitoring.can_manage:
        # The version drawn now goes with each form: a save made from it is refused if
        # someone else changed the arrangement in between.
        _visit_and_review_forms(view, monitoring)
        _end_form(view, monitoring)
