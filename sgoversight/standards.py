"""The six safeguarding standards: the quarterly scorecard (CONTRACT.md section 5).

One named function per published measure (`emp_1` … `part_3`), each with the contract's definition
in its docstring, each taking a `StandardsInputs` (the frames of sgoversight.queries and the
quarter) and returning a `MeasureResult`. Targets and windows live in config/standards.toml
(`StandardsConfig`). The command line, the page, the 8-quarter trends and the exports all go
through `scorecard`, so a figure never differs between two screens.

The contract's words, and how they are read where they leave room:
- Quarter Q is a calendar quarter, both end days included. "Received" = received_on in Q;
  "concluded" = enquiry_concluded_on in Q (whenever the concern was received). Every other field
  is used as it is recorded now: e.g. PROP-3 counts an enquiry started after the quarter ended,
  PART-1 feedback given after it. A past quarter is re-run on today's data.
- value = numerator / denominator as a percentage, rounded half up to 1 decimal from the exact
  fraction (so 12.25% shows as 12.3, as by hand); None when the denominator is 0.
- status: `no_data` when value is None (this comes first, for trend measures too); else `trend`
  when the measure has no target; else `met` when the shown (rounded) value ≥ target, so the word
  never contradicts the figure beside it; else `not_met`.
- PROP-1 and PROP-2 are counts: numerator = value = the count, denominator None, always `trend`
  (a zero count is a figure, not missing data). Their target in the config must be "trend".
- ACC-1: working days after received_on up to and including screened_on
  (sgoversight.workdays.working_days_after: same day 0, Friday to Monday 1) at most
  `acc1_working_days`. A concern not screened (screened_on blank) stays in the denominator and is
  not in the numerator.
- ACC-2: working_days_after(enquiry_started_on, enquiry_concluded_on) at most
  `acc2_working_days` (20). An enquiry concluded with no start date is not "within".
- ACC-3: another concern for the same person_id received on one of the `repeat_window_days`
  (365) days before received_on, i.e. 1 to 365 days earlier: exactly 365 days earlier counts,
  366 does not. Another concern for the same person received on the same day does not count
  (there is no order within a day, so neither of two same-day concerns is the other's repeat).
  Earlier concerns count whenever they were received, before the quarter included.
- ACC-6 (training): staff = every staff_id with a record completed on or before the quarter's
  last day. Their role is the role on their most recent record on or before that day (records
  after it are ignored, so a past quarter does not change when someone is promoted later); two
  records on that same day with different roles: the later role in the contract's order
  (all_staff, asc_staff, practitioner, operational_manager) is taken. A person is compliant when
  every training type their role requires (`[required_training]`) has a completion in the
  `training_window_days` (730) days ending on the quarter's last day: completed_on from
  end − 729 days to end, both included (729 days before the end counts, 730 does not). A role
  outside the config is never compliant.
- PART-2: "a provider_id" = provider_id recorded, whatever the source of risk.
- PART-3: "about a commissioned provider" = provider_id recorded and that provider is in the
  register with commissioned yes (blank = yes, the contract's default). A provider_id not in the
  register is not counted as commissioned.
- Yes/no fields are read as yes when True (the database's booleans) or the text "yes".
- Breakdowns count received concerns per quarter over the last 8 quarters ending with Q, every
  code in contract order with zeros included (cuckooing too); a code outside the vocabulary is
  listed after them, so each quarter still adds up to PROP-1.
- Small-number suppression (`<5`) is a last, optional step on the rendered output
  (`suppress=True`): numerators, denominators and the values of count measures; percentages are
  shown as computed.
"""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from sqlalchemy import ColumnElement, Engine, and_, or_
from sqlalchemy.orm import Session

from sgoversight import counts
from sgoversight.auth import Actor, Permission, PermissionDenied
from sgoversight.db import PROJECT_ROOT
from sgoversight.errors import BadInput
from sgoversight.exporting import neutralise, suppress_count
from sgoversight.models import SafeguardingConcern
from sgoversight.periods import Period, add_quarters, parse_quarter, quarter_of
from sgoversight.queries import dated_between, load_concerns, load_providers, load_training
from sgoversight.vocabulary import (
    ABUSE_TYPE,
    AGE_BAND,
    ETHNICITY,
    GENDER,
    REFERRAL_SOURCE,
    TRAINING_ROLE,
    TRAINING_TYPE,
    Vocabulary,
)
from sgoversight.workdays import working_days_after_series

CONFIG_PATH = PROJECT_ROOT / "config" / "standards.toml"
SERIES_QUARTERS = 8
FORMATS = ("table", "csv", "json")

MET, NOT_MET, NO_DATA, TREND = "met", "not_met", "no_data", "trend"
#: Each status as read on screen and in files. A measure without a target (status code `trend`)
#: reads "No target": the word "Trend" was read as "rising", which it never meant.
STATUS_LABELS = {MET: "Met", NOT_MET: "Not met", NO_DATA: "No data", TREND: "No target"}

#: Every measure id in contract order, with its standard.
MEASURE_STANDARDS: dict[str, str] = {
    "EMP-1": "Empowerment",
    "EMP-2": "Empowerment",
    "EMP-3": "Empowerment",
    "PREV-1": "Prevention",
    "PREV-2": "Prevention",
    "PROT-1": "Protection",
    "PROP-1": "Proportionality",
    "PROP-2": "Proportionality",
    "PROP-3": "Proportionality",
    "ACC-1": "Accountability",
    "ACC-2": "Accountability",
    "ACC-3": "Accountability",
    "ACC-4": "Accountability",
    "ACC-5": "Accountability",
    "ACC-6": "Accountability",
    "PART-1": "Partnership",
    "PART-2": "Partnership",
    "PART-3": "Partnership",
}
MEASURE_IDS: tuple[str, ...] = tuple(MEASURE_STANDARDS)
#: Measures whose value is a count, not a percentage.
COUNT_MEASURES = frozenset({"PROP-1", "PROP-2"})

