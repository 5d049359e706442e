"""The tables of record (SQLAlchemy 2, typed).

Enumerated fields store the contract's codes (sgoversight.vocabulary) as plain strings, so the same
schema works on SQLite and PostgreSQL and a council can read the tables directly. Yes/no fields are
booleans; "not recorded" is NULL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ID = String(64)
CODE = String(32)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic batch mode can name constraints."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=_now, server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=_now, onupdate=_now, server_default=func.now()
    )


class Provider(Timestamped, Base):
    """A care provider's service the council commissions or oversees (providers.csv)."""

    __tablename__ = "providers"

    provider_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_type: Mapped[str] = mapped_column(CODE)
    regulated: Mapped[bool] = mapped_column(Boolean)
    commissioned: Mapped[bool] = mapped_column(Boolean, default=True)
    cqc_rating: Mapped[str | None] = mapped_column(CODE)
    capacity: Mapped[int | None] = mapped_column(Integer)
    #: The Care Quality Commission's location id ("1-101234567"): the ratings feed matches on it.
    cqc_location_id: Mapped[str | None] = mapped_column(ID, index=True)

    #: Where the service is, how to reach it (phone, e-mail) and its registered manager: shown
    #: on the provider profile and its PDF; None when not recorded.
    address: Mapped[str | None] = mapped_column(String(500))
    contact: Mapped[str | None] = mapped_column(String(500))
    registered_manager: Mapped[str | None] = mapped_column(String(200))


class CqcRating(Base):
    """One published Care Quality Commission (CQC) rating of a provider for one key question
    (or overall), as the ratings feed brought it (sgoversight.intake.cqc).

    Rows are only added: a new row is kept each time the published rating or its publication
    date changes, so a provider's latest row per key question is its current rating and the
    older rows are its timeline. `rating` is the contract code, NULL when not rated;
    `rating_text` keeps the CQC's own wording ("Insufficient evidence to rate").
    """

    __tablename__ = "cqc_ratings"
    __table_args__ = (Index("ix_cqc_ratings_provider_question", "provider_id", "key_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.provider_id"))
    location_id: Mapped[str] = mapped_column(ID)
    key_question: Mapped[str] = mapped_column(CODE)
    rating: Mapped[str | None] = mapped_column(CODE)
    rating_text: Mapped[str] = mapped_column(String(64))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    report_url: Mapped[str | None] = mapped_column(String(500))
    inherited: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class QualityAlert(Timestamped, Base):
    """A quality alert about a commissioned service (alerts.csv), with its workflow state.

    `version` is incremented on every change so two people editing at once cannot overwrite each
    other (the second save is refused).
    """

    __tablename__ = "quality_alerts"

    alert_id: Mapped[str] = mapped_column(ID, primary_key=True)
    #: The id an in-app alert had before the `AL-` numbering (`QA-YYYY-NNNNN`), still findable.
    former_id: Mapped[str | None] = mapped_column(ID, unique=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.provider_id"), index=True)
    raised_on: Mapped[dt.date] = mapped_column(Date, index=True)
    raised_by: Mapped[str] = mapped_column(CODE)
    category: Mapped[str] = mapped_column(CODE)
    severity: Mapped[str] = mapped_column(CODE)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(CODE, index=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    raiser_contact: Mapped[str | None] = mapped_column(String(200))
    #: The intake form's answer to "Is someone at risk of harm?"; None: not recorded (imported).
    risk_of_harm: Mapped[bool | None] = mapped_column(Boolean)
    safeguarding_concern_raised: Mapped[bool | None] = mapped_column(Boolean)
    closing_outcome: Mapped[str | None] = mapped_column(Text)
    #: Given when an alert that says someone is at risk is closed: the safeguarding concern's
    #: reference, or why no concern was raised.
    safeguarding_reference: Mapped[str | None] = mapped_column(String(100))
    no_concern_reason: Mapped[str | None] = mapped_column(Text)
    feedback_to_raiser_on: Mapped[dt.date | None] = mapped_column(Date)
    feedback_to_provider_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The council officer who owns the work on the alert: a username in `users` with a council
    #: role (sgoversight.alerts.officers.council_officers); None: nobody yet. Not a foreign key,
    #: like `User.provider_id`, so an import of old alerts never depends on the order accounts
    #: arrive.
    assigned_to: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    status_changes: Mapped[list[AlertStatusChange]] = relationship(
        back_populates="alert", order_by="AlertStatusChange.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[AlertNote]] = relationship(
        back_populates="alert", order_by="AlertNote.id", cascade="all, delete-orphan"
    )


class AlertStatusChange(Base):
    """One move of an alert through open → in progress → closed (or a reopening, with reason)."""

    __tablename__ = "alert_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("quality_alerts.alert_id"), index=True)
    from_status: Mapped[str | None] = mapped_column(CODE)
    to_status: Mapped[str] = mapped_column(CODE)
    changed_on: Mapped[dt.date] = mapped_column(Date)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    changed_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)

    alert: Mapped[QualityAlert] = relationship(back_populates="status_changes")


class AlertNote(Base):
    """A dated note in an alert's history, internal to the council or shared with the provider."""

    __tablename__ = "alert_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("quality_alerts.alert_id"), index=True)
    written_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    #: "internal" (the council's only) or "shared" (the provider's staff see it too).
    visibility: Mapped[str] = mapped_column(CODE, default="internal", server_default="internal")

    alert: Mapped[QualityAlert] = relationship(back_populates="notes")


class SafeguardingConcern(Timestamped, Base):
    """A safeguarding concern (s42 "42.1") and, when it became one, its enquiry ("42.2").

    The adult at risk is identified only by a pseudonymous person_id, never by name.
    """

    __tablename__ = "safeguarding_concerns"

    concern_id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, index=True)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    screened_on: Mapped[dt.date | None] = mapped_column(Date)
    referral_source: Mapped[str] = mapped_column(CODE)
    abuse_type: Mapped[str] = mapped_column(CODE)
    location: Mapped[str] = mapped_column(CODE)
    source_of_risk: Mapped[str] = mapped_column(CODE)
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("providers.provider_id"), index=True)
    age_band: Mapped[str] = mapped_column(CODE)
    gender: Mapped[str] = mapped_column(CODE)
    ethnicity: Mapped[str] = mapped_column(CODE)
    enquiry_started_on: Mapped[dt.date | None] = mapped_column(Date)
    enquiry_concluded_on: Mapped[dt.date | None] = mapped_column(Date)
    outcomes_asked: Mapped[str | None] = mapped_column(CODE)
    outcomes_achieved: Mapped[str | None] = mapped_column(CODE)
    risk_assessment: Mapped[str | None] = mapped_column(CODE)
    action_taken: Mapped[bool | None] = mapped_column(Boolean)
    risk_outcome: Mapped[str | None] = mapped_column(CODE)
    lacked_capacity: Mapped[str | None] = mapped_column(CODE)
    advocate_supported: Mapped[bool | None] = mapped_column(Boolean)
    protection_agreed: Mapped[str | None] = mapped_column(CODE)
    protection_plan_reviewed: Mapped[bool | None] = mapped_column(Boolean)
    survey_completed: Mapped[bool | None] = mapped_column(Boolean)
    feedback_to_referrer_on: Mapped[dt.date | None] = mapped_column(Date)
    feedback_to_provider_on: Mapped[dt.date | None] = mapped_column(Date)
    social_isolation: Mapped[bool | None] = mapped_column(Boolean)
    fgc_elements: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_safeguarding_concerns_enquiry_concluded_on", "enquiry_concluded_on"),
    )


