"""Quality alerts: intake, the workflow from open to closed, and the alert register.

Rules (CONTRACT.md §1 alerts.csv; issue "Quality alert intake, the alert register and the monthly
QA meeting"):

Intake
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

Workflow
- open → in progress (`start_progress`); open or in progress → closed (`close_alert`, with a written
  outcome and a closing day on or after the day raised and not in the future; when the alert
  says someone is at risk of harm, also the safeguarding concern's reference or the reason none
  was raised); closed → open (`reopen_alert`, with a written reason; the closing day, outcome and
  safeguarding answer are cleared, the history and audit trail keep them). Anything else
  (closing a closed alert, progressing a closed one, …) is refused.
- Every refused form reports all its problems at once, one per field (FormInvalid).
- Feedback to the raiser or to the provider is recorded with its day (not in the future, not before
  the alert was raised); a later record replaces the earlier day, the audit trail keeps both.
- Every change, notes and feedback included, increases the alert's `version`. Each change names the
  version the user saw; if the stored version differs, the change is refused with EditConflict and
  nothing is saved. The ORM's version check (`version_id_col`) catches a change committed between
  our read and our write the same way.
- Who may do what: logging needs LOG_ALERT; progress, close, reopen and feedback need MANAGE_ALERTS;
  a note needs MANAGE_ALERTS or LOG_ALERT, so the safeguarding team and provider staff can add
  notes too. Provider staff act only on their own provider's alerts (for a provider user, reading
  or changing another provider's alert raises PermissionDenied). A QA meeting attendee reads only.
- Every change is audited (entity `quality_alert`) in the same transaction as the change.

Ownership
- An alert may have an assigned officer (`assigned_to`): a council user, i.e. a username in the
  users table whose roles include one other than provider staff (is_council_user). Provider
  staff are never assigned an alert. New alerts start unassigned.
- Starting work (`start_progress`, the triage) sets the assigned officer: the one chosen, or the
  person starting work when they are a council user and none was chosen.
- The officer is changed with `assign_alert` (MANAGE_ALERTS, not on a closed alert): the new
  officer (or nobody) and a written note, saved as an alert note (internal to the council by
  default, as notes are) in the same transaction; audited with the officers before and after.
  Choosing the officer already assigned is refused. Only an enabled council user can be chosen
  in the app; an import may name any council user (disabled ones included: old alerts keep the
  owner they had).

Notes
- Each note is internal to the council (the default) or shared with the provider. A note written
  by provider staff is shared by definition. Provider staff are served only shared notes, by every
  read here (`get_alert`, `register_notes` and the Excel register) and by the QA agenda and
  minutes (sgoversight.qa); the council sees all notes, each marked with who can read it.

Register
- Days open: from the day raised to the closing day for a closed alert, to today otherwise
  (calendar days).
- Past response time: an alert not closed whose days open exceed `response_days` (config
  `[alerts]` in config/alerts.toml, default 20), i.e. today is after the day raised + response_days.
  Days past response time: today minus the response due day for such an alert, 0 for any other.
- Search: words typed are matched, ignoring case, as one piece of text against the alert's id,
  its former id, the provider's name, the summary and the notes the person may read
  (may_read_note); an alert matches when any of them contains the text.
- "Assigned to me" (assigned code `me`): the assigned officer is the person looking;
  "Unassigned" (`unassigned`): nobody is assigned. Both chosen: either.
- Each category is counted under one CQC key question (CQC_KEY_QUESTION, below).
- Provider staff only ever see their own provider's alerts, and never the raiser's contact.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import Engine, Select, exists, false, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sgoversight import audit, errors, uktime
from sgoversight import vocabulary as v
from sgoversight.auth import Actor, Permission, Role
from sgoversight.db import PROJECT_ROOT, session_scope
from sgoversight.errors import BadInput, FormInvalid, field_messages
from sgoversight.exporting import to_csv_bytes, to_xlsx_bytes
from sgoversight.models import (
    AlertNote,
    AlertStatusChange,
    AuditEvent,
    Provider,
    QaAgendaItem,
    QaMeeting,
    QualityAlert,
    User,
)

if TYPE_CHECKING:
    import altair as alt

CONFIG_PATH = PROJECT_ROOT / "config" / "alerts.toml"
CONFIG_SECTION = "alerts"
AUDIT_ENTITY = "quality_alert"
ID_PREFIX = "AL"
FORMER_ID_PREFIX = "QA"
ID_DIGITS = 5
ID_ATTEMPTS = 5
EARLIEST_DAY = dt.date(2000, 1, 1)
MAX_SUMMARY = 2_000  # CONTRACT.md §1
MAX_CONTACT = 200  # quality_alerts.raiser_contact
MAX_TEXT = 10_000  # notes, closing outcomes, reopening reasons
MAX_REFERENCE = 100  # quality_alerts.safeguarding_reference

OPEN, IN_PROGRESS, CLOSED = "open", "in_progress", "closed"
NOT_CLOSED = (OPEN, IN_PROGRESS)
#: Severity codes, lowest first; the rank orders "highest severity first".
SEVERITY_RANK: dict[str, int] = {code: rank for rank, code in enumerate(v.SEVERITY.codes)}

#: The five questions CQC asks of every service, in CQC's order.
KEY_QUESTIONS: tuple[str, ...] = ("Safe", "Effective", "Caring", "Responsive", "Well-led")
#: Which CQC key question each alert category is counted under — the one place this is decided.
#: Why: Safe covers avoidable harm, medicines, infection control, safeguarding, staffing levels and
#: the premises; Effective covers food and drink and how services work together (hospital
#: discharge); Caring covers dignity and respect; Responsive covers personalised care planning and
#: communication with people and families. The contract has no category for leadership or
#: governance, so concerns about how the service is run are logged as "Other" and counted as
#: Well-led.
CQC_KEY_QUESTION: dict[str, str] = {
    "medication": "Safe",
    "care_planning": "Responsive",
    "staffing": "Safe",
    "safeguarding": "Safe",
    "nutrition_hydration": "Effective",
    "infection_control": "Safe",
    "dignity_respect": "Caring",
    "falls": "Safe",
    "pressure_care": "Safe",
    "environment": "Safe",
    "communication": "Responsive",
    "hospital_discharge": "Effective",
    "other": "Well-led",
}

FeedbackTo = Literal["raiser", "provider"]
FEEDBACK_LABELS: dict[str, str] = {"raiser": "the person who raised it", "provider": "the provider"}

INTERNAL, SHARED = "internal", "shared"
#: Who may read a note, in the words the note form and the notes list use.
NOTE_VISIBILITY: dict[str, str] = {
    INTERNAL: "Internal to the council (provider staff never see it)",
    SHARED: "Shared with the provider (their staff can read it)",
}
NOTE_VISIBILITY_SHORT: dict[str, str] = {
    INTERNAL: "Internal to the council",
    SHARED: "Shared with the provider",
}
#: The register's "Someone at risk of harm" filter: code → words.
RISK_FILTER: dict[str, str] = {"yes": "Yes", "no": "No", "not_recorded": "Not recorded"}


# --- errors ---------------------------------------------------------------------------------------


class AlertFormInvalid(FormInvalid):
    """The intake form has problems; `fields` maps each field to its message. Nothing was saved."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields, "The alert was not saved")