#: The fields broken down beside the scorecard, with their vocabularies, in display order.
BREAKDOWN_FIELDS: dict[str, Vocabulary] = {
    "abuse_type": ABUSE_TYPE,
    "referral_source": REFERRAL_SOURCE,
    "age_band": AGE_BAND,
    "gender": GENDER,
    "ethnicity": ETHNICITY,
}
BREAKDOWN_TITLES = {
    "abuse_type": "Concerns received by type of abuse",
    "referral_source": "Concerns received by who raised them",
    "age_band": "Concerns received by age band",
    "gender": "Concerns received by gender",
    "ethnicity": "Concerns received by ethnicity",
}

YES = "yes"
OUTCOMES_WERE_ASKED = ("yes_expressed", "yes_not_expressed")
PROTECTION_WAS_AGREED = ("fully", "partially")
RISK_IDENTIFIED = "risk_identified"
RISK_REDUCED_OR_REMOVED = ("reduced", "removed")
OUTCOMES_WERE_ACHIEVED = ("fully", "partially")
ROLE_ORDER = {role: rank for rank, role in enumerate(TRAINING_ROLE.codes)}


# --- configuration --------------------------------------------------------------------------------


def _target(value: object) -> int | float | None:
    """A target: a percentage from 0 to 100, or the text "trend" for a measure with none."""
    if value == TREND:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError('must be a percentage from 0 to 100 or "trend"')
    if not 0 <= value <= 100:
        raise ValueError("must be from 0 to 100")
    return value


Target = Annotated[int | float | None, BeforeValidator(_target)]


class StandardsConfig(BaseModel):
    """config/standards.toml: a target for every measure and the windows the measures use.

    Strict, closed to unknown keys and with no defaults, so a misspelt or missing setting is
    reported by name instead of silently taking a value nobody chose.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    acc1_working_days: int = Field(ge=0)
    acc2_working_days: int = Field(ge=0)
    repeat_window_days: int = Field(ge=1)
    training_window_days: int = Field(ge=1)
    targets: dict[str, Target]
    required_training: dict[str, list[str]]

    @field_validator("targets", mode="before")
    @classmethod
    def _every_measure_once(cls, targets: object) -> object:
        if not isinstance(targets, dict):
            return targets  # reported by the type check
        problems = []
        unknown = [str(key) for key in targets if key not in MEASURE_STANDARDS]
        if unknown:
            problems.append(
                f"unknown measure id {', '.join(unknown)} (measure ids: {', '.join(MEASURE_IDS)})"
            )
        missing = [key for key in MEASURE_IDS if key not in targets]
        if missing:
            problems.append(f"missing measure id {', '.join(missing)}")
        if problems:
            raise ValueError("; ".join(problems))
        return {key: targets[key] for key in MEASURE_IDS}

    @field_validator("targets")
    @classmethod
    def _counts_have_no_target(cls, targets: dict[str, Any]) -> dict[str, Any]:
        counted = [key for key in sorted(COUNT_MEASURES) if targets[key] is not None]
        if counted:
            raise ValueError(f'{", ".join(counted)} is a count: its target must be "trend"')
        return targets

    @field_validator("required_training")
    @classmethod
    def _every_role_known_types(cls, required: dict[str, list[str]]) -> dict[str, list[str]]:
        problems = []
        unknown = [role for role in required if role not in TRAINING_ROLE.codes]
        if unknown:
            problems.append(
                f"unknown role {', '.join(unknown)} (roles: {', '.join(TRAINING_ROLE.codes)})"
            )
        missing = [role for role in TRAINING_ROLE.codes if role not in required]
        if missing:
            problems.append(f"missing role {', '.join(missing)}")
        for role, types in required.items():
            bad = [t for t in types if t not in TRAINING_TYPE.codes]
            if not types:
                problems.append(f"{role} must require at least one training type")
            elif bad:
                problems.append(
                    f"{role}: unknown training type {', '.join(bad)} "
                    f"(types: {', '.join(TRAINING_TYPE.codes)})"
                )
            elif len(set(types)) != len(types):
                problems.append(f"{role}: a training type is listed twice")
        if problems:
            raise ValueError("; ".join(problems))
        return required

    def target(self, measure_id: str) -> int | float | None:
        """The measure's target percentage, or None for a trend measure."""
        return self.targets[measure_id]


#: The contract's own settings (CONTRACT.md section 5); config/standards.toml ships with these.
CONTRACT_DEFAULTS = StandardsConfig(
    acc1_working_days=1,
    acc2_working_days=20,
    repeat_window_days=365,
    training_window_days=730,
    targets={
        "EMP-1": 90,
        "EMP-2": 80,
        "EMP-3": 80,
        "PREV-1": TREND,
        "PREV-2": TREND,
        "PROT-1": 90,
        "PROP-1": TREND,
        "PROP-2": TREND,
        "PROP-3": 30,
        "ACC-1": 90,
        "ACC-2": 80,
        "ACC-3": TREND,
        "ACC-4": 90,
        "ACC-5": 15,
        "ACC-6": 90,
        "PART-1": 90,
        "PART-2": 90,
        "PART-3": TREND,
    },
    required_training={
        "all_staff": ["corporate_mandatory"],
        "asc_staff": ["corporate_mandatory", "asc_awareness"],
        "practitioner": ["corporate_mandatory", "asc_awareness", "asc_enquiry"],
        "operational_manager": ["corporate_mandatory", "asc_awareness", "asc_managers"],
    },
)