class BoardMeeting(Base):
    """A monthly Provider Oversight Board meeting."""

    __tablename__ = "board_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    board_month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM scored
    meeting_on: Mapped[dt.date] = mapped_column(Date)
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


#: The condition of the one decision in force per provider and month (migration 0008).
CURRENT_DECISION = text("status = 'current'")


class BoardDecision(Base):
    """The Board's decision on one provider's monthly rating.

    The computed rating is stored beside the decision and never overwritten; an override carries
    its own rating and a written rationale.
    """

    __tablename__ = "board_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("board_meetings.id"), index=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.provider_id"), index=True)
    board_month: Mapped[str] = mapped_column(String(7), index=True)
    computed_rating: Mapped[str] = mapped_column(String(8))
    agreed: Mapped[bool] = mapped_column(Boolean)
    override_rating: Mapped[str | None] = mapped_column(String(8))
    rationale: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(CODE)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    #: current (the one decision in force for the provider and month), superseded (amended by a
    #: later decision, which names it in supersedes_id) or withdrawn.
    status: Mapped[str] = mapped_column(CODE, default="current", server_default="current")
    amend_reason: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("board_decisions.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index(
            "uq_board_decisions_current",
            "provider_id",
            "board_month",
            unique=True,
            sqlite_where=CURRENT_DECISION,
            postgresql_where=CURRENT_DECISION,
        ),
    )


