"""Logging a quality alert: the intake form, numbering and possible duplicates.

Rules (CONTRACT.md §1 alerts.csv; issue "Quality alert intake, the alert register and the monthly
QA meeting"):

- An alert names a known provider, a category, a severity, who raised it (their role) and the day it
  was raised (not in the future, not before 1 January 2000), and says what happened in 1 to 2,000
  characters. A contact for the raiser is optional (it is where feedback goes).
- If the person logging it ticks "risk of harm", they must also answer whether a safeguarding
  concern has been raised (yes or no): a quality alert does not raise a safeguarding concern.
  The answer to "Is someone at risk of harm?" is kept on the alert (`risk_of_harm`); imported
  alerts never had the question, so theirs reads "Not recorded". Where to raise a safeguarding
  concern (team, phone, e-mail, address) is `[alerts.raise_concern]` in config/alerts.toml.
- Every problem is reported against its field ("severity: choose a severity"); nothing is saved.
- A new alert gets the next id of the year it is logged, `AL-YYYY-NNNNN` ("AL" for alert: not
  "QA", which reads as the Quality Assurance meeting, and not the `ALT-` of imported demo
  alerts), starts `open`, and its history starts with a change from nothing to `open`. Alerts
  logged before this numbering were `QA-YYYY-NNNNN`; migration 0007 renumbered them and kept the
  old id (`former_id`), which still finds the alert everywhere an id is asked for.
- Possible duplicates (a warning, never a block): alerts about the same provider, of the same
  category, still open or in progress, raised in the `duplicate_window_days` (default 7) up to
  today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sgoversight import vocabulary as v
from sgoversight.alerts.config import AlertConfig, load_alert_config
from sgoversight.alerts.rules import (
    AUDIT_ENTITY,
    NOT_CLOSED,
    OPEN,
    as_day,
    blank,
    clean_text,
    past_day,
)
from sgoversight.auth import Actor, Permission
from sgoversight.errors import FormInvalid, field_messages
from sgoversight.store import audit
from sgoversight.store.db import session_scope
from sgoversight.store.models import (
    AlertStatusChange,
    Provider,
    QualityAlert,
)

ID_PREFIX = "AL"
ID_DIGITS = 5
ID_ATTEMPTS = 5
MAX_SUMMARY = 2_000  # CONTRACT.md §1
MAX_CONTACT = 200  # quality_alerts.raiser_contact


class AlertFormInvalid(FormInvalid):
    """The intake form has problems; `fields` maps each field to its message. Nothing was saved."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields, "The alert was not saved")


#: The message for a field left empty.
REQUIRED_MESSAGES: dict[str, str] = {
    "provider_id": "choose the provider the alert is about",
    "category": "choose a category",
    "severity": "choose a severity",
    "summary": "say what happened",
    "raised_by": "choose who raised it",
    "raised_on": "give the date it was raised",
    "risk_of_harm": "say whether anyone is at risk of harm",
}
SAFEGUARDING_QUESTION_MESSAGE = (
    "you said someone is at risk of harm: say whether a safeguarding concern has been raised "
    "(a safeguarding concern must also be raised; this alert does not raise one)"
)


def _code(value: Any, vocabulary: v.Vocabulary, noun: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"choose a {noun}")
    try:
        return vocabulary.normalise(value)
    except ValueError:
        raise ValueError(
            f"'{value.strip()[:40]}' is not a {noun}: choose one of "
            + ", ".join(vocabulary.labels.values())
        ) from None


def _today(info: ValidationInfo) -> dt.date:
    context = info.context or {}
    return context.get("today") or dt.date.today()