def load_standards_config(path: Path | str | None = None) -> StandardsConfig:
    """Read and validate config/standards.toml (or `path`); BadInput naming the file and every
    broken key otherwise."""
    source = Path(path) if path is not None else CONFIG_PATH
    try:
        with source.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise BadInput(f"{source}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML: {exc}") from exc
    return standards_config_from(document, source=str(source))


def standards_config_from(document: Mapping[str, Any], source: str = "config") -> StandardsConfig:
    """Validate a parsed standards configuration; BadInput naming every broken key otherwise."""
    try:
        return StandardsConfig.model_validate(dict(document))
    except ValidationError as exc:
        problems = [_config_problem(error) for error in exc.errors()]
        raise BadInput(f"{source}: " + "; ".join(problems), problems) from exc


def _config_problem(error: ErrorDetails) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "missing":
        return f"{key}: missing"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown setting"
    if isinstance(error["input"], dict | list):
        return f"{key}: {message}"
    return f"{key} = {error['input']!r}: {message}"


# --- inputs ---------------------------------------------------------------------------------------


def as_quarter(quarter: Period | str) -> Period:
    """A calendar quarter from `YYYY-Qn` text or a Period; BadInput for any other period."""
    if isinstance(quarter, str):
        return parse_quarter(quarter)
    expected = quarter_of(quarter.start)
    if (quarter.start, quarter.end) != (expected.start, expected.end):
        raise BadInput(f"{quarter.label} is not a calendar quarter")
    return expected


def _is_yes(values: pd.Series) -> pd.Series:
    return values.isin([True, YES])


def days_since_previous_concern(concerns: pd.DataFrame) -> pd.Series:
    """Per concern, the days since the same person's latest concern received on an earlier day
    (NaN when there is none). Concerns for the same person on the same day are not each other's
    previous concern; a row without a person_id or received_on has none. Computed with one sort,
    not a loop over rows."""
    result = np.full(len(concerns), np.nan)
    received = concerns["received_on"].to_numpy().astype("datetime64[D]")
    known = ~np.isnat(received) & concerns["person_id"].notna().to_numpy()
    if known.any():
        positions = np.flatnonzero(known)
        person = pd.factorize(concerns["person_id"].to_numpy()[known])[0]
        days = received[known]
        order = np.lexsort((days, person))
        person, days = person[order], days[order]
        size = len(order)
        new_person = np.r_[True, person[1:] != person[:-1]]
        new_day = new_person | np.r_[True, days[1:] != days[:-1]]
        # For each row, the first row of its (person, day) run; the row before that run is the
        # same person's previous day, unless the run starts a new person.
        run_start = np.maximum.accumulate(np.where(new_day, np.arange(size), 0))
        has_previous = ~new_person[run_start]
        gaps = np.full(size, np.nan)
        previous = run_start[has_previous] - 1
        gaps[has_previous] = (days[has_previous] - days[previous]).astype("int64")
        result[positions[order]] = gaps
    return pd.Series(result, index=concerns.index, name="days_since_previous_concern")


def commissioned_provider_ids(providers: pd.DataFrame) -> set[str]:
    """Providers in the register with commissioned yes (blank = yes, the contract's default)."""
    if "commissioned" not in providers.columns:
        return set(providers["provider_id"])
    commissioned = providers["commissioned"]
    yes = _is_yes(commissioned) | commissioned.isna()
    return set(providers.loc[yes, "provider_id"])


def concern_facts(concerns: pd.DataFrame, providers: pd.DataFrame) -> pd.DataFrame:
    """The concerns frame with the derived columns the measures read, computed once for any
    number of quarters:

    - screening_working_days: working days after received_on up to and including screened_on;
    - enquiry_working_days: working days after enquiry_started_on up to enquiry_concluded_on;
    - days_since_previous_concern (see `days_since_previous_concern`);
    - about_commissioned_provider: provider_id is a commissioned provider in the register.
    """
    facts = concerns.copy()
    facts["screening_working_days"] = working_days_after_series(
        concerns["received_on"], concerns["screened_on"]
    )
    facts["enquiry_working_days"] = working_days_after_series(
        concerns["enquiry_started_on"], concerns["enquiry_concluded_on"]
    )
    facts["days_since_previous_concern"] = days_since_previous_concern(concerns)
    commissioned = commissioned_provider_ids(providers)
    facts["about_commissioned_provider"] = (
        concerns["provider_id"].isin(commissioned) & concerns["provider_id"].notna()
    )
    return facts