class EditConflict(errors.EditConflict):
    """Someone changed the alert since the user opened it; nothing was saved."""


class IllegalTransition(BadInput):
    """The change is not allowed from the alert's current status; nothing was saved."""


class AlertNotFound(BadInput):
    """No alert has that id."""


# --- configuration --------------------------------------------------------------------------------


class ConcernContact(BaseModel):
    """`[alerts.raise_concern]`: where a safeguarding concern is raised, shown to everyone who
    logs or reads an alert saying someone is at risk of harm. Every part is required."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    team: str = Field(min_length=2, max_length=120)
    phone: str = Field(min_length=6, max_length=40, pattern=r"^\+?[0-9][0-9 ()-]{4,}[0-9]$")
    email: str = Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: str = Field(min_length=5, max_length=300)

    def in_words(self) -> str:
        """One sentence: who, phone, e-mail and address."""
        return f"{self.team}: phone {self.phone}, e-mail {self.email}, or write to {self.address}"


class AlertConfig(BaseModel):
    """`[alerts]` of config/alerts.toml. Strict and closed to unknown keys, so a misspelt or quoted
    setting is reported rather than silently replaced by its default. `raise_concern` is optional
    (a council's file from before it existed still loads); without it the warning can only say
    "the council's adult social care team"."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    response_days: int = Field(default=20, ge=1, le=365)
    duplicate_window_days: int = Field(default=7, ge=1, le=90)
    raise_concern: ConcernContact | None = None

    def where_to_raise_a_concern(self) -> str:
        """Where a safeguarding concern is raised, in words."""
        if self.raise_concern is None:
            return "the council's adult social care team"
        return self.raise_concern.in_words()


def load_alert_config(path: Path | str | None = None) -> AlertConfig:
    """Read and validate `[alerts]` (default file config/alerts.toml); BadInput naming the file and
    key when the file is missing, is not TOML, or holds a broken setting."""
    source = Path(path) if path is not None else CONFIG_PATH
    try:
        with source.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise BadInput(f"{source}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML: {exc}") from exc
    section = document.get(CONFIG_SECTION, {})
    if not isinstance(section, dict):
        raise BadInput(f"{source}: [{CONFIG_SECTION}] must be a table of settings")
    try:
        return AlertConfig.model_validate(section)
    except ValidationError as exc:
        problems = [
            f"[{CONFIG_SECTION}] {'.'.join(str(p) for p in e['loc'])} = {e['input']!r}: {e['msg']}"
            for e in exc.errors()
        ]
        raise BadInput(f"{source}: " + "; ".join(problems)) from exc


# --- the intake form ------------------------------------------------------------------------------

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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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


def clean_text(value: Any, max_length: int) -> str:
    """Rule for free text: trimmed, at most `max_length` characters, no NUL (cannot be stored)."""
    text = str(value).strip()
    if len(text) > max_length:
        raise ValueError(f"at most {max_length:,} characters (this has {len(text):,})")
    if "\x00" in text:
        raise ValueError("contains a character that cannot be stored")
    return text


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("give a real date, written YYYY-MM-DD")


def _today(info: ValidationInfo) -> dt.date:
    context = info.context or {}
    return context.get("today") or dt.date.today()


def _past_day(day: dt.date, today: dt.date, earliest: dt.date = EARLIEST_DAY) -> dt.date:
    """Rule for a day something happened: not after today and not before `earliest`."""
    if day > today:
        raise ValueError(f"must not be in the future (today is {long_date(today)})")
    if day < earliest:
        raise ValueError(f"must not be before {long_date(earliest)}")
    return day


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
        if _blank(value):
            raise ValueError(REQUIRED_MESSAGES["provider_id"])
        return clean_text(value, 64)

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str:
        """Rule: one of the contract's categories, by code or label."""
        if _blank(value):
            raise ValueError(REQUIRED_MESSAGES["category"])
        return _code(value, v.ALERT_CATEGORY, "category")

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> str:
        """Rule: low, medium, high or critical."""
        if _blank(value):
            raise ValueError(REQUIRED_MESSAGES["severity"])
        return _code(value, v.SEVERITY, "severity")

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: Any) -> str:
        """Rule: 1 to 2,000 characters after trimming."""
        if _blank(value):
            raise ValueError(REQUIRED_MESSAGES["summary"])
        return clean_text(value, MAX_SUMMARY)

    @field_validator("raised_by", mode="before")
    @classmethod
    def _raised_by(cls, value: Any) -> str:
        """Rule: the raiser's role, one of the contract's raised_by codes."""
        if _blank(value):
            raise ValueError(REQUIRED_MESSAGES["raised_by"])
        return _code(value, v.ALERT_RAISED_BY, "role")

    @field_validator("raiser_contact", mode="before")
    @classmethod
    def _contact(cls, value: Any) -> str | None:
        """Rule: optional; at most 200 characters."""
        return None if _blank(value) else clean_text(value, MAX_CONTACT)

    @field_validator("raised_on", mode="before")
    @classmethod
    def _raised_on(cls, value: Any, info: ValidationInfo) -> dt.date:
        """Rule: a real date, not in the future and not before 2000."""
        if _blank(value):
            raise ValueError(REQUIRED_MESSAGES["raised_on"])
        return _past_day(_day(value), _today(info))

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


# --- small shared rules ---------------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    """'24 November 2026'."""
    return f"{day.day} {day:%B %Y}"


def key_question(category: str) -> str:
    """The CQC key question an alert category is counted under (see CQC_KEY_QUESTION)."""
    return CQC_KEY_QUESTION.get(category, "Well-led")


def days_open(raised_on: dt.date, closed_on: dt.date | None, today: dt.date) -> int:
    """Calendar days from the day raised to the closing day, or to today if not closed."""
    return ((closed_on or today) - raised_on).days


def open_for(days: int) -> str:
    """How long an alert has been open, in words: 'raised that day', 'open 1 day', 'open 5 days'."""
    if days <= 0:
        return "raised that day"
    return f"open {days} day{'s' if days != 1 else ''}"


def response_due_on(raised_on: dt.date, config: AlertConfig) -> dt.date:
    """The last day of the response time: the day raised + response_days."""
    return raised_on + dt.timedelta(days=config.response_days)


def past_response_time(
    status: str, raised_on: dt.date, today: dt.date, config: AlertConfig
) -> bool:
    """Rule: not closed, and today is after the last day of the response time."""
    return status != CLOSED and today > response_due_on(raised_on, config)


