"""What a plan, action or monitoring form must hold before anything is written.

Each form's values are checked field by field (required text not blank and not too long for its
column, dates that cannot be in the future not after today); every problem is reported under the
field it is about (FormInvalid), anything else under the form.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from sgoversight.errors import FormInvalid

MAX_TEXT = 10_000


MAX_NAME = 200  # improvement_actions.owner, enhanced_monitoring.lead


MAX_USERNAME = 64  # improvement_plans.owner


MAX_ID = 64


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def _not_future(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    today = (info.context or {}).get("today")
    if value is not None and today is not None and value > today:
        raise ValueError(f"cannot be in the future (today is {today.isoformat()})")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_not_blank)]


Name = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_not_blank)]


Username = Annotated[str, Field(max_length=MAX_USERNAME), AfterValidator(_not_blank)]


PastDay = Annotated[dt.date, AfterValidator(_not_future)]


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class PlanInput(_Input):
    """A new improvement plan."""

    provider_id: Annotated[str, Field(max_length=MAX_ID), AfterValidator(_not_blank)]
    reason: Text
    owner: Username
    opened_on: PastDay
    next_review_on: dt.date
    board_decision_id: int | None = None

    @model_validator(mode="after")
    def _review_after_opening(self) -> PlanInput:
        if self.next_review_on < self.opened_on:
            raise ValueError(
                f"next_review_on: must be on or after opened_on ({self.opened_on.isoformat()})"
            )
        return self


class PlanChange(_Input):
    """A change of a plan's owner or next review date (None = unchanged)."""

    owner: Username | None = None
    next_review_on: dt.date | None = None


class CloseInput(_Input):
    """Signing off a plan."""

    rationale: Text
    closed_on: PastDay


class ActionInput(_Input):
    """A new action of a plan."""

    description: Text
    owner: Name
    due_on: dt.date


class ActionChange(_Input):
    """A change of an action's evidence, due date or owner (None = unchanged)."""

    evidence: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    due_on: dt.date | None = None
    owner: Name | None = None


class DoneOn(_Input):
    """The day an action was done."""

    completed_on: PastDay


class MonitoringInput(_Input):
    """A new enhanced monitoring arrangement."""

    provider_id: Annotated[str, Field(max_length=MAX_ID), AfterValidator(_not_blank)]
    started_on: PastDay
    review_on: dt.date
    reason: Text
    lead: Name
    board_decision_id: int | None = None

    @model_validator(mode="after")
    def _review_after_start(self) -> MonitoringInput:
        if self.review_on < self.started_on:
            raise ValueError(
                f"review_on: must be on or after started_on ({self.started_on.isoformat()})"
            )
        return self


class MonitoringChange(_Input):
    """A change of an arrangement's review date or lead (None = unchanged)."""

    review_on: dt.date | None = None
    lead: Name | None = None


class VisitInput(_Input):
    """A monitoring visit."""

    visited_on: PastDay
    visited_by: Name
    findings: Text


class EndInput(_Input):
    """Ending enhanced monitoring."""

    ended_on: PastDay
    rationale: Text


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], values: dict[str, Any], today: dt.date, refusal: str) -> M:
    """`values` checked by `model`; BadInput naming each field's problem otherwise."""
    try:
        return model.model_validate(values, context={"today": today})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            if err.get("type") == "missing":
                message = "required"
            problems.append(f"{field}: {message}" if field else message)
        raise form_invalid(refusal, problems) from exc


def form_invalid(refusal: str, problems: list[str]) -> FormInvalid:
    """The form's problems by field: each "field: message" under its field (a rule between fields
    names the field it is about the same way), anything else under "form"."""
    fields: dict[str, str] = {}
    for problem in problems:
        name, sep, message = problem.partition(": ")
        if sep and name.replace("_", "").isalnum() and name == name.lower():
            fields.setdefault(name, message)
        else:
            fields.setdefault("form", problem)
    return FormInvalid(fields, refusal)
