"""The plans page for provider staff: their own service's open plan, its actions without the
council's internal text, and a box to add evidence to each action assigned to the service (the
domain, sgoversight.plans.workstream, checks every part of it)."""

from __future__ import annotations

import streamlit as st

from sgoversight.auth import Actor
from sgoversight.board.month import rag_text
from sgoversight.periods import parse_month
from sgoversight.plans.rules import status_badge
from sgoversight.plans.workstream import add_provider_evidence, provider_workstream
from ui import format as fmt
from ui import forms, writes
from ui.context import engine, today
from ui.navigation import link_to_page

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


def our_workstream(provider_actor: Actor) -> None:
    """What provider staff see on the plans page: their service's open plan, its actions, and a
    box to add evidence to each action assigned to the service."""
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