def days_past_response(
    status: str, raised_on: dt.date, today: dt.date, config: AlertConfig
) -> int:
    """Rule: for an alert past its response time, the days since its response due day; else 0."""
    if not past_response_time(status, raised_on, today, config):
        return 0
    return (today - response_due_on(raised_on, config)).days


def can_add_note(actor: Actor) -> bool:
    """Rule: those who manage alerts or may log them (provider staff: own provider only)."""
    return actor.can(Permission.MANAGE_ALERTS) or actor.can(Permission.LOG_ALERT)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _snapshot(alert: QualityAlert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "closed_on": alert.closed_on,
        "closing_outcome": alert.closing_outcome,
        "safeguarding_reference": alert.safeguarding_reference,
        "no_concern_reason": alert.no_concern_reason,
        "feedback_to_raiser_on": alert.feedback_to_raiser_on,
        "feedback_to_provider_on": alert.feedback_to_provider_on,
        "assigned_to": alert.assigned_to,
        "version": alert.version,
    }


# --- who can own an alert -------------------------------------------------------------------------

ASSIGN_LABELS: dict[str, str] = {
    "assigned_to": "Assigned officer",
    "note": "Why (saved as a note)",
    "visibility": "Who can read the note about this change?",
}
NOT_COUNCIL_MESSAGE = (
    "{name} is not a council user who can be assigned an alert (provider staff never are): "
    "choose one from the list"
)


def is_council_user(roles: Iterable[str]) -> bool:
    """Rule: a council user has at least one role other than provider staff."""
    return any(str(role) != Role.PROVIDER for role in roles)


def council_usernames(
    session: Session, names: Collection[str], *, enabled_only: bool = False
) -> set[str]:
    """Which of `names` are council users (is_council_user) in the users table; with
    `enabled_only`, only those whose account is not disabled. A few queries, never one a name."""
    wanted = sorted({name for name in names if isinstance(name, str)})
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        statement = select(User.username, User.roles, User.disabled).where(
            User.username.in_(wanted[start : start + 500])
        )
        for row in session.execute(statement):
            if is_council_user(row.roles or []) and not (enabled_only and row.disabled):
                found.add(row.username)
    return found


def council_officers(engine: Engine, actor: Actor) -> dict[str, str]:
    """Username → display name of the enabled council users an alert can be assigned to, by
    name (the assign and start-work pickers). Needs MANAGE_ALERTS."""
    actor.require(Permission.MANAGE_ALERTS)
    statement = select(User.username, User.display_name, User.roles).where(
        User.disabled.is_(False)
    )
    with Session(engine) as session:
        rows = session.execute(statement.order_by(User.display_name, User.username)).all()
    return {row.username: row.display_name for row in rows if is_council_user(row.roles or [])}


def _display_names(session: Session, usernames: Collection[str | None]) -> dict[str, str]:
    wanted = sorted({name for name in usernames if name})
    if not wanted:
        return {}
    statement = select(User.username, User.display_name).where(User.username.in_(wanted))
    return {row.username: row.display_name for row in session.execute(statement)}


def officer_label(username: str | None, display_name: str | None) -> str:
    """How an assigned officer is named on screen: 'Cara Jones (cara)'; 'Unassigned' for none
    (a missing value read back from a table, NaN, counts as none)."""
    username = username if isinstance(username, str) else None
    display_name = display_name if isinstance(display_name, str) else None
    if not username:
        return "Unassigned"
    if display_name and display_name != username:
        return f"{display_name} ({username})"
    return username


def _assignee(session: Session, value: str | None, problems: dict[str, str]) -> str | None:
    """Rule for an officer chosen in the app: blank is nobody; otherwise an enabled council user.
    A problem is added to `problems` under `assigned_to`."""
    if _blank(value):
        return None
    name = str(value).strip()
    if name not in council_usernames(session, [name], enabled_only=True):
        problems["assigned_to"] = NOT_COUNCIL_MESSAGE.format(name=f"'{name[:64]}'")
        return None
    return name


# --- providers for the intake form ----------------------------------------------------------------


def provider_choices(engine: Engine, actor: Actor) -> dict[str, str]:
    """Provider id → name, sorted by name, for the intake form: a provider user gets only theirs."""
    actor.require(Permission.LOG_ALERT)
    statement = select(Provider.provider_id, Provider.name).order_by(Provider.name)
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(Provider.provider_id == scope)
    with Session(engine) as session:
        return {row.provider_id: row.name for row in session.execute(statement)}


# --- logging an alert -----------------------------------------------------------------------------


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


# --- the workflow ---------------------------------------------------------------------------------


def _find(session: Session, alert_id: str) -> QualityAlert | None:
    """The alert with this id, or with this former id (an in-app alert numbered before the `AL-`
    scheme keeps its old `QA-` id findable)."""
    key = alert_id.strip() if isinstance(alert_id, str) else alert_id
    alert = session.get(QualityAlert, key)
    if alert is None and isinstance(key, str) and key:
        alert = session.scalars(select(QualityAlert).where(QualityAlert.former_id == key)).first()
    return alert


def _audit_ids(alert: QualityAlert) -> list[str]:
    """The ids the audit trail knows the alert by: the trail can only be added to, so events
    written before the alert was renumbered keep its former id."""
    return [alert.alert_id] + ([alert.former_id] if alert.former_id else [])


def _last_change(session: Session, alert: QualityAlert) -> tuple[str, dt.datetime]:
    """Who changed the alert last and when (from the audit trail, under its id or former id; an
    import if none names it)."""
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == AUDIT_ENTITY, AuditEvent.entity_id.in_(_audit_ids(alert)))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is not None and event.occurred_at >= alert.updated_at - dt.timedelta(seconds=5):
        return event.actor, event.occurred_at
    return "a data import", alert.updated_at


def _conflict(session: Session, alert: QualityAlert) -> EditConflict:
    who, when = _last_change(session, alert)
    return EditConflict(
        f"This alert was changed by {who} at {uktime.clock(when)} since you opened it; "
        "reload to see their change — nothing was saved"
    )


def _conflict_after_race(engine: Engine, alert_id: str) -> EditConflict:
    with Session(engine) as session:
        alert = _find(session, alert_id)
        if alert is None:
            return EditConflict(f"{alert_id} was removed since you opened it — nothing was saved")
        return _conflict(session, alert)


def _change(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    expected_version: int,
    action: str,
    apply: Callable[[Session, QualityAlert], str | None],
    after: Mapping[str, Any] | None = None,
) -> int:
    """Apply one change to an alert in one transaction; returns the alert's new version.

    Order of checks: the alert exists (by id or former id); a provider user owns it; the version
    is the one the user saw; then `apply` checks the transition and makes the change. Always bumps
    the version (the timestamp is touched so that a note alone is an update of the alert) and
    audits the change (with `after` added to the audited state).
    """
    try:
        with session_scope(engine) as session:
            alert = _find(session, alert_id)
            if alert is None:
                raise AlertNotFound(f"There is no quality alert {alert_id}")
            alert_id = alert.alert_id
            actor.require_provider(alert.provider_id)
            if alert.version != expected_version:
                raise _conflict(session, alert)
            before = _snapshot(alert)
            detail = apply(session, alert)
            alert.updated_at = _utc_now()
            session.flush()
            audit.record(
                session,
                actor,
                action,
                AUDIT_ENTITY,
                alert_id,
                before=before,
                after=_snapshot(alert) | dict(after or {}),
                detail=detail,
            )
            return alert.version
    except StaleDataError:
        raise _conflict_after_race(engine, alert_id) from None


