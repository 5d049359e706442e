"""The Provider Oversight Board's meetings and decisions.

Rules (CONTRACT.md §3, issue "Tested RAG scoring and the monthly Provider Oversight Board"):
- The Board records, per provider and month, that it agrees with the computed rating or overrides
  it; an override needs a rating and a written rationale. The computed rating is stored beside the
  decision and never overwritten. It is the rating the records give now (sgoversight.scoring, in
  the same transaction): a page drawn before the records changed, or a forged value, is refused
  with the current rating, so a decision is never saved against a rating the Board did not see.
- A decision is one of routine monitoring, enhanced monitoring, improvement plan or other; choosing
  "improvement plan" opens an improvement plan for the provider (unless one is already open), linked
  to the decision; choosing "enhanced monitoring" starts enhanced monitoring the same way (unless
  the provider is already under it), from the decision's day, with no review date or lead yet
  (set on the plans page; sgoversight.plans shows it as At risk until a review date is set).
- A later decision for the same provider and month supersedes the earlier one on screen; both stay
  in the record.
- Only Board members (and admins) record decisions and meetings; every write is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight import audit, scoring
from sgoversight.auth import Actor, Permission
from sgoversight.errors import BadInput
from sgoversight.models import BoardDecision, BoardMeeting, ImprovementPlan, Provider
from sgoversight.plans import start_monitoring_in

RATINGS = ("Red", "Amber", "Green")
DECISIONS = {
    "routine_monitoring": "Routine contract monitoring",
    "enhanced_monitoring": "Enhanced monitoring",
    "improvement_plan": "Improvement plan",
    "other": "Other (see rationale)",
}
MAX_TEXT = 5_000


class DecisionInput(BaseModel):
    """One Board decision as entered on the page."""

    model_config = ConfigDict(str_strip_whitespace=True)

    board_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    provider_id: str = Field(min_length=1)
    computed_rating: str
    agreed: bool
    override_rating: str | None = None
    rationale: str | None = Field(default=None, max_length=MAX_TEXT)
    decision: str
    meeting_id: int | None = None

    @field_validator("computed_rating")
    @classmethod
    def _known_rating(cls, value: str) -> str:
        if value not in RATINGS:
            raise ValueError(f"must be one of {', '.join(RATINGS)}")
        return value

    @field_validator("decision")
    @classmethod
    def _known_decision(cls, value: str) -> str:
        if value not in DECISIONS:
            raise ValueError(f"must be one of {', '.join(DECISIONS)}")
        return value

    @field_validator("rationale")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _override_needs_rating_and_rationale(self) -> DecisionInput:
        if self.agreed:
            if self.override_rating is not None:
                raise ValueError("override_rating: leave blank when agreeing with the rating")
            return self
        if self.override_rating not in RATINGS:
            raise ValueError("override_rating: an override needs a rating (Red, Amber or Green)")
        if not self.rationale:
            raise ValueError("rationale: an override needs a written rationale")
        return self


class MeetingInput(BaseModel):
    """A Board meeting record as entered on the page."""

    model_config = ConfigDict(str_strip_whitespace=True)

    board_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    meeting_on: dt.date
    attendees: str = Field(default="", max_length=MAX_TEXT)
    notes: str = Field(default="", max_length=MAX_TEXT * 4)


def _validated(model: type[BaseModel], values: dict) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{field}: {message}" if field else message)
        raise BadInput("The decision was not saved", problems) from exc


@dataclass(frozen=True)
class RecordedDecision:
    decision_id: int
    plan_id: str | None
    monitoring_id: int | None = None


def record_decision(
    engine: Engine, actor: Actor, *, today: dt.date | None = None, **values: object
) -> RecordedDecision:
    """Validate and save one Board decision (see the module rules); open a plan when asked to."""
    actor.require(Permission.DECIDE_BOARD)
    entry = _validated(DecisionInput, values)
    assert isinstance(entry, DecisionInput)
    with Session(engine) as session, session.begin():
        if session.get(Provider, entry.provider_id) is None:
            raise BadInput(
                "The decision was not saved", [f"provider_id: unknown provider {entry.provider_id}"]
            )
        if entry.meeting_id is not None and session.get(BoardMeeting, entry.meeting_id) is None:
            raise BadInput(
                "The decision was not saved", [f"meeting_id: no meeting {entry.meeting_id}"]
            )
        _check_computed_rating(session, actor, entry)
        decision = BoardDecision(**entry.model_dump(), decided_by=actor.username)
        session.add(decision)
        session.flush()
        audit.record(
            session, actor, "create", "board_decision", str(decision.id), after=entry.model_dump()
        )
        plan_id = monitoring_id = None
        if entry.decision == "improvement_plan":
            plan_id = _open_plan(session, actor, entry, decision.id, today or dt.date.today())
        if entry.decision == "enhanced_monitoring":
            monitoring_id = _start_monitoring(
                session, actor, entry, decision.id, today or dt.date.today()
            )
        return RecordedDecision(decision.id, plan_id, monitoring_id)


def _check_computed_rating(session: Session, actor: Actor, entry: DecisionInput) -> None:
    """Refuse a decision whose computed rating is not the one the records give now."""
    (current,) = scoring.score_from_database(
        session, entry.board_month, actor=actor, provider_id=entry.provider_id
    )
    if current.rating != entry.computed_rating:
        raise BadInput(
            "The decision was not saved",
            [
                f"computed_rating: the records now rate {entry.provider_id} {current.rating} for "
                f"{entry.board_month}, not {entry.computed_rating}: they changed after the page "
                "was drawn. Look at the provider again and record the decision."
            ],
        )


def _open_plan(
    session: Session, actor: Actor, entry: DecisionInput, decision_id: int, today: dt.date
) -> str:
    """Open an improvement plan for the provider, or link the one already open."""
    rating = entry.override_rating or entry.computed_rating
    existing = session.scalars(
        select(ImprovementPlan).where(
            ImprovementPlan.provider_id == entry.provider_id, ImprovementPlan.status == "open"
        )
    ).first()
    if existing is not None:
        return existing.plan_id
    count = session.scalar(
        select(func.count())
        .select_from(ImprovementPlan)
        .where(ImprovementPlan.provider_id == entry.provider_id)
    )
    plan = ImprovementPlan(
        plan_id=f"{entry.provider_id}-{entry.board_month}-{(count or 0) + 1}",
        provider_id=entry.provider_id,
        opened_on=today,
        reason=entry.rationale or f"Provider Oversight Board {entry.board_month}: rated {rating}",
        status="open",
        board_decision_id=decision_id,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "improvement_plan",
        plan.plan_id,
        after={
            "provider_id": plan.provider_id,
            "reason": plan.reason,
            "board_decision_id": decision_id,
        },
    )
    return plan.plan_id


def _start_monitoring(
    session: Session, actor: Actor, entry: DecisionInput, decision_id: int, today: dt.date
) -> int:
    """Start enhanced monitoring of the provider, or link the arrangement already open."""
    rating = entry.override_rating or entry.computed_rating
    monitoring_id, _started = start_monitoring_in(
        session,
        actor,
        provider_id=entry.provider_id,
        started_on=today,
        reason=entry.rationale or f"Provider Oversight Board {entry.board_month}: rated {rating}",
        board_decision_id=decision_id,
    )
    return monitoring_id


def create_meeting(engine: Engine, actor: Actor, **values: object) -> int:
    """Validate and save a Board meeting record (date, attendees, notes); returns its id."""
    actor.require(Permission.DECIDE_BOARD)
    entry = _validated(MeetingInput, values)
    assert isinstance(entry, MeetingInput)
    with Session(engine) as session, session.begin():
        meeting = BoardMeeting(**entry.model_dump(), created_by=actor.username)
        session.add(meeting)
        session.flush()
        audit.record(
            session, actor, "create", "board_meeting", str(meeting.id), after=entry.model_dump()
        )
        return meeting.id


def latest_decisions(session: Session, board_month: str) -> dict[str, BoardDecision]:
    """The newest decision per provider for `board_month` (earlier ones stay in the record)."""
    rows = session.scalars(
        select(BoardDecision)
        .where(BoardDecision.board_month == board_month)
        .order_by(BoardDecision.id)
    ).all()
    return {row.provider_id: row for row in rows}


def decision_history(session: Session, provider_id: str) -> list[BoardDecision]:
    """Every decision about a provider, newest first."""
    return list(
        session.scalars(
            select(BoardDecision)
            .where(BoardDecision.provider_id == provider_id)
            .order_by(BoardDecision.board_month.desc(), BoardDecision.id.desc())
        )
    )


def meetings_for_month(session: Session, board_month: str) -> list[BoardMeeting]:
    return list(
        session.scalars(
            select(BoardMeeting)
            .where(BoardMeeting.board_month == board_month)
            .order_by(BoardMeeting.meeting_on)
        )
    )