@dataclass(frozen=True, eq=False)
class StandardsInputs:
    """What the measures are computed from: the frames of sgoversight.queries (load_concerns,
    load_providers, load_training; dates datetime64, NaT = not recorded) and the quarter.

    The derived concern columns (`facts`) are computed once and shared by `for_quarter`, so a
    series of quarters costs one pass over the concerns.
    """

    concerns: pd.DataFrame
    providers: pd.DataFrame
    training: pd.DataFrame
    quarter: Period
    _facts: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quarter", as_quarter(self.quarter))

    @cached_property
    def facts(self) -> pd.DataFrame:
        """The concerns with their derived columns (see `concern_facts`)."""
        if self._facts is not None:
            return self._facts
        return concern_facts(self.concerns, self.providers)

    @cached_property
    def received(self) -> pd.DataFrame:
        """Concerns received in the quarter."""
        return self.facts[counts.dated_in_mask(self.facts, "received_on", self.quarter)]

    @cached_property
    def concluded(self) -> pd.DataFrame:
        """Enquiries concluded in the quarter."""
        return self.facts[counts.dated_in_mask(self.facts, "enquiry_concluded_on", self.quarter)]

    def for_quarter(self, quarter: Period | str) -> StandardsInputs:
        """The same data for another quarter, sharing the derived columns."""
        return replace(self, quarter=as_quarter(quarter), _facts=self.facts)


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureResult:
    """One row of the scorecard, in the contract's JSON shape."""

    measure_id: str
    standard: str
    label: str
    numerator: int
    denominator: int | None
    value: float | int | None
    target: int | float | None
    status: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


#: The contract's JSON keys, in its order: the columns of every scorecard table.
SCORECARD_COLUMNS = [f.name for f in fields(MeasureResult)]


def percentage(numerator: int, denominator: int) -> float | None:
    """numerator / denominator × 100, rounded half up to 1 decimal; None when denominator is 0."""
    if denominator == 0:
        return None
    exact = Decimal(numerator * 100) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def status_of(value: float | int | None, target: int | float | None) -> str:
    """`no_data` without a value, `trend` without a target, else `met` when value ≥ target."""
    if value is None:
        return NO_DATA
    if target is None:
        return TREND
    return MET if value >= target else NOT_MET