def _status_change(
    session: Session,
    actor: Actor,
    alert: QualityAlert,
    to_status: str,
    today: dt.date,
    reason: str | None,
) -> None:
    session.add(
        AlertStatusChange(
            alert_id=alert.alert_id,
            from_status=alert.status,
            to_status=to_status,
            changed_on=today,
            changed_by=actor.username,
            reason=reason,
        )
    )
    alert.status = to_status


def _text_problem(
    value: str | None, what: str, problems: dict[str, str], field: str, max_length: int = MAX_TEXT
) -> str:
    """Rule for a required written answer: `what` when empty, else clean_text's rule. A problem
    is added to `problems` under `field` (so a form reports all of them at once)."""
    if _blank(value):
        problems[field] = what
        return ""
    try:
        return clean_text(value, max_length)
    except ValueError as exc:
        problems[field] = str(exc)
        return ""


def _optional_text(
    value: str | None, problems: dict[str, str], field: str, max_length: int
) -> str | None:
    if _blank(value):
        return None
    try:
        return clean_text(value, max_length)
    except ValueError as exc:
        problems[field] = str(exc)
        return None


def _day_problem(
    value: Any, alert: QualityAlert, today: dt.date, problems: dict[str, str], field: str
) -> dt.date | None:
    """Rule for the day something was done to an alert: a real day, not in the future and not
    before the day the alert was raised."""
    try:
        return _past_day(_day(value), today, alert.raised_on)
    except ValueError as exc:
        message = str(exc)
        if "before" in message:
            message = f"must not be before the day it was raised ({long_date(alert.raised_on)})"
        problems[field] = message
        return None


def _label(status: str) -> str:
    return v.ALERT_STATUS.label(status).lower()


def start_progress(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    expected_version: int,
    today: dt.date,
    assigned_to: str | None = None,
) -> int:
    """Move an open alert to in progress (the triage) and set its assigned officer. Needs
    MANAGE_ALERTS; refused unless the alert is open.

    The officer is `assigned_to` when given (an enabled council user, else FormInvalid on field
    assigned_to and nothing is saved); otherwise the person starting work when they are an
    enabled council user; otherwise the alert keeps the officer it had.
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status != OPEN:
            raise IllegalTransition(
                f"{alert.alert_id} is {_label(alert.status)}: only an open alert can be moved to "
                "in progress — nothing was saved"
            )
        problems: dict[str, str] = {}
        if _blank(assigned_to):
            mine = council_usernames(session, [actor.username], enabled_only=True)
            officer = actor.username if mine else alert.assigned_to
        else:
            officer = _assignee(session, assigned_to, problems)
        if problems:
            raise FormInvalid(problems, f"{alert.alert_id} was not moved to in progress")
        _status_change(session, actor, alert, IN_PROGRESS, today, None)
        alert.assigned_to = officer
        return "open → in progress" + (f"; assigned to {officer}" if officer else "")

    return _change(engine, actor, alert_id, expected_version, "start_progress", apply)


def assign_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    assigned_to: str | None,
    note: str,
    expected_version: int,
    visibility: str | None = None,
) -> int:
    """Change an alert's assigned officer (None or blank: nobody), with a written note.

    Needs MANAGE_ALERTS; refused on a closed alert. The officer must be an enabled council user
    and differ from the one assigned; the note (1 to 10,000 characters) is saved as an alert note
    saying who it moved from and to, internal to the council unless `visibility` is "shared".
    Problems come all at once as FormInvalid (fields assigned_to, note, visibility); nothing is
    saved. Audited (action "assign") with the officers before and after.
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status == CLOSED:
            raise IllegalTransition(
                f"{alert.alert_id} is closed: reopen it before changing who it is assigned to "
                "— nothing was saved"
            )
        problems: dict[str, str] = {}
        officer = _assignee(session, assigned_to, problems)
        body = _text_problem(note, "say why the assignment changes", problems, "note")
        if visibility is not None and visibility not in NOTE_VISIBILITY:
            problems["visibility"] = (
                "choose who can read the note: internal or shared with the provider"
            )
        if "assigned_to" not in problems and officer == alert.assigned_to:
            problems["assigned_to"] = (
                f"it is already assigned to {officer}: choose someone else"
                if officer
                else "it is already unassigned: choose an officer"
            )
        if problems:
            raise FormInvalid(problems, "The assignment was not changed")
        names = _display_names(session, [alert.assigned_to, officer])
        before = officer_label(alert.assigned_to, names.get(alert.assigned_to or ""))
        after = officer_label(officer, names.get(officer or ""))
        change = f"Assigned to {after} (was {before})" if officer else f"Unassigned (was {before})"
        session.add(
            AlertNote(
                alert_id=alert.alert_id,
                author=actor.username,
                text=f"{change}: {body}",
                visibility=note_visibility(actor, visibility),
            )
        )
        alert.assigned_to = officer
        return change

    return _change(
        engine,
        actor,
        alert_id,
        expected_version,
        "assign",
        apply,
        after={"note_visibility": note_visibility(actor, visibility)},
    )


SAFEGUARDING_ANSWER_MESSAGE = (
    "this alert says someone is at risk of harm: give the safeguarding concern's reference, "
    "or say why no safeguarding concern was raised"
)
BOTH_ANSWERS_MESSAGE = (
    "you gave a safeguarding concern reference: leave this empty, or clear the reference"
)


def close_needs_safeguarding_answer(risk_of_harm: bool | None) -> bool:
    """Rule: closing an alert that says someone is at risk of harm needs the safeguarding concern's
    reference or the reason none was raised (an alert whose answer was not recorded does not)."""
    return risk_of_harm is True