class ImprovementPlan(Timestamped, Base):
    """An improvement plan for a provider (plans.csv), opened by the Board or moved in."""

    __tablename__ = "improvement_plans"

    plan_id: Mapped[str] = mapped_column(ID, primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.provider_id"), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(CODE)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(64))
    board_decision_id: Mapped[int | None] = mapped_column(ForeignKey("board_decisions.id"))
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    signed_off_by: Mapped[str | None] = mapped_column(String(64))
    close_rationale: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    actions: Mapped[list[ImprovementAction]] = relationship(
        back_populates="plan", order_by="ImprovementAction.due_on"
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class ImprovementAction(Timestamped, Base):
    """One action of an improvement plan (actions.csv); blank completed_on = not done."""

    __tablename__ = "improvement_actions"

    action_id: Mapped[str] = mapped_column(ID, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("improvement_plans.plan_id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    plan: Mapped[ImprovementPlan] = relationship(back_populates="actions")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class TrainingRecord(Base):
    """A safeguarding training completion (training.csv), identified by staff, type and date."""

    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(ID, index=True)
    role: Mapped[str] = mapped_column(CODE)
    training_type: Mapped[str] = mapped_column(CODE)
    completed_on: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint(
            "staff_id", "training_type", "completed_on", name="uq_training_records_natural_key"
        ),
    )


class User(Base):
    """A person who can sign in: the store of record for accounts (sgoversight.users).

    Passwords are stored only as bcrypt hashes. `provider_id` names the provider a provider user
    belongs to; it is not a foreign key because accounts are seeded from config/users.yaml before
    the provider register is imported (a new account's provider is checked when it is added).
    `failed_logins` counts wrong passwords in a row and `locked_until` (UTC) ends a lock-out.
    A sign-in cookie issued before `cookies_revoked_at` (UTC: set on sign-out, password reset and
    disabling) no longer signs in, nor does one after `last_seen_at` (UTC, the account's last
    activity, noted every few minutes) is older than the idle timeout. `demo` marks the demo
    logins, refused when SGO_ENV=production.
    """

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    provider_id: Mapped[str | None] = mapped_column(ID)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    cookies_revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class ImportRun(Base):
    """One import of a contract file that wrote data; the landing page's data freshness."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(CODE, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    imported_by: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


#: The entity of sign-in and account events (failed sign-ins, lock-outs, account changes): they
#: change no record a report or page shows (see sgoversight.store.audit.data_version).
ACCOUNT_ENTITY = "user"
#: The condition of the audit events that record a change to data (migration 0006 indexes them).
DATA_CHANGE = text(f"entity <> '{ACCOUNT_ENTITY}'")


class AuditEvent(Base):
    """Append-only audit trail: who did what, when, with the record before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(
            "ix_audit_events_data_changes",
            "id",
            sqlite_where=DATA_CHANGE,
            postgresql_where=DATA_CHANGE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)


class ReportNarrative(Base):
    """Text a team writes for one period of a report and saves with it: the weekly report's
    "significant issues this week", the quarterly standards report's narrative sections."""

    __tablename__ = "report_narratives"
    __table_args__ = (UniqueConstraint("report", "period", "section"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report: Mapped[str] = mapped_column(CODE)  # weekly | standards
    period: Mapped[str] = mapped_column(String(16))  # 2026-W47 | 2026-Q3
    section: Mapped[str] = mapped_column(CODE)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    # Checked on every save (sgoversight.narratives): a save from an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class QaMeeting(Base):
    """A monthly Quality Assurance meeting (adult social care, providers, commissioners)."""

    __tablename__ = "qa_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_on: Mapped[dt.date] = mapped_column(Date, index=True)
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    items: Mapped[list[QaAgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="QaAgendaItem.id"
    )


class QaAgendaItem(Base):
    """One alert on a QA meeting's agenda, with what the meeting said about it."""

    __tablename__ = "qa_agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "alert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("qa_meetings.id"), index=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("quality_alerts.alert_id"), index=True)
    discussion: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    meeting: Mapped[QaMeeting] = relationship(back_populates="items")
    actions: Mapped[list[QaAction]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="QaAction.id"
    )


class QaAction(Base):
    """An action a QA meeting agreed on an alert: who does what by when."""

    __tablename__ = "qa_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("qa_agenda_items.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    item: Mapped[QaAgendaItem] = relationship(back_populates="actions")


class EnhancedMonitoring(Timestamped, Base):
    """Enhanced monitoring of a provider (usually after an Amber rating): start, reviews, end."""

    __tablename__ = "enhanced_monitoring"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.provider_id"), index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str | None] = mapped_column(String(200))
    board_decision_id: Mapped[int | None] = mapped_column(ForeignKey("board_decisions.id"))
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_rationale: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    visits: Mapped[list[MonitoringVisit]] = relationship(
        back_populates="monitoring",
        cascade="all, delete-orphan",
        order_by="MonitoringVisit.visited_on",
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class MonitoringVisit(Base):
    """A monitoring visit made under enhanced monitoring: when, who, what was found."""

    __tablename__ = "monitoring_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitoring_id: Mapped[int] = mapped_column(ForeignKey("enhanced_monitoring.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    visited_by: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    monitoring: Mapped[EnhancedMonitoring] = relationship(back_populates="visits")


class StandardsResult(Base):
    """One stored figure of one quarter's safeguarding standards, worked out by
    sgoversight.standards.rules and kept so a page reads it instead of counting again
    (sgoversight.standards.results): a measure's result (kind "measure", code its id) or the
    concerns received with one code of a broken-down field (kind the field, count in numerator).

    Rows are valid only for the data version (sgoversight.store.audit.data_version over what the
    standards read) and the rules (config and code, `rules_key`) they were worked out from."""

    __tablename__ = "standards_results"
    __table_args__ = (
        UniqueConstraint(
            "quarter", "data_version", "rules_key", "kind", "code",
            name="uq_standards_results_figure",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quarter: Mapped[str] = mapped_column(String(7))  # 2026-Q3
    data_version: Mapped[int] = mapped_column(Integer, index=True)
    rules_key: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(CODE)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(ID)
    standard: Mapped[str | None] = mapped_column(CODE)
    label: Mapped[str | None] = mapped_column(Text)
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(CODE)
