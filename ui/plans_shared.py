"""What the parts of the plans page share: its keys, who is looking and when, saving a form, and
the plan or arrangement the address bar names.

Rules: every change runs in its button's callback (ui.writes); after a save every form starts
afresh (a new form generation), so a saved entry is not left to be saved twice; a refused form
keeps what was typed and shows every problem beside its field (ui.forms). Opening a plan or an
arrangement names it in the address (`plans?plan=ID`, `plans?monitoring=ID`), keeping only the
overview's search and the landing page's list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import streamlit as st
from sqlalchemy import Engine

from sgoversight import attention
from sgoversight.auth import Actor, Permission
from sgoversight.plans.rules import NEEDS_SETUP, status_text
from ui import format as fmt
from ui import forms, writes
from ui.rag import RAG_BACKGROUND, labelled_column

Id = TypeVar("Id", str, int)

PAGE = "plans"
SEARCH = "q"  # the overview's search, kept in the address while a plan or arrangement is open
PLAN_CHOICE, MONITORING_CHOICE = "plan_choice", "monitoring_choice"
TAB_KEY = "plans_tab"
FORM_GENERATION = "plans_form_generation"
TABS = ("Everything open", "One plan in detail", "Enhanced monitoring")
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
#: A status column: each status's icon and word as a tag on its soft colour (ui.rag).
STATUS_COLUMN = labelled_column(
    {status_text(status): colour for status, colour in STATUS_BACKGROUND.items()}
)


@dataclass(frozen=True)
class PlansView:
    """Who is looking, at which database, on which day, and the forms' generation this run."""

    actor: Actor
    db: Engine
    now: dt.date
    generation: int

    @property
    def can_manage(self) -> bool:
        """Whether the person may open and change plans and monitoring (MANAGE_PLANS)."""
        return self.actor.can(Permission.MANAGE_PLANS)


def plans_view(actor: Actor, db: Engine, now: dt.date) -> PlansView:
    """The view for this run of the page."""
    return PlansView(actor, db, now, st.session_state.get(FORM_GENERATION, 0))


def key(form: str, name: str) -> str:
    """The session key of one field of one form."""
    return f"{form}-{name}"


def value(form: str, name: str, default: Any = None) -> Any:
    """What was typed into one field of one form."""
    return st.session_state.get(key(form, name), default)


def save(
    view: PlansView,
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
        reset={FORM_GENERATION: view.generation + 1},
    )
    if result is not None and then is not None:
        then(result)


def date_field(form: str, label: str, name: str, **options: Any) -> None:
    """One date field of one form, written the UK way, with its problems beside it."""
    st.date_input(label, format=UK_DATE, key=key(form, name), **options)
    forms.beside(form, name)


def provider_field(form: str, label: str, providers: Mapping[str, str]) -> None:
    """The provider box of a form that opens something for one provider (`providers` by id,
    none chosen at first), with its problems beside it."""
    st.selectbox(
        label, list(providers), format_func=providers.get, index=None, key=key(form, "provider")
    )
    forms.beside(form, "provider_id")


def flash(where: str) -> None:
    """The last change's outcome, once; a refused form already says so at its top."""
    shown = writes.peek(PAGE)
    if shown is not None and shown.kind == "error" and shown.where == where and shown.problems:
        writes.take(PAGE, where)  # shown by the form itself, beside each field
        return
    writes.show(PAGE, where=where)


def _clear_address() -> None:
    """Leave only the overview's search and filter in the address, before naming one plan or
    arrangement."""
    for param in [p for p in st.query_params if p not in {SEARCH, attention.SHOW}]:
        del st.query_params[param]


def show_plan(plan_id: str) -> None:
    """Choose the plan and name it in the address."""
    st.session_state[PLAN_CHOICE] = plan_id
    _clear_address()
    st.query_params["plan"] = plan_id


def show_monitoring(monitoring_id: int) -> None:
    """Choose the arrangement and name it in the address."""
    st.session_state[MONITORING_CHOICE] = monitoring_id
    _clear_address()
    st.query_params["monitoring"] = str(monitoring_id)


def sync_param(choice_key: str, param: str) -> None:
    """A choice box's callback: name what was chosen in the address."""
    _clear_address()
    st.query_params[param] = str(st.session_state[choice_key])


def open_selected(table_key: str, links: list[str]) -> None:
    """Row-selection callback: show the selected row's plan or arrangement in its tab.

    Why not a link column: a link opens a new browser tab, which starts a new session."""
    rows = st.session_state[table_key].selection.rows
    if not rows:
        return
    query = parse_qs(urlsplit(links[rows[0]]).query)
    if "plan" in query:
        show_plan(query["plan"][0])
        st.session_state[TAB_KEY] = TABS[1]
    elif "monitoring" in query:
        show_monitoring(int(query["monitoring"][0]))
        st.session_state[TAB_KEY] = TABS[2]


def choose_named(
    label: str,
    labels: Mapping[Id, str],
    requested: str | None,
    wanted: Id | None,
    *,
    choice_key: str,
    param: str,
    what: str,
    help: str,
) -> Id:
    """A choice box over `labels` (in their order) that names its choice in the address as
    `param`: the one chosen, else `wanted` (what the address's `requested` names), else the first.
    An address naming none of them is said so ("There is no `what` ...")."""
    ids = list(labels)
    if requested and wanted not in ids:
        st.warning(
            f"There is no {what} {fmt.plain(requested)}; showing another.",
            icon=":material/warning:",
        )
    if st.session_state.get(choice_key) not in ids:
        st.session_state[choice_key] = wanted if wanted in ids else ids[0]
    return st.selectbox(
        label,
        ids,
        format_func=labels.get,
        key=choice_key,
        on_change=sync_param,
        args=(choice_key, param),
        help=help,
    )