def close_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    outcome: str,
    closed_on: dt.date,
    expected_version: int,
    today: dt.date,
    safeguarding_reference: str | None = None,
    no_concern_reason: str | None = None,
) -> int:
    """Close an open or in-progress alert with its outcome. Needs MANAGE_ALERTS.

    Rules: the outcome is written (1 to 10,000 characters); the closing day is on or after the day
    the alert was raised and not in the future; when the alert says someone is at risk of harm,
    exactly one of the safeguarding concern's reference (at most 100 characters) and the reason
    no concern was raised is given. A closed alert cannot be closed again. Every problem is
    reported at once (FormInvalid, fields outcome, closed_on, safeguarding_reference,
    no_concern_reason); nothing is saved.
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status == CLOSED:
            raise IllegalTransition(f"{alert.alert_id} is already closed — nothing was saved")
        problems: dict[str, str] = {}
        text = _text_problem(outcome, "say what the outcome was", problems, "outcome")
        day = _day_problem(closed_on, alert, today, problems, "closed_on")
        reference = _optional_text(
            safeguarding_reference, problems, "safeguarding_reference", MAX_REFERENCE
        )
        reason = _optional_text(no_concern_reason, problems, "no_concern_reason", MAX_TEXT)
        if close_needs_safeguarding_answer(alert.risk_of_harm) and not problems:
            if reference is None and reason is None:
                problems["safeguarding_reference"] = SAFEGUARDING_ANSWER_MESSAGE
            elif reference is not None and reason is not None:
                problems["no_concern_reason"] = BOTH_ANSWERS_MESSAGE
        if problems:
            raise FormInvalid(problems, f"{alert.alert_id} was not closed")
        assert day is not None
        _status_change(session, actor, alert, CLOSED, today, text)
        alert.closed_on = day
        alert.closing_outcome = text
        alert.safeguarding_reference = reference
        alert.no_concern_reason = reason
        return f"{alert.alert_id} closed on {day.isoformat()}"

    return _change(engine, actor, alert_id, expected_version, "close", apply)


def reopen_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    reason: str,
    expected_version: int,
    today: dt.date,
) -> int:
    """Reopen a closed alert with a written reason. Needs MANAGE_ALERTS; only a closed alert.

    The closing day, outcome and safeguarding answer are cleared (an open alert has none,
    CONTRACT.md §1); the status history keeps the closing outcome and the reason for reopening,
    the audit trail keeps the rest. A missing reason is refused as FormInvalid (field reason).
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        if alert.status != CLOSED:
            raise IllegalTransition(
                f"{alert.alert_id} is {_label(alert.status)}: only a closed alert can be "
                "reopened — nothing was saved"
            )
        problems: dict[str, str] = {}
        text = _text_problem(reason, "say why the alert is reopened", problems, "reason")
        if problems:
            raise FormInvalid(problems, f"{alert.alert_id} was not reopened")
        _status_change(session, actor, alert, OPEN, today, text)
        alert.closed_on = None
        alert.closing_outcome = None
        alert.safeguarding_reference = None
        alert.no_concern_reason = None
        return "closed → open"

    return _change(engine, actor, alert_id, expected_version, "reopen", apply)


def note_visibility(actor: Actor, chosen: str | None) -> str:
    """Rule: who may read a note. Provider staff's notes are shared with the provider by
    definition; the council chooses, internal being the default."""
    if actor.is_provider_user:
        return SHARED
    return INTERNAL if chosen is None else chosen


def may_read_note(actor: Actor, visibility: str) -> bool:
    """Rule: provider staff read only notes shared with the provider; the council reads all."""
    return not actor.is_provider_user or visibility == SHARED


def add_note(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    text: str,
    *,
    expected_version: int,
    visibility: str | None = None,
) -> int:
    """Add a dated note to an alert's history, whatever its status.

    Needs MANAGE_ALERTS or LOG_ALERT (can_add_note); provider staff only on their own provider's
    alerts. `visibility` is "internal" (the default: the council's only) or "shared" (provider
    staff read it too); a provider user's note is always shared (note_visibility). A note counts
    as a change: it increases the version like any other. Problems come all at once as
    FormInvalid (fields note, visibility); the visibility is audited with the note.
    """
    if not can_add_note(actor):
        actor.require(Permission.MANAGE_ALERTS)  # raises PermissionDenied with the usual words
    problems: dict[str, str] = {}
    body = _text_problem(text, "write the note", problems, "note")
    if visibility is not None and visibility not in NOTE_VISIBILITY:
        problems["visibility"] = (
            "choose who can read the note: internal or shared with the provider"
        )
    if problems:
        raise FormInvalid(problems, "The note was not saved")
    seen_by = note_visibility(actor, visibility)

    def apply(session: Session, alert: QualityAlert) -> str:
        session.add(
            AlertNote(alert_id=alert.alert_id, author=actor.username, text=body, visibility=seen_by)
        )
        return body

    return _change(
        engine,
        actor,
        alert_id,
        expected_version,
        "add_note",
        apply,
        after={"note_visibility": seen_by},
    )


def record_feedback(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    to: FeedbackTo,
    on: dt.date,
    expected_version: int,
    today: dt.date,
) -> int:
    """Record the day feedback was given to the raiser or to the provider. Needs MANAGE_ALERTS.

    Rules: `to` is "raiser" or "provider"; the day is not in the future and not before the alert
    was raised; a new record replaces the earlier day (the audit trail keeps it). Problems come
    all at once as FormInvalid (fields to, on).
    """
    actor.require(Permission.MANAGE_ALERTS)

    def apply(session: Session, alert: QualityAlert) -> str:
        problems: dict[str, str] = {}
        if to not in FEEDBACK_LABELS:
            problems["to"] = "choose who the feedback was given to"
        day = _day_problem(on, alert, today, problems, "on")
        if problems:
            raise FormInvalid(problems, "The feedback was not recorded")
        assert day is not None
        if to == "raiser":
            alert.feedback_to_raiser_on = day
        else:
            alert.feedback_to_provider_on = day
        return f"feedback to {FEEDBACK_LABELS[to]} on {day.isoformat()}"

    return _change(engine, actor, alert_id, expected_version, "feedback", apply)


# --- reading one alert ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChangeView:
    from_status: str | None
    to_status: str
    changed_on: dt.date
    changed_at: dt.datetime
    changed_by: str
    reason: str | None


@dataclass(frozen=True)
class NoteView:
    written_at: dt.datetime
    author: str
    text: str
    visibility: str = INTERNAL

    @property
    def seen_by(self) -> str:
        """Who can read the note, in words."""
        return NOTE_VISIBILITY_SHORT.get(self.visibility, self.visibility)


def readable_notes(actor: Actor, notes: Iterable[AlertNote]) -> tuple[NoteView, ...]:
    """The notes `actor` may read (may_read_note), oldest first, as views."""
    return tuple(
        NoteView(n.written_at, n.author, n.text, n.visibility)
        for n in notes
        if may_read_note(actor, n.visibility)
    )


@dataclass(frozen=True)
class QaActionView:
    action_id: int
    description: str
    owner: str
    due_on: dt.date
    completed_on: dt.date | None


@dataclass(frozen=True)
class QaDiscussionView:
    meeting_id: int
    meeting_on: dt.date
    discussion: str
    actions: tuple[QaActionView, ...]


