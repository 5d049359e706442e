"""Log a quality alert: the intake form. Nothing is saved until the form is sent, and nothing at all
if any field has a problem; each problem is shown under its field."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

import streamlit as st

from sgoversight.alerts.config import load_alert_config
from sgoversight.alerts.intake import (
    MAX_CONTACT,
    MAX_SUMMARY,
    AlertFormInvalid,
    log_alert,
    possible_duplicates,
    provider_choices,
)
from sgoversight.alerts.rules import EARLIEST_DAY
from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.vocabulary import ALERT_CATEGORY, ALERT_RAISED_BY, ALERT_STATUS, SEVERITY
from ui import format as fmt
from ui.context import engine, require, today
from ui.navigation import link_to_page

K = "alert_log_"  # prefix of this page's session state keys
ERRORS, ERRORS_AT, SAVED = f"{K}errors", f"{K}errors_at", f"{K}saved"
FIELDS = (
    "provider_id",
    "category",
    "severity",
    "summary",
    "raised_by",
    "raiser_contact",
    "raised_on",
    "risk_of_harm",
    "safeguarding_concern_raised",
)
YES_NO = {"yes": "Yes, a safeguarding concern has been raised", "no": "No, not yet"}

actor = require(Permission.LOG_ALERT)
now = today()
config = load_alert_config()


def _reset_form(now: dt.date) -> None:
    """Empty the form for the next alert (the provider stays chosen)."""
    st.session_state[f"{K}category"] = None
    st.session_state[f"{K}severity"] = None
    st.session_state[f"{K}summary"] = ""
    st.session_state[f"{K}raised_by"] = None
    st.session_state[f"{K}raiser_contact"] = ""
    st.session_state[f"{K}raised_on"] = now
    st.session_state[f"{K}risk_of_harm"] = False
    st.session_state[f"{K}safeguarding_concern_raised"] = None


def _submit(actor: Actor, now: dt.date) -> None:
    """Form callback: validate and save through sgoversight.alerts; keep the outcome for the run."""
    values: dict[str, Any] = {name: st.session_state.get(f"{K}{name}") for name in FIELDS}
    st.session_state[ERRORS_AT] = dict(values)
    if actor.provider_scope() is not None:
        values["provider_id"] = actor.provider_scope()
    answer = values["safeguarding_concern_raised"]
    values["safeguarding_concern_raised"] = None if answer is None else answer == "yes"
    try:
        alert_id = log_alert(engine(), actor, values, today=now)
    except AlertFormInvalid as exc:
        st.session_state[ERRORS] = exc.fields
        return
    except PermissionDenied as exc:
        st.session_state[ERRORS] = {"form": str(exc)}
        return
    st.session_state[ERRORS] = {}
    st.session_state[SAVED] = {
        "alert_id": alert_id,
        "risk_without_concern": bool(values["risk_of_harm"])
        and values["safeguarding_concern_raised"] is False,
    }
    _reset_form(now)


def _open_errors() -> dict[str, str]:
    """The last submission's problems, less those whose field has been changed since."""
    sent = st.session_state.get(ERRORS_AT, {})
    return {
        name: message
        for name, message in st.session_state.get(ERRORS, {}).items()
        if name == "form" or st.session_state.get(f"{K}{name}") == sent.get(name)
    }


def _field_error(name: str) -> None:
    message = _open_errors().get(name)
    if message:
        st.error(fmt.plain(f"{message[0].upper()}{message[1:]}."), icon=":material/error:")


# Defaults set once through session state, so the callback can reset them after a save.
if f"{K}raised_on" not in st.session_state:
    _reset_form(now)

st.title("Log a quality alert")
st.markdown(
    "A quality alert is a concern about the quality of care a provider gives. Tell us what "
    "happened; the commissioning team follows it up with the provider and feeds back. You do not "
    "need to name the people involved."
)

saved = st.session_state.pop(SAVED, None)
if saved:
    st.success(
        f"Quality alert **{fmt.plain(saved['alert_id'])}** logged. You can follow it in the "
        "quality alert register.",
        icon=":material/check_circle:",
    )
    if saved["risk_without_concern"]:
        st.warning(
            "You said someone is at risk of harm and no safeguarding concern has been raised yet. "
            "**Raise a safeguarding concern now** with "
            f"{fmt.plain(config.where_to_raise_a_concern())}. This quality alert does not raise "
            "one.",
            icon=":material/warning:",
        )
    link_to_page(
        "pages/alerts.py",
        f"Open {fmt.plain(saved['alert_id'])} in the register",
        ":material/open_in_new:",
        {"alert": saved["alert_id"]},
    )