class AlertForm(BaseModel):
    """The intake form. Validate with `validate_alert_form` (or `model_validate(values,
    context={"today": day})`) so "not in the future" is judged against the right day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider_id: str
    category: str
    severity: str
    summary: str
    raised_by: str
    raiser_contact: str | None = None
    raised_on: dt.date
    risk_of_harm: bool = False
    safeguarding_concern_raised: bool | None = Field(default=None, validate_default=True)

    @field_validator("provider_id", mode="before")
    @classmethod
    def _provider(cls, value: Any) -> str:
        """Rule: a provider must be chosen (that it exists is checked when saving)."""
        if blank(value):
            raise ValueError(REQUIRED_MESSAGES["provider_id"])
        return clean_text(value, 64)

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str:
        """Rule: one of the contract's categories, by code or label."""
        if blank(value):
            raise ValueError(REQUIRED_MESSAGES["category"])
        return _code(value, v.ALERT_CATEGORY, "category")

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> str:
        """Rule: low, medium, high or critical."""
        if blank(value):
            raise ValueError(REQUIRED_MESSAGES["severity"])
        return _code(value, v.SEVERITY, "severity")

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: Any) -> str:
        """Rule: 1 to 2,000 characters after trimming."""
        if blank(value):
            raise ValueError(REQUIRED_MESSAGES["summary"])
        return clean_text(value, MAX_SUMMARY)

    @field_validator("raised_by", mode="before")
    @classmethod
    def _raised_by(cls, value: Any) -> str:
        """Rule: the raiser's role, one of the contract's raised_by codes."""
        if blank(value):
            raise ValueError(REQUIRED_MESSAGES["raised_by"])
        return _code(value, v.ALERT_RAISED_BY, "role")

    @field_validator("raiser_contact", mode="before")
    @classmethod
    def _contact(cls, value: Any) -> str | None:
        """Rule: optional; at most 200 characters."""
        return None if blank(value) else clean_text(value, MAX_CONTACT)

    @field_validator("raised_on", mode="before")
    @classmethod
    def _raised_on(cls, value: Any, info: ValidationInfo) -> dt.date:
        """Rule: a real date, not in the future and not before 2000."""
        if blank(value):
            raise ValueError(REQUIRED_MESSAGES["raised_on"])
        return past_day(as_day(value), _today(info))

    @field_validator("safeguarding_concern_raised")
    @classmethod
    def _safeguarding(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        """Rule: with a risk of harm, whether a safeguarding concern was raised must be answered."""
        if value is None and info.data.get("risk_of_harm"):
            raise ValueError(SAFEGUARDING_QUESTION_MESSAGE)
        return value


def validate_alert_form(values: Mapping[str, Any] | AlertForm, today: dt.date) -> AlertForm:
    """The validated form, or AlertFormInvalid with one plain message per field."""
    raw = values.model_dump() if isinstance(values, AlertForm) else dict(values)
    try:
        return AlertForm.model_validate(raw, context={"today": today})
    except ValidationError as exc:
        raise AlertFormInvalid(field_messages(exc.errors(), REQUIRED_MESSAGES)) from exc


def provider_choices(engine: Engine, actor: Actor) -> dict[str, str]:
    """Provider id → name, sorted by name, for the intake form: a provider user gets only theirs."""
    actor.require(Permission.LOG_ALERT)
    statement = select(Provider.provider_id, Provider.name).order_by(Provider.name)
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(Provider.provider_id == scope)
    with Session(engine) as session:
        return {row.provider_id: row.name for row in session.execute(statement)}


#: The PostgreSQL advisory lock that makes numbering alerts one at a time (any fixed number would
#: do; this one reads "AL" and is used for nothing else).
NUMBERING_LOCK = 0x414C_0001


def _take_numbering_turn(session: Session) -> None:
    """Rule: alerts are numbered one at a time, so two people logging at once never both take the
    same number. SQLite already writes one transaction at a time (session_scope begins with
    BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped advisory lock is held from reading the
    highest number to the commit that uses the next one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": NUMBERING_LOCK})


def next_alert_id(session: Session, year: int) -> str:
    """The next free `AL-YYYY-NNNNN` of `year` (numbers grow past five digits if they must), the
    one id allocator of every path that raises alerts (the form, the ratings import). It takes
    the numbering turn first (_take_numbering_turn), so the number stays this transaction's
    until it commits."""
    _take_numbering_turn(session)
    prefix = f"{ID_PREFIX}-{year}-"
    numbers = [
        int(suffix)
        for alert_id in session.scalars(
            select(QualityAlert.alert_id).where(QualityAlert.alert_id.startswith(prefix))
        )
        if (suffix := alert_id[len(prefix) :]).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:0{ID_DIGITS}d}"


def log_alert(
    engine: Engine, actor: Actor, form: AlertForm | Mapping[str, Any], *, today: dt.date
) -> str:
    """Validate and save a new alert (see the module's intake rules); returns its id.

    Needs LOG_ALERT; provider staff may log only about their own provider (PermissionDenied). The
    alert, its first status change and the audit event are written in one transaction. Two people
    saving at once cannot get the same id: numbers are taken one at a time
    (_take_numbering_turn); an id clash with a concurrent import is retried with the next number.
    """
    actor.require(Permission.LOG_ALERT)
    entry = validate_alert_form(form, today)
    actor.require_provider(entry.provider_id)
    for attempt in range(ID_ATTEMPTS):
        try:
            with session_scope(engine) as session:
                if session.get(Provider, entry.provider_id) is None:
                    raise AlertFormInvalid(
                        {"provider_id": f"there is no provider '{entry.provider_id}'"}
                    )
                alert_id = next_alert_id(session, today.year)
                alert = QualityAlert(
                    alert_id=alert_id,
                    provider_id=entry.provider_id,
                    raised_on=entry.raised_on,
                    raised_by=entry.raised_by,
                    category=entry.category,
                    severity=entry.severity,
                    summary=entry.summary,
                    status=OPEN,
                    raiser_contact=entry.raiser_contact,
                    risk_of_harm=entry.risk_of_harm,
                    safeguarding_concern_raised=entry.safeguarding_concern_raised,
                )
                session.add(alert)
                session.add(
                    AlertStatusChange(
                        alert_id=alert_id,
                        from_status=None,
                        to_status=OPEN,
                        changed_on=today,
                        changed_by=actor.username,
                        reason="Logged",
                    )
                )
                session.flush()
                audit.record(
                    session, actor, "create", AUDIT_ENTITY, alert_id, after=entry.model_dump()
                )
            return alert_id
        except IntegrityError:
            if attempt == ID_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class AlertBrief:
    """One line about an alert: for duplicate warnings and pickers."""

    alert_id: str
    raised_on: dt.date
    severity: str
    status: str
    summary: str


def possible_duplicates(
    engine: Engine,
    actor: Actor,
    provider_id: str,
    category: str,
    today: dt.date,
    config: AlertConfig | None = None,
) -> list[AlertBrief]:
    """Alerts that may describe the same thing (module rules): a warning, never a block.

    Needs LOG_ALERT; provider staff ask only about their own provider.
    """
    actor.require(Permission.LOG_ALERT)
    actor.require_provider(provider_id)
    config = config or load_alert_config()
    since = today - dt.timedelta(days=config.duplicate_window_days)
    statement = (
        select(QualityAlert)
        .where(
            QualityAlert.provider_id == provider_id,
            QualityAlert.category == category,
            QualityAlert.status.in_(NOT_CLOSED),
            QualityAlert.raised_on >= since,
            QualityAlert.raised_on <= today,
        )
        .order_by(QualityAlert.raised_on.desc(), QualityAlert.alert_id)
    )
    with Session(engine) as session:
        return [
            AlertBrief(a.alert_id, a.raised_on, a.severity, a.status, a.summary)
            for a in session.scalars(statement)
        ]