@dataclass(frozen=True)
class AlertDetail:
    """Everything about one alert as `actor` may see it (provider staff never see the contact)."""

    alert_id: str
    former_id: str | None
    provider_id: str
    provider_name: str
    raised_on: dt.date
    raised_by: str
    category: str
    severity: str
    summary: str
    status: str
    closed_on: dt.date | None
    raiser_contact: str | None
    contact_hidden: bool
    risk_of_harm: bool | None
    safeguarding_concern_raised: bool | None
    closing_outcome: str | None
    safeguarding_reference: str | None
    no_concern_reason: str | None
    feedback_to_raiser_on: dt.date | None
    feedback_to_provider_on: dt.date | None
    version: int
    key_question: str
    days_open: int
    response_due_on: dt.date
    past_response_time: bool
    status_history: tuple[StatusChangeView, ...]
    notes: tuple[NoteView, ...]
    qa_discussions: tuple[QaDiscussionView, ...]
    assigned_to: str | None = None
    assigned_name: str | None = None
    days_past_response: int = 0

    @property
    def assigned_label(self) -> str:
        """The assigned officer in words ("Unassigned" for nobody)."""
        return officer_label(self.assigned_to, self.assigned_name)


def get_alert(
    engine: Engine,
    actor: Actor,
    alert_id: str,
    *,
    today: dt.date | None = None,
    config: AlertConfig | None = None,
) -> AlertDetail:
    """One alert with its history, the notes `actor` may read, feedback and QA meeting
    discussions. `alert_id` may be the alert's id or its former id.

    Needs VIEW_ALERTS; AlertNotFound for an unknown id; PermissionDenied when a provider user asks
    for another provider's alert. Provider staff get only notes shared with the provider and
    never the raiser's contact.
    """
    actor.require(Permission.VIEW_ALERTS)
    today = today or dt.date.today()
    config = config or load_alert_config()
    with Session(engine) as session:
        alert = _find(session, alert_id)
        if alert is None:
            raise AlertNotFound(f"There is no quality alert {alert_id}")
        actor.require_provider(alert.provider_id)
        alert_id = alert.alert_id
        provider = session.get(Provider, alert.provider_id)
        items = session.scalars(
            select(QaAgendaItem)
            .join(QaMeeting, QaMeeting.id == QaAgendaItem.meeting_id)
            .where(QaAgendaItem.alert_id == alert_id)
            .order_by(QaMeeting.meeting_on, QaMeeting.id)
        ).all()
        discussions = tuple(
            QaDiscussionView(
                meeting_id=item.meeting_id,
                meeting_on=item.meeting.meeting_on,
                discussion=item.discussion,
                actions=tuple(
                    QaActionView(a.id, a.description, a.owner, a.due_on, a.completed_on)
                    for a in item.actions
                ),
            )
            for item in items
        )
        hidden = actor.is_provider_user
        officer_names = _display_names(session, [alert.assigned_to])
        return AlertDetail(
            alert_id=alert.alert_id,
            former_id=alert.former_id,
            provider_id=alert.provider_id,
            provider_name=provider.name if provider else alert.provider_id,
            raised_on=alert.raised_on,
            raised_by=alert.raised_by,
            category=alert.category,
            severity=alert.severity,
            summary=alert.summary,
            status=alert.status,
            closed_on=alert.closed_on,
            raiser_contact=None if hidden else alert.raiser_contact,
            contact_hidden=hidden,
            risk_of_harm=alert.risk_of_harm,
            safeguarding_concern_raised=alert.safeguarding_concern_raised,
            closing_outcome=alert.closing_outcome,
            safeguarding_reference=alert.safeguarding_reference,
            no_concern_reason=alert.no_concern_reason,
            feedback_to_raiser_on=alert.feedback_to_raiser_on,
            feedback_to_provider_on=alert.feedback_to_provider_on,
            version=alert.version,
            key_question=key_question(alert.category),
            days_open=days_open(alert.raised_on, alert.closed_on, today),
            response_due_on=response_due_on(alert.raised_on, config),
            past_response_time=past_response_time(alert.status, alert.raised_on, today, config),
            status_history=tuple(
                StatusChangeView(
                    c.from_status, c.to_status, c.changed_on, c.changed_at, c.changed_by, c.reason
                )
                for c in alert.status_changes
            ),
            notes=readable_notes(actor, alert.notes),
            qa_discussions=discussions,
            assigned_to=alert.assigned_to,
            assigned_name=officer_names.get(alert.assigned_to or ""),
            days_past_response=days_past_response(alert.status, alert.raised_on, today, config),
        )


def allowed_actions(actor: Actor, detail: AlertDetail) -> frozenset[str]:
    """The changes `actor` may make to the alert now (pages show only these; the use cases check
    again): "start_progress", "close", "reopen", "feedback", "assign", "note"."""
    if actor.is_provider_user and detail.provider_id != actor.provider_id:
        return frozenset()
    actions: set[str] = set()
    if actor.can(Permission.MANAGE_ALERTS):
        actions.add("feedback")
        if detail.status == OPEN:
            actions.add("start_progress")
        if detail.status in NOT_CLOSED:
            actions.add("close")
            actions.add("assign")
        if detail.status == CLOSED:
            actions.add("reopen")
    if can_add_note(actor):
        actions.add("note")
    return frozenset(actions)


# --- the register ---------------------------------------------------------------------------------

REGISTER_COLUMNS = [
    "alert_id",
    "former_id",
    "provider_id",
    "provider_name",
    "raised_on",
    "raised_by",
    "category",
    "key_question",
    "severity",
    "status",
    "closed_on",
    "days_open",
    "response_due_on",
    "past_response_time",
    "days_past_response",
    "assigned_to",
    "assigned_name",
    "feedback_to_raiser_on",
    "feedback_to_provider_on",
    "risk_of_harm",
    "safeguarding_concern_raised",
    "safeguarding_reference",
    "no_concern_reason",
    "summary",
    "version",
]


def providers_with_alerts(engine: Engine, actor: Actor) -> dict[str, str]:
    """Provider id → name of the providers with at least one alert the actor may see, by name
    (the register's provider filter). Needs VIEW_ALERTS."""
    actor.require(Permission.VIEW_ALERTS)
    statement = (
        select(Provider.provider_id, Provider.name)
        .where(Provider.provider_id.in_(select(QualityAlert.provider_id)))
        .order_by(Provider.name)
    )
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(Provider.provider_id == scope)
    with Session(engine) as session:
        return {row.provider_id: row.name for row in session.execute(statement)}


#: The register's age filter: label → (fewest, most days open), both inclusive; None = no limit.
#: The bands match the weekly report's "open alerts by how long they have been open".
AGE_FILTERS: dict[str, tuple[int | None, int | None]] = {
    "Any age": (None, None),
    "Under 1 week": (0, 6),
    "1 to 4 weeks": (7, 27),
    "4 to 12 weeks": (28, 83),
    "12 weeks or more": (84, None),
}
#: The age filter's code (kept in the address bar) → its label in AGE_FILTERS.
AGE_FILTER_CODES: dict[str, str] = {
    "any": "Any age",
    "under_1_week": "Under 1 week",
    "1_to_4_weeks": "1 to 4 weeks",
    "4_to_12_weeks": "4 to 12 weeks",
    "12_weeks_plus": "12 weeks or more",
}
#: The register's "Assigned" filter: code → words (module rules).
ASSIGNED_FILTER: dict[str, str] = {"me": "Assigned to me", "unassigned": "Unassigned"}
MAX_SEARCH = 200