errors = _open_errors()
if errors:
    count = len(errors)
    st.error(
        f"The alert was not saved. Please put right the {count} thing{'s' if count != 1 else ''} "
        "marked below and send it again.",
        icon=":material/error:",
    )
    if "form" in errors:
        st.error(fmt.plain(errors["form"]))

choices = provider_choices(engine(), actor)
if not choices:
    st.info("There are no providers in the register yet, so an alert cannot be logged.")
    st.stop()

st.subheader("Who and what it is about")
left, right = st.columns(2)
with left:
    scope = actor.provider_scope()
    if scope is not None:
        st.selectbox(
            "Provider",
            [scope],
            format_func=lambda p: choices.get(p, p),
            disabled=True,
            help="Provider staff log alerts about their own service only.",
        )
        provider_id: str | None = scope
    else:
        provider_id = st.selectbox(
            "Provider",
            list(choices),
            index=None,
            format_func=lambda p: f"{choices[p]} ({p})",
            placeholder="Start typing the provider's name",
            key=f"{K}provider_id",
        )
    _field_error("provider_id")
with right:
    category = st.selectbox(
        "Category",
        ALERT_CATEGORY.codes,
        index=None,
        format_func=ALERT_CATEGORY.label,
        placeholder="Choose the kind of concern",
        key=f"{K}category",
    )
    _field_error("category")

if provider_id and category:
    duplicates = possible_duplicates(engine(), actor, provider_id, category, now, config)
    if duplicates:
        lines = "\n".join(
            f"- **{fmt.plain(d.alert_id)}**, raised {fmt.long_date(d.raised_on)}, "
            f"{SEVERITY.label(d.severity).lower()} severity, "
            f"{ALERT_STATUS.label(d.status).lower()}: "
            f"{fmt.plain(textwrap.shorten(d.summary, 140, placeholder=' …'))}"
            for d in duplicates
        )
        st.warning(
            f"**Possible duplicate.** {fmt.plain(choices.get(provider_id, provider_id))} already "
            f"has {len(duplicates)} open {ALERT_CATEGORY.label(category).lower()} "
            f"alert{'s' if len(duplicates) != 1 else ''} raised in the last "
            f"{config.duplicate_window_days} days:\n\n{lines}\n\nIf it is the same concern, add a "
            "note to that alert in the register instead. If it is a new concern, carry on: you "
            "can still log it.",
            icon=":material/content_copy:",
        )

with st.form(f"{K}form"):
    st.subheader("The concern")
    st.radio(
        "Severity",
        SEVERITY.codes,
        index=None,
        format_func=SEVERITY.label,
        horizontal=True,
        key=f"{K}severity",
        help="Critical: serious harm has happened or is likely now. High: harm is likely without "
        "prompt action. Medium: care falls short and needs putting right. Low: a minor shortfall.",
    )
    _field_error("severity")
    st.text_area(
        "What happened",
        max_chars=MAX_SUMMARY,
        height=160,
        key=f"{K}summary",
        placeholder="What happened, when and where, and what has been done so far.",
    )
    _field_error("summary")
    left, right = st.columns(2)
    with left:
        st.selectbox(
            "Who raised it",
            ALERT_RAISED_BY.codes,
            index=None,
            format_func=ALERT_RAISED_BY.label,
            placeholder="Choose their role",
            key=f"{K}raised_by",
        )
        _field_error("raised_by")
    with right:
        st.text_input(
            "How to contact them for feedback (optional)",
            max_chars=MAX_CONTACT,
            key=f"{K}raiser_contact",
            help="A phone number or email address. Provider staff never see this.",
        )
        _field_error("raiser_contact")
    left, _ = st.columns(2)
    with left:
        st.date_input(
            "Date it was raised",
            min_value=EARLIEST_DAY,
            max_value=now,
            format="DD/MM/YYYY",
            key=f"{K}raised_on",
        )
        _field_error("raised_on")

    st.subheader("Risk of harm")
    st.checkbox("Someone is at risk of harm", key=f"{K}risk_of_harm")
    st.radio(
        "If so, has a safeguarding concern been raised?",
        list(YES_NO),
        index=None,
        format_func=YES_NO.__getitem__,
        key=f"{K}safeguarding_concern_raised",
        help="Answer this whenever you tick that someone is at risk of harm.",
    )
    st.warning(
        "If anyone is at risk of harm, a **safeguarding concern must also be raised** with "
        f"{fmt.plain(config.where_to_raise_a_concern())}. Logging a quality alert does not "
        "raise one.",
        icon=":material/shield:",
    )
    _field_error("safeguarding_concern_raised")
    st.form_submit_button(
        "Log the alert",
        type="primary",
        icon=":material/send:",
        on_click=_submit,
        args=(actor, now),
    )