def _days(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def measure_label(measure_id: str, config: StandardsConfig = CONTRACT_DEFAULTS) -> str:
    """The plain-English name of a measure shown on screen and in exports."""
    years, leftover = divmod(config.training_window_days, 365)
    if leftover or not years:
        training_window = f"the last {_days(config.training_window_days, 'day')}"
    else:
        training_window = "the last year" if years == 1 else f"the last {years} years"
    labels = {
        "EMP-1": "People asked what outcomes they wanted",
        "EMP-2": "People who agreed with the protection put in place",
        "EMP-3": "People who completed the feedback survey",
        "PREV-1": "Concerns with family group conference elements",
        "PREV-2": "Concerns where the person was socially isolated",
        "PROT-1": "Identified risks that were reduced or removed",
        "PROP-1": "Safeguarding concerns received",
        "PROP-2": "Safeguarding enquiries concluded",
        "PROP-3": "Concerns that became a safeguarding enquiry",
        "ACC-1": f"Concerns screened within {_days(config.acc1_working_days, 'working day')}",
        "ACC-2": f"Enquiries concluded within {_days(config.acc2_working_days, 'working day')}",
        "ACC-3": (
            "Concerns about someone with another concern in the previous "
            f"{_days(config.repeat_window_days, 'day')}"
        ),
        "ACC-4": "People whose outcomes were fully or partly achieved",
        "ACC-5": "Enquiries where the protection plan was reviewed",
        "ACC-6": f"Staff with their required safeguarding training in {training_window}",
        "PART-1": "Enquiries where the referrer was given feedback",
        "PART-2": "Enquiries about a provider where the provider was given feedback",
        "PART-3": "Concerns about a commissioned provider",
    }
    return labels[measure_id]


Count = int | np.integer


def _rate(
    measure_id: str, numerator: Count, denominator: Count, config: StandardsConfig
) -> MeasureResult:
    numerator, denominator = int(numerator), int(denominator)
    value = percentage(numerator, denominator)
    target = config.target(measure_id)
    return MeasureResult(
        measure_id=measure_id,
        standard=MEASURE_STANDARDS[measure_id],
        label=measure_label(measure_id, config),
        numerator=numerator,
        denominator=denominator,
        value=value,
        target=target,
        status=status_of(value, target),
    )


def _count(measure_id: str, count: Count, config: StandardsConfig) -> MeasureResult:
    count = int(count)
    return MeasureResult(
        measure_id=measure_id,
        standard=MEASURE_STANDARDS[measure_id],
        label=measure_label(measure_id, config),
        numerator=count,
        denominator=None,
        value=count,
        target=None,
        status=TREND,
    )


# --- the measures ---------------------------------------------------------------------------------


def emp_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """EMP-1 (Empowerment): enquiries concluded in the quarter with outcomes_asked
    `yes_expressed` or `yes_not_expressed` / enquiries concluded in the quarter. Target 90."""
    concluded = inputs.concluded
    asked = concluded["outcomes_asked"].isin(OUTCOMES_WERE_ASKED)
    return _rate("EMP-1", asked.sum(), len(concluded), config)


def emp_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """EMP-2 (Empowerment): enquiries concluded in the quarter with protection_agreed `fully` or
    `partially` / enquiries concluded in the quarter with protection_agreed recorded. Target 80."""
    agreed = inputs.concluded["protection_agreed"]
    recorded = agreed.notna()
    return _rate("EMP-2", agreed.isin(PROTECTION_WAS_AGREED).sum(), recorded.sum(), config)


def emp_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """EMP-3 (Empowerment): enquiries concluded in the quarter with survey_completed `yes` /
    enquiries concluded in the quarter. Target 80."""
    concluded = inputs.concluded
    return _rate("EMP-3", _is_yes(concluded["survey_completed"]).sum(), len(concluded), config)


def prev_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PREV-1 (Prevention): concerns received in the quarter with fgc_elements `yes` / concerns
    received in the quarter. Trend."""
    received = inputs.received
    return _rate("PREV-1", _is_yes(received["fgc_elements"]).sum(), len(received), config)


def prev_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PREV-2 (Prevention): concerns received in the quarter with social_isolation `yes` /
    concerns received in the quarter. Trend."""
    received = inputs.received
    return _rate("PREV-2", _is_yes(received["social_isolation"]).sum(), len(received), config)


def prot_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PROT-1 (Protection): enquiries concluded in the quarter with risk_assessment
    `risk_identified` and risk_outcome `reduced` or `removed` / enquiries concluded in the quarter
    with risk_assessment `risk_identified`. Target 90."""
    concluded = inputs.concluded
    identified = concluded["risk_assessment"] == RISK_IDENTIFIED
    reduced = identified & concluded["risk_outcome"].isin(RISK_REDUCED_OR_REMOVED)
    return _rate("PROT-1", reduced.sum(), identified.sum(), config)


def prop_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PROP-1 (Proportionality): the number of concerns received in the quarter (a count). Trend."""
    return _count("PROP-1", len(inputs.received), config)


def prop_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PROP-2 (Proportionality): the number of enquiries concluded in the quarter (a count).
    Trend."""
    return _count("PROP-2", len(inputs.concluded), config)


def prop_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PROP-3 (Proportionality): concerns received in the quarter that have an
    enquiry_started_on / concerns received in the quarter (conversion of concerns, s42 "42.1",
    to enquiries, "42.2"). Target 30."""
    received = inputs.received
    return _rate("PROP-3", received["enquiry_started_on"].notna().sum(), len(received), config)


def acc_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-1 (Accountability): concerns received in the quarter with screened_on at most 1
    working day after received_on (working days after received_on up to and including
    screened_on: same day 0, Friday to Monday 1) / concerns received in the quarter. A concern
    not yet screened counts in the denominator only. Target 90."""
    received = inputs.received
    within = received["screening_working_days"].le(config.acc1_working_days).fillna(False)
    return _rate("ACC-1", within.sum(), len(received), config)


def acc_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-2 (Accountability): enquiries concluded in the quarter within 20 working days of
    enquiry_started_on (working days after enquiry_started_on up to and including
    enquiry_concluded_on at most 20) / enquiries concluded in the quarter. Target 80."""
    concluded = inputs.concluded
    within = concluded["enquiry_working_days"].le(config.acc2_working_days).fillna(False)
    return _rate("ACC-2", within.sum(), len(concluded), config)


def acc_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-3 (Accountability): concerns received in the quarter whose person_id had another
    concern received in the 365 days before (1 to 365 days earlier; the same day does not count)
    / concerns received in the quarter. Trend."""
    received = inputs.received
    repeat = received["days_since_previous_concern"] <= config.repeat_window_days
    return _rate("ACC-3", repeat.sum(), len(received), config)


def acc_4(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-4 (Accountability): enquiries concluded in the quarter with outcomes_achieved `fully`
    or `partially` / enquiries concluded in the quarter with outcomes_achieved recorded.
    Target 90."""
    achieved = inputs.concluded["outcomes_achieved"]
    return _rate(
        "ACC-4", achieved.isin(OUTCOMES_WERE_ACHIEVED).sum(), achieved.notna().sum(), config
    )


def acc_5(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-5 (Accountability): enquiries concluded in the quarter with protection_plan_reviewed
    `yes` / enquiries concluded in the quarter. Target 15."""
    concluded = inputs.concluded
    reviewed = _is_yes(concluded["protection_plan_reviewed"])
    return _rate("ACC-5", reviewed.sum(), len(concluded), config)


def acc_6(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-6 (Accountability): staff whose required training was completed in the 2 years
    (730 days) ending on the quarter's last day / staff. Staff = everyone with a training record
    on or before that day; their role is the role on their most recent such record; every
    training type the role requires needs a completion in the window. Target 90."""
    staff = staff_training_compliance(inputs.training, inputs.quarter.end, config)
    return _rate("ACC-6", staff["compliant"].sum(), len(staff), config)


def part_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PART-1 (Partnership): enquiries concluded in the quarter with feedback_to_referrer_on
    recorded / enquiries concluded in the quarter. Target 90."""
    concluded = inputs.concluded
    return _rate(
        "PART-1", concluded["feedback_to_referrer_on"].notna().sum(), len(concluded), config
    )


def part_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PART-2 (Partnership): enquiries concluded in the quarter with a provider_id and
    feedback_to_provider_on recorded / enquiries concluded in the quarter with a provider_id.
    Target 90."""
    concluded = inputs.concluded
    with_provider = concluded["provider_id"].notna()
    fed_back = with_provider & concluded["feedback_to_provider_on"].notna()
    return _rate("PART-2", fed_back.sum(), with_provider.sum(), config)


def part_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PART-3 (Partnership): concerns received in the quarter about a commissioned provider
    (provider_id in the register with commissioned yes) / concerns received in the quarter.
    Trend."""
    received = inputs.received
    return _rate("PART-3", received["about_commissioned_provider"].sum(), len(received), config)


MeasureFunction = Callable[[StandardsInputs, StandardsConfig], MeasureResult]

#: measure id → its function, in contract order.
MEASURES: dict[str, MeasureFunction] = {
    "EMP-1": emp_1,
    "EMP-2": emp_2,
    "EMP-3": emp_3,
    "PREV-1": prev_1,
    "PREV-2": prev_2,
    "PROT-1": prot_1,
    "PROP-1": prop_1,
    "PROP-2": prop_2,
    "PROP-3": prop_3,
    "ACC-1": acc_1,
    "ACC-2": acc_2,
    "ACC-3": acc_3,
    "ACC-4": acc_4,
    "ACC-5": acc_5,
    "ACC-6": acc_6,
    "PART-1": part_1,
    "PART-2": part_2,
    "PART-3": part_3,
}


def measure_definition(measure_id: str) -> str:
    """The contract's definition of a measure, as written in its function's docstring."""
    return " ".join((inspect.getdoc(MEASURES[measure_id]) or "").split())


# --- training -------------------------------------------------------------------------------------


STAFF_STATUS_COLUMNS = ["staff_id", "role", "compliant", "missing_training"]


def _required_training(
    training: pd.DataFrame, as_of: dt.date, config: StandardsConfig
) -> pd.DataFrame:
    """One row per staff member × training type their role requires, as of `as_of` (see ACC-6):
    staff_id, role, training_type (blank for a role outside the config) and done (a completion
    in the window)."""
    end = pd.Timestamp(as_of)
    records = training[training["completed_on"] <= end]
    rank = records["role"].map(ROLE_ORDER).fillna(-1)
    latest = (
        records.assign(_rank=rank)
        .sort_values(["staff_id", "completed_on", "_rank"], kind="stable")
        .groupby("staff_id", sort=True)
        .tail(1)
    )
    roles = latest[["staff_id", "role"]].sort_values("staff_id").reset_index(drop=True)
    window_start = end - pd.Timedelta(days=config.training_window_days - 1)
    recent = records[records["completed_on"] >= window_start]
    done = recent[["staff_id", "training_type"]].drop_duplicates().assign(done=True)
    required = pd.DataFrame(
        [
            (role, training_type)
            for role, types in config.required_training.items()
            for training_type in types
        ],
        columns=["role", "training_type"],
    )
    needed = roles.merge(required, on="role", how="left").merge(
        done, on=["staff_id", "training_type"], how="left"
    )
    # A role outside the config requires nothing it could have done: never compliant.
    needed["done"] = needed["done"].notna().to_numpy() & needed["training_type"].notna().to_numpy()
    return needed


def staff_training_compliance(
    training: pd.DataFrame, as_of: dt.date, config: StandardsConfig = CONTRACT_DEFAULTS
) -> pd.DataFrame:
    """One row per member of staff as of `as_of` (see ACC-6), sorted by staff_id: staff_id, role
    and compliant."""
    needed = _required_training(training, as_of, config)
    compliant = needed.groupby(["staff_id", "role"], sort=True, dropna=False)["done"].all()
    return compliant.rename("compliant").reset_index()


def staff_training_status(
    training: pd.DataFrame, as_of: dt.date, config: StandardsConfig = CONTRACT_DEFAULTS
) -> pd.DataFrame:
    """`staff_training_compliance` with missing_training added: the required types with no
    completion in the window, comma separated (for a drill-down beside ACC-6)."""
    needed = _required_training(training, as_of, config)
    status = staff_training_compliance(training, as_of, config)
    missing = (
        needed[~needed["done"] & needed["training_type"].notna()]
        .groupby("staff_id", sort=True)["training_type"]
        .agg(", ".join)
    )
    status["missing_training"] = status["staff_id"].map(missing).fillna("")
    return status[STAFF_STATUS_COLUMNS]


# --- the scorecard --------------------------------------------------------------------------------


def _config(config: StandardsConfig | None) -> StandardsConfig:
    return config if config is not None else load_standards_config()


def scorecard(
    inputs: StandardsInputs, config: StandardsConfig | None = None
) -> list[MeasureResult]:
    """Every measure for `inputs.quarter`, in contract order (config default:
    config/standards.toml)."""
    config = _config(config)
    return [MEASURES[measure_id](inputs, config) for measure_id in MEASURE_IDS]


@dataclass(frozen=True)
class RowsRead:
    """Database conditions for the concerns some quarters' measures can count (see rows_read)."""

    counted: ColumnElement[bool]
    look_back: ColumnElement[bool]


#: The columns ACC-3's look-back reads of the concerns before the quarters.
LOOK_BACK_COLUMNS = ("concern_id", "person_id", "received_on")


def rows_read(
    quarter: Period | str, quarters: int, config: StandardsConfig | None = None
) -> RowsRead:
    """The concerns the measures and breakdowns of the `quarters` quarters ending with `quarter`
    can count, so a large register is not read whole: `counted`, received or concluded in those
    quarters (every column), and `look_back`, the others received in the `repeat_window_days`
    before the first of them (ACC-3 looks back that far for the same person: LOOK_BACK_COLUMNS
    only).

    A superset, never the count: the rules then run on these rows exactly as on every row.
    """
    config = _config(config)
    periods = _quarters_ending(as_quarter(quarter), quarters)
    start, end = periods[0].start, periods[-1].end
    return RowsRead(
        counted=or_(
            dated_between(SafeguardingConcern.received_on, start, end),
            dated_between(SafeguardingConcern.enquiry_concluded_on, start, end),
        ),
        look_back=and_(
            dated_between(
                SafeguardingConcern.received_on,
                start - dt.timedelta(days=config.repeat_window_days),
                start - dt.timedelta(days=1),
            ),
            # not already counted (received before the quarters, so counted only if concluded)
            or_(
                SafeguardingConcern.enquiry_concluded_on.is_(None),
                ~dated_between(SafeguardingConcern.enquiry_concluded_on, start, end),
            ),
        ),
    )


def _concerns_read(session: Session, rows: RowsRead) -> pd.DataFrame:
    """The counted concerns with every column, then the look-back's (never counted) concerns with
    LOOK_BACK_COLUMNS (their other columns blank)."""
    counted = load_concerns(session, where=rows.counted)
    earlier = load_concerns(session, columns=LOOK_BACK_COLUMNS, where=rows.look_back)
    if earlier.empty:
        return counted
    blank = {c: pd.Series(None, index=earlier.index, dtype=counted[c].dtype)
             for c in counted.columns if c not in earlier.columns}  # fmt: skip
    earlier = earlier.assign(**blank)[list(counted.columns)]
    return pd.concat([counted, earlier], ignore_index=True) if len(counted) else earlier


def load_inputs(
    session_or_engine: Session | Engine,
    quarter: Period | str,
    *,
    actor: Actor,
    quarters: int | None = None,
    config: StandardsConfig | None = None,
) -> StandardsInputs:
    """Load the frames the standards are computed from (council-wide), once the actor is shown
    to be allowed to view the standards (PermissionDenied otherwise).

    With `quarters`, only the concerns the `quarters` quarters ending with `quarter` can count
    (rows_read, with `config`'s look-back): the inputs then answer for those quarters only.
    """
    actor.require(Permission.VIEW_STANDARDS)
    quarter = as_quarter(quarter)
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session:
            return load_inputs(session, quarter, actor=actor, quarters=quarters, config=config)
    session = session_or_engine
    concerns = (
        load_concerns(session)
        if quarters is None
        else _concerns_read(session, rows_read(quarter, quarters, config))
    )
    return StandardsInputs(
        concerns=concerns,
        providers=load_providers(session),
        training=load_training(session),
        quarter=quarter,
    )


def scorecard_from_database(
    session_or_engine: Session | Engine,
    quarter: Period | str,
    *,
    actor: Actor,
    config: StandardsConfig | None = None,
) -> list[MeasureResult]:
    """Load the data and compute the scorecard for `quarter` (requires VIEW_STANDARDS)."""
    config = _config(config)
    inputs = load_inputs(session_or_engine, quarter, actor=actor, quarters=1, config=config)
    return scorecard(inputs, config)


SERIES_COLUMNS = ["quarter", "start", "end", *SCORECARD_COLUMNS]


def _quarters_ending(last: Period, quarters: int) -> list[Period]:
    if quarters < 1:
        raise BadInput(f"quarters must be 1 or more, not {quarters}")
    return [add_quarters(last, -back) for back in range(quarters - 1, -1, -1)]


def scorecard_series(
    source: StandardsInputs | Session | Engine,
    quarter: Period | str | None = None,
    quarters: int = SERIES_QUARTERS,
    *,
    actor: Actor | None = None,
    config: StandardsConfig | None = None,
) -> pd.DataFrame:
    """The scorecard of the `quarters` quarters ending with `quarter` (default: the inputs'
    quarter), oldest first: one row per quarter × measure, columns SERIES_COLUMNS. Each quarter is
    computed by `scorecard` from data loaded and prepared once. Numeric columns are numeric, for
    charts: a missing value or target (no data, trend) is NaN there."""
    config = _config(config)
    if isinstance(source, StandardsInputs):
        inputs = source
    else:
        if quarter is None:
            raise BadInput("a quarter is needed to load the standards")
        if actor is None:
            raise PermissionDenied("loading the standards needs the actor who asks")
        inputs = load_inputs(source, quarter, actor=actor, quarters=quarters, config=config)
    last = as_quarter(quarter) if quarter is not None else inputs.quarter
    rows = []
    for period in _quarters_ending(last, quarters):
        for result in scorecard(inputs.for_quarter(period), config):
            rows.append(
                {"quarter": period.label, "start": period.start, "end": period.end} | asdict(result)
            )
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


BREAKDOWN_COLUMNS = ["quarter", "code", "label", "concerns"]
NOT_RECORDED = "not_recorded"


def breakdowns(
    inputs: StandardsInputs,
    quarter: Period | str | None = None,
    quarters: int = SERIES_QUARTERS,
) -> dict[str, pd.DataFrame]:
    """Concerns received per quarter by abuse type, referral source, age band, gender and
    ethnicity, over the `quarters` quarters ending with `quarter` (default: the inputs' quarter).

    Each frame has BREAKDOWN_COLUMNS (quarter label, code, plain-English label, concerns), quarters
    oldest first and every code of the field's vocabulary in contract order, zeros included; codes
    outside the vocabulary follow, sorted, so each quarter adds up to its PROP-1.
    """
    last = as_quarter(quarter) if quarter is not None else inputs.quarter
    periods = _quarters_ending(last, quarters)
    labels = [p.label for p in periods]
    concerns = inputs.concerns
    span = Period(periods[0].start, periods[-1].end, f"{labels[0]} to {labels[-1]}")
    received = concerns[counts.dated_in_mask(concerns, "received_on", span)]
    days = received["received_on"]
    first = periods[0].start.year * 4 + (periods[0].start.month - 1) // 3
    quarter_codes = (days.dt.year * 4 + (days.dt.month - 1) // 3 - first).to_numpy()
    in_quarter = pd.Categorical.from_codes(quarter_codes, categories=labels)
    result = {}
    for column, vocabulary in BREAKDOWN_FIELDS.items():
        values = received[column].astype(object).where(received[column].notna(), NOT_RECORDED)
        extra = sorted({str(v) for v in values.unique()} - set(vocabulary.codes))
        codes = [*vocabulary.codes, *extra]
        grouped = (
            pd.DataFrame(
                {
                    "quarter": in_quarter,
                    "code": pd.Categorical(values.astype(str), categories=codes),
                }
            )
            .groupby(["quarter", "code"], observed=False)
            .size()
            .rename("concerns")
            .reset_index()
        )
        frame = pd.DataFrame(
            {
                "quarter": grouped["quarter"].astype(str),
                "code": grouped["code"].astype(str),
                "concerns": grouped["concerns"].astype(int),
            }
        )
        frame["label"] = frame["code"].map(
            lambda code, vocab=vocabulary: (
                "Not recorded" if code == NOT_RECORDED else vocab.label(code)
            )
        )
        result[column] = frame[BREAKDOWN_COLUMNS]
    return result


def breakdown_table(frame: pd.DataFrame, suppress: bool = False) -> pd.DataFrame:
    """A breakdown as a table to read: one row per code (its label), one column per quarter with
    the newest quarter first (beside the labels, where the eye starts); counts below 5 shown as
    `<5` when `suppress`."""
    table = frame.pivot(index="label", columns="quarter", values="concerns")
    table = table.reindex(
        index=list(dict.fromkeys(frame["label"])),
        columns=list(dict.fromkeys(frame["quarter"]))[::-1],  # `breakdowns` lists oldest first
    )
    table.columns.name = None
    table = table.reset_index().rename(columns={"label": ""})
    if suppress:
        for column in table.columns[1:]:
            table[column] = table[column].map(suppress_count).astype(object)
    return table


# --- output ---------------------------------------------------------------------------------------


def scorecard_json(results: list[MeasureResult], suppress: bool = False) -> list[dict[str, Any]]:
    """The contract's JSON shape: a list of `{measure_id, standard, label, numerator, denominator,
    value, target, status}` (counts below 5 as `<5` when `suppress`)."""
    return [_suppressed(result.as_json(), suppress) for result in results]


def _suppressed(row: dict[str, Any], suppress: bool) -> dict[str, Any]:
    if not suppress:
        return row
    row = dict(row)
    row["numerator"] = suppress_count(row["numerator"])
    row["denominator"] = suppress_count(row["denominator"])
    if row["measure_id"] in COUNT_MEASURES:
        row["value"] = suppress_count(row["value"])
    return row


def scorecard_frame(results: list[MeasureResult], suppress: bool = False) -> pd.DataFrame:
    """The scorecard as a frame with the contract's keys as columns, in contract order. Cells
    keep their JSON values (object dtype): a count stays a whole number and "no value" None."""
    return pd.DataFrame(scorecard_json(results, suppress), columns=SCORECARD_COLUMNS, dtype=object)


def scorecard_csv(results: list[MeasureResult], suppress: bool = False) -> str:
    """CSV with header measure_id,standard,label,numerator,denominator,value,target,status; a
    blank cell for None; text a spreadsheet would run as a formula neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCORECARD_COLUMNS)
    for row in scorecard_json(results, suppress):
        writer.writerow(neutralise("" if row[c] is None else row[c]) for c in SCORECARD_COLUMNS)
    return buffer.getvalue()


def _shown(value: object, measure_id: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, str) or measure_id in COUNT_MEASURES:
        return str(value)
    return f"{value:.1f}%"


def scorecard_table(
    results: list[MeasureResult], quarter: Period | None = None, suppress: bool = False
) -> str:
    """The scorecard as readable text, grouped by standard, status as a word."""
    rows = []
    for row in scorecard_json(results, suppress):
        measure_id = row["measure_id"]
        target = row["target"]
        rows.append(
            (
                measure_id,
                row["label"],
                _shown(row["value"], measure_id),
                "" if row["denominator"] is None else f"{row['numerator']} of {row['denominator']}",
                "–" if target is None else f"{target}%",
                STATUS_LABELS.get(row["status"], row["status"]),
            )
        )
    header = ("Measure", "", "Value", "Counted", "Target", "Status")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            f"{c:>{w}}" if i in (2, 3, 4) else f"{c:<{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    title = "Safeguarding standards scorecard"
    if quarter is not None:
        title += (
            f" {quarter.label}: {quarter.start.day} {quarter.start:%B %Y} "
            f"to {quarter.end.day} {quarter.end:%B %Y}"
        )
    lines = [title, "", line(header)]
    standard = None
    for result, cells in zip(results, rows, strict=True):
        if result.standard != standard:
            standard = result.standard
            lines += ["", standard]
        lines.append(line(cells))
    return "\n".join(lines) + "\n"


def render_scorecard(
    results: list[MeasureResult],
    fmt: str,
    *,
    quarter: Period | str | None = None,
    suppress: bool = False,
) -> str:
    """The scorecard in one of FORMATS (`table`, `csv`, `json`) as text for stdout."""
    if fmt == "json":
        return json.dumps(scorecard_json(results, suppress), indent=2) + "\n"
    if fmt == "csv":
        return scorecard_csv(results, suppress)
    if fmt == "table":
        period = as_quarter(quarter) if quarter is not None else None
        return scorecard_table(results, period, suppress)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