def _like(words: str) -> str:
    """A LIKE pattern matching `words` anywhere, its own % and _ taken literally."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_clause(actor: Actor, words: str) -> Any:
    """Rule (module "Search"): id, former id, provider name, summary, or a note `actor` may read
    contains `words`, ignoring case."""
    pattern = _like(words)
    notes = select(AlertNote.id).where(
        AlertNote.alert_id == QualityAlert.alert_id,
        AlertNote.text.ilike(pattern, escape="\\"),
    )
    if actor.is_provider_user:  # may_read_note: provider staff read shared notes only
        notes = notes.where(AlertNote.visibility == SHARED)
    return or_(
        QualityAlert.alert_id.ilike(pattern, escape="\\"),
        QualityAlert.former_id.ilike(pattern, escape="\\"),
        Provider.name.ilike(pattern, escape="\\"),
        QualityAlert.summary.ilike(pattern, escape="\\"),
        exists(notes),
    )


def _in(statement: Select, column: Any, values: Collection[str] | None) -> Select:
    return statement if not values else statement.where(column.in_(list(values)))


def alert_register(
    engine: Engine,
    actor: Actor,
    *,
    today: dt.date,
    provider_ids: Collection[str] | None = None,
    categories: Collection[str] | None = None,
    severities: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    raised_by: Collection[str] | None = None,
    min_days_open: int | None = None,
    max_days_open: int | None = None,
    past_response_only: bool = False,
    risk: Collection[str] | None = None,
    assigned: Collection[str] | None = None,
    search: str | None = None,
    config: AlertConfig | None = None,
) -> pd.DataFrame:
    """The alerts `actor` may see, filtered, newest first, one row each (REGISTER_COLUMNS).

    Needs VIEW_ALERTS. An empty or None filter means "any". Days open, the response due day, the
    past-response-time flag and the days past it follow the module's register rules; min/max days
    open are inclusive. `risk` holds RISK_FILTER codes for the answer to "Is someone at risk of
    harm?" ("yes", "no", "not_recorded"); `assigned` ASSIGNED_FILTER codes ("me", "unassigned");
    `search` is free text (module "Search"; blank means none, only its first 200 characters
    count). Provider staff get only their own provider's rows, whatever `provider_ids` says, and
    their search never reads internal notes.
    """
    actor.require(Permission.VIEW_ALERTS)
    config = config or load_alert_config()
    statement = select(
        QualityAlert.alert_id,
        QualityAlert.former_id,
        QualityAlert.provider_id,
        Provider.name,
        QualityAlert.raised_on,
        QualityAlert.raised_by,
        QualityAlert.category,
        QualityAlert.severity,
        QualityAlert.status,
        QualityAlert.closed_on,
        QualityAlert.feedback_to_raiser_on,
        QualityAlert.feedback_to_provider_on,
        QualityAlert.risk_of_harm,
        QualityAlert.safeguarding_concern_raised,
        QualityAlert.safeguarding_reference,
        QualityAlert.no_concern_reason,
        QualityAlert.summary,
        QualityAlert.version,
        QualityAlert.assigned_to,
        User.display_name.label("assigned_name"),
    ).join(Provider, Provider.provider_id == QualityAlert.provider_id)
    statement = statement.outerjoin(User, User.username == QualityAlert.assigned_to)
    if (scope := actor.provider_scope()) is not None:
        statement = statement.where(QualityAlert.provider_id == scope)
    statement = _in(statement, QualityAlert.provider_id, provider_ids)
    statement = _in(statement, QualityAlert.category, categories)
    statement = _in(statement, QualityAlert.severity, severities)
    statement = _in(statement, QualityAlert.status, statuses)
    statement = _in(statement, QualityAlert.raised_by, raised_by)
    if risk and set(risk) != set(RISK_FILTER):
        answers = []
        if "yes" in risk:
            answers.append(QualityAlert.risk_of_harm.is_(True))
        if "no" in risk:
            answers.append(QualityAlert.risk_of_harm.is_(False))
        if "not_recorded" in risk:
            answers.append(QualityAlert.risk_of_harm.is_(None))
        statement = statement.where(or_(*answers) if answers else false())
    if assigned:
        owners = []
        if "me" in assigned:
            owners.append(QualityAlert.assigned_to == actor.username)
        if "unassigned" in assigned:
            owners.append(QualityAlert.assigned_to.is_(None))
        statement = statement.where(or_(*owners) if owners else false())
    words = (search or "").strip()[:MAX_SEARCH]
    if words:
        statement = statement.where(_search_clause(actor, words))
    statement = statement.order_by(QualityAlert.raised_on.desc(), QualityAlert.alert_id.desc())
    with Session(engine) as session:
        rows = session.execute(statement).all()
    records = []
    for row in rows:
        opened = days_open(row.raised_on, row.closed_on, today)
        late = past_response_time(row.status, row.raised_on, today, config)
        if min_days_open is not None and opened < min_days_open:
            continue
        if max_days_open is not None and opened > max_days_open:
            continue
        if past_response_only and not late:
            continue
        records.append(
            {
                "alert_id": row.alert_id,
                "former_id": row.former_id,
                "provider_id": row.provider_id,
                "provider_name": row.name,
                "raised_on": row.raised_on,
                "raised_by": row.raised_by,
                "category": row.category,
                "key_question": key_question(row.category),
                "severity": row.severity,
                "status": row.status,
                "closed_on": row.closed_on,
                "days_open": opened,
                "response_due_on": response_due_on(row.raised_on, config),
                "past_response_time": late,
                "days_past_response": days_past_response(row.status, row.raised_on, today, config),
                "assigned_to": row.assigned_to,
                "assigned_name": row.assigned_name,
                "feedback_to_raiser_on": row.feedback_to_raiser_on,
                "feedback_to_provider_on": row.feedback_to_provider_on,
                "risk_of_harm": row.risk_of_harm,
                "safeguarding_concern_raised": row.safeguarding_concern_raised,
                "safeguarding_reference": row.safeguarding_reference,
                "no_concern_reason": row.no_concern_reason,
                "summary": row.summary,
                "version": row.version,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=REGISTER_COLUMNS)
    frame["days_open"] = frame["days_open"].astype("int64")
    frame["past_response_time"] = frame["past_response_time"].astype(bool)
    frame["days_past_response"] = frame["days_past_response"].astype("int64")
    return frame


OVERDUE_MARK = "⚠ Past response time"


def response_text(row: Mapping[str, Any]) -> str:
    """The register's "Response" words: never colour alone."""
    if row["status"] == CLOSED:
        return "Closed"
    if row["past_response_time"]:
        return OVERDUE_MARK
    due = row["response_due_on"]
    return f"Due by {due.day} {due:%b %Y}"


def yes_no(value: bool | None) -> str:
    """A yes/no answer in words; "Not recorded" when it was never asked (imported alerts)."""
    if value is None or pd.isna(value):
        return "Not recorded"
    return "Yes" if value else "No"


def safeguarding_answer(reference: str | None, reason: str | None) -> str:
    """What was said about a safeguarding concern when the alert was closed, in words."""
    if reference:
        return f"Concern reference {reference}"
    if reason:
        return f"No concern raised: {reason}"
    return ""


TABLE_COLUMNS = [
    "Alert", "Provider", "Raised on", "Category", "CQC key question", "Severity", "Status",
    "Assigned to", "Days open", "Days past response time", "Response", "Response due by",
    "Raised by", "Closed on", "Feedback to raiser",
    "Feedback to provider", "Someone at risk of harm", "Safeguarding concern raised",
    "Safeguarding answer at closing", "What happened", "Former alert number",
]  # fmt: skip


def register_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The register as people read it (page and exports alike): labels, not codes."""
    records = frame.to_dict("records")
    return pd.DataFrame(
        {
            "Alert": frame["alert_id"],
            "Provider": frame["provider_name"],
            "Raised on": frame["raised_on"],
            "Category": frame["category"].map(v.ALERT_CATEGORY.label),
            "CQC key question": frame["key_question"],
            "Severity": frame["severity"].map(v.SEVERITY.label),
            "Status": frame["status"].map(v.ALERT_STATUS.label),
            "Assigned to": [
                officer_label(r["assigned_to"], r["assigned_name"]) for r in records
            ],
            "Days open": frame["days_open"],
            "Days past response time": frame["days_past_response"],
            "Response": [response_text(r) for r in records],
            "Response due by": frame["response_due_on"],
            "Raised by": frame["raised_by"].map(v.ALERT_RAISED_BY.label),
            "Closed on": frame["closed_on"],
            "Feedback to raiser": frame["feedback_to_raiser_on"],
            "Feedback to provider": frame["feedback_to_provider_on"],
            "Someone at risk of harm": frame["risk_of_harm"].map(yes_no),
            "Safeguarding concern raised": frame["safeguarding_concern_raised"].map(yes_no),
            "Safeguarding answer at closing": [
                safeguarding_answer(r["safeguarding_reference"], r["no_concern_reason"])
                for r in records
            ],
            "What happened": frame["summary"],
            "Former alert number": frame["former_id"].fillna(""),
        },
        columns=TABLE_COLUMNS,
    )


def register_csv(frame: pd.DataFrame) -> bytes:
    """The register as CSV (formula-like text neutralised by sgoversight.exporting)."""
    return to_csv_bytes(register_table(frame))


NOTE_COLUMNS = ["Alert", "Written", "By", "Who can read it", "Note"]


def register_notes(engine: Engine, actor: Actor, alert_ids: Collection[str]) -> pd.DataFrame:
    """The notes on the given alerts that `actor` may read (may_read_note: provider staff only
    those shared with the provider, and only on their own provider's alerts), by alert then time.
    Needs VIEW_ALERTS."""
    actor.require(Permission.VIEW_ALERTS)
    ids = list(dict.fromkeys(alert_ids))
    rows: list[dict[str, Any]] = []
    with Session(engine) as session:
        for start in range(0, len(ids), 500):
            statement = (
                select(AlertNote)
                .join(QualityAlert, QualityAlert.alert_id == AlertNote.alert_id)
                .where(AlertNote.alert_id.in_(ids[start : start + 500]))
                .order_by(AlertNote.alert_id, AlertNote.written_at, AlertNote.id)
            )
            if (scope := actor.provider_scope()) is not None:
                statement = statement.where(
                    QualityAlert.provider_id == scope, AlertNote.visibility == SHARED
                )
            for note in session.scalars(statement):
                if not may_read_note(actor, note.visibility):
                    continue
                rows.append(
                    {
                        "Alert": note.alert_id,
                        "Written": uktime.clock(note.written_at),
                        "By": note.author,
                        "Who can read it": NOTE_VISIBILITY_SHORT[note.visibility],
                        "Note": note.text,
                    }
                )
    return pd.DataFrame(rows, columns=NOTE_COLUMNS)


def register_xlsx(frame: pd.DataFrame, note: str, notes: pd.DataFrame | None = None) -> bytes:
    """The register as an Excel workbook with `note` (what was filtered, when) above the table,
    and a sheet of the alerts' notes when `notes` (from register_notes, for the same actor) is
    given."""
    table = register_table(frame)
    counts = key_question_counts(frame)
    sheets = {"Quality alerts": table, "By CQC key question": counts}
    if notes is not None:
        sheets["Notes"] = notes
    return to_xlsx_bytes(sheets, notes=dict.fromkeys(sheets, note))


def alert_label(
    alert_id: str, provider_name: str, category: str, severity: str, former_id: str | None = None
) -> str:
    """How an alert is named in a picker: id (and former id), provider, category, severity. The
    status is left out: a label is for reading only, the choice is kept by id."""
    former = f" (was {former_id})" if former_id else ""
    return (
        f"{alert_id}{former} · {provider_name} · {v.ALERT_CATEGORY.label(category)} · "
        f"{v.SEVERITY.label(severity)}"
    )


def key_question_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Alerts per category, grouped under their CQC key question (CQC order, then most first)."""
    columns = ["CQC key question", "Category", "Alerts"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    counts = frame.groupby(["key_question", "category"]).size().reset_index(name="Alerts")
    counts["order"] = counts["key_question"].map({q: i for i, q in enumerate(KEY_QUESTIONS)})
    counts = counts.sort_values(["order", "Alerts", "category"], ascending=[True, False, True])
    counts["Category"] = counts["category"].map(v.ALERT_CATEGORY.label)
    counts = counts.rename(columns={"key_question": "CQC key question"})
    return counts[columns].reset_index(drop=True)


BAR_COLOUR = "#1f4e79"


def key_question_chart(counts: pd.DataFrame) -> alt.FacetChart:
    """Bars of alerts per category, one panel per CQC key question; counts printed on the bars so
    the chart reads without colour. (Altair is loaded here, for the page: an import of alerts
    does not need it.)"""
    import altair as alt

    questions = [q for q in KEY_QUESTIONS if q in set(counts["CQC key question"])]
    base = alt.Chart().encode(
        y=alt.Y("Category:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("Alerts:Q", title="Quality alerts", axis=alt.Axis(tickMinStep=1)),
        tooltip=["CQC key question", "Category", "Alerts"],
    )
    bars = base.mark_bar(color=BAR_COLOUR)
    labels = base.mark_text(align="left", dx=3, color="#1b1b1b").encode(text="Alerts:Q")
    return (
        alt.layer(bars, labels, data=counts)
        .properties(width=380, height=alt.Step(20))
        .facet(
            row=alt.Row(
                "CQC key question:N",
                sort=questions,
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontWeight="bold",
                    labelFontSize=13,
                ),
            ),
            spacing=8,
        )
        .resolve_scale(y="independent")
    )
