"""The six safeguarding standards: the quarterly scorecard (CONTRACT.md section 5).

One named function per published measure (`emp_1` … `part_3`), each with the contract's definition
in its docstring, each taking a `StandardsInputs` (typed rows: `ConcernRow`, `ProviderRow`,
`TrainingRow`, dates as `datetime.date`, and the quarter) and returning a `MeasureResult`. This is
the only statement of each measure: plain Python over rows, importing neither pandas, SQLAlchemy
nor pydantic, so the `standards` command loads none of them. Targets and windows live in
config/standards.toml (`StandardsConfig`, read and checked by sgoversight.standards.config).
The command line, the page, the 8-quarter trends, the quarterly report and its pack all go
through `scorecard`, so a figure never differs between two screens. Rows are read by
sgoversight.standards.read; the frames a page, a pack or a chart shows are made from the results
by sgoversight.standards.frames, at the edge.

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

import bisect
import csv
import datetime as dt
import inspect
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any, NamedTuple

from sgoversight.errors import BadInput
from sgoversight.formulas import neutralise
from sgoversight.periods import Period, add_quarters, parse_quarter, quarter_of
from sgoversight.standards.config import (
    CONTRACT_DEFAULTS,
    COUNT_MEASURES,
    MEASURE_IDS,
    MEASURE_STANDARDS,
    TREND,
    StandardsConfig,
    given_or_shipped,
)
from sgoversight.suppression import suppress_count
from sgoversight.vocabulary import (
    ABUSE_TYPE,
    AGE_BAND,
    ETHNICITY,
    GENDER,
    REFERRAL_SOURCE,
    TRAINING_ROLE,
    Vocabulary,
)
from sgoversight.workdays import working_day_number

SERIES_QUARTERS = 8
FORMATS = ("table", "csv", "json")

MET, NOT_MET, NO_DATA = "met", "not_met", "no_data"
#: Each status as read on screen and in files. A measure without a target (status code `trend`)
#: reads "No target": the word "Trend" was read as "rising", which it never meant.
STATUS_LABELS = {MET: "Met", NOT_MET: "Not met", NO_DATA: "No data", TREND: "No target"}

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


# --- inputs ---------------------------------------------------------------------------------------


def as_quarter(quarter: Period | str) -> Period:
    """A calendar quarter from `YYYY-Qn` text or a Period; BadInput for any other period."""
    if isinstance(quarter, str):
        return parse_quarter(quarter)
    expected = quarter_of(quarter.start)
    if (quarter.start, quarter.end) != (expected.start, expected.end):
        raise BadInput(f"{quarter.label} is not a calendar quarter")
    return expected


class ConcernRow(NamedTuple):
    """A safeguarding concern as the measures and breakdowns read it (blank = None). Yes/no
    fields hold True/False as the database stores them (the text "yes" also reads as yes)."""

    concern_id: str
    person_id: str | None = None
    received_on: dt.date | None = None
    screened_on: dt.date | None = None
    referral_source: str | None = None
    abuse_type: str | None = None
    provider_id: str | None = None
    age_band: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    enquiry_started_on: dt.date | None = None
    enquiry_concluded_on: dt.date | None = None
    outcomes_asked: str | None = None
    outcomes_achieved: str | None = None
    risk_assessment: str | None = None
    risk_outcome: str | None = None
    protection_agreed: str | None = None
    protection_plan_reviewed: bool | str | None = None
    survey_completed: bool | str | None = None
    feedback_to_referrer_on: dt.date | None = None
    feedback_to_provider_on: dt.date | None = None
    social_isolation: bool | str | None = None
    fgc_elements: bool | str | None = None


#: The concern columns the measures and breakdowns read, in ConcernRow's order.
CONCERN_FIELDS: tuple[str, ...] = ConcernRow._fields


class ProviderRow(NamedTuple):
    """A provider in the register: PART-3 reads whether it is commissioned (blank = yes)."""

    provider_id: str
    commissioned: bool | str | None = True


class TrainingRow(NamedTuple):
    """One safeguarding training completion (ACC-6)."""

    staff_id: str
    role: str
    training_type: str
    completed_on: dt.date


def _is_yes(value: object) -> bool:
    """Yes/no fields read as yes when True (the database's booleans) or the text "yes"."""
    return value is True or value == YES


class _WorkingDays:
    """Working days after a start up to and including an end (None when either is blank), each
    distinct date numbered once (`workdays.working_day_number`)."""

    def __init__(self) -> None:
        self._numbers: dict[dt.date, int] = {}

    def _number(self, day: dt.date) -> int:
        number = self._numbers.get(day)
        if number is None:
            number = self._numbers[day] = working_day_number(day)
        return number

    def after(self, start: dt.date | None, end: dt.date | None) -> int | None:
        if start is None or end is None:
            return None
        return self._number(end) - self._number(start)


def days_since_previous_concern(concerns: Sequence[ConcernRow]) -> list[int | None]:
    """Per concern, the days since the same person's latest concern received on an earlier day
    (None when there is none). Concerns for the same person on the same day are not each other's
    previous concern; a row without a person_id or received_on has none."""
    days_by_person: dict[str, set[dt.date]] = {}
    for concern in concerns:
        if concern.person_id is not None and concern.received_on is not None:
            days_by_person.setdefault(concern.person_id, set()).add(concern.received_on)
    ordered = {person: sorted(days) for person, days in days_by_person.items()}
    gaps: list[int | None] = []
    for concern in concerns:
        if concern.person_id is None or concern.received_on is None:
            gaps.append(None)
            continue
        days = ordered[concern.person_id]
        before = bisect.bisect_left(days, concern.received_on)
        gaps.append((concern.received_on - days[before - 1]).days if before else None)
    return gaps


def commissioned_provider_ids(providers: Iterable[ProviderRow]) -> set[str]:
    """Providers in the register with commissioned yes (blank = yes, the contract's default)."""
    return {
        provider.provider_id
        for provider in providers
        if provider.commissioned is None or _is_yes(provider.commissioned)
    }


class ConcernFacts(NamedTuple):
    """A concern with what the measures derive from it, worked out once for any quarters:

    - screening_working_days: working days after received_on up to and including screened_on;
    - enquiry_working_days: working days after enquiry_started_on up to enquiry_concluded_on;
    - days_since_previous_concern (see `days_since_previous_concern`);
    - about_commissioned_provider: provider_id is a commissioned provider in the register.
    """

    concern: ConcernRow
    screening_working_days: int | None
    enquiry_working_days: int | None
    days_since_previous_concern: int | None
    about_commissioned_provider: bool


def concern_facts(
    concerns: Sequence[ConcernRow], providers: Iterable[ProviderRow]
) -> tuple[ConcernFacts, ...]:
    """Every concern with its derived facts (see `ConcernFacts`)."""
    commissioned = commissioned_provider_ids(providers)
    gaps = days_since_previous_concern(concerns)
    working_days = _WorkingDays().after
    return tuple(
        ConcernFacts(
            concern,
            working_days(concern.received_on, concern.screened_on),
            working_days(concern.enquiry_started_on, concern.enquiry_concluded_on),
            gap,
            concern.provider_id is not None and concern.provider_id in commissioned,
        )
        for concern, gap in zip(concerns, gaps, strict=True)
    )


def _within(day: dt.date | None, period: Period) -> bool:
    return day is not None and period.start <= day <= period.end


def _quarter_key(day: dt.date) -> tuple[int, int]:
    """The calendar quarter a day falls in, as (year, 0 to 3)."""
    return day.year, (day.month - 1) // 3


@dataclass(frozen=True)
class _QuarterIndex:
    """Concern facts grouped once by the calendar quarter of received_on and of
    enquiry_concluded_on (a blank date in neither), in the facts' order, so each quarter of a
    series picks its rows without a pass over every concern."""

    received: dict[tuple[int, int], list[ConcernFacts]]
    concluded: dict[tuple[int, int], list[ConcernFacts]]

    @classmethod
    def of(cls, facts: Iterable[ConcernFacts]) -> _QuarterIndex:
        received: dict[tuple[int, int], list[ConcernFacts]] = {}
        concluded: dict[tuple[int, int], list[ConcernFacts]] = {}
        for fact in facts:
            if (day := fact.concern.received_on) is not None:
                received.setdefault(_quarter_key(day), []).append(fact)
            if (day := fact.concern.enquiry_concluded_on) is not None:
                concluded.setdefault(_quarter_key(day), []).append(fact)
        return cls(received, concluded)


@dataclass(frozen=True, eq=False)
class StandardsInputs:
    """What the measures are computed from: the concerns, the provider register and the training
    records as rows, and the quarter.

    The derived concern facts (`facts`) are worked out once and shared by `for_quarter`, so a
    series of quarters costs one pass over the concerns.
    """

    concerns: tuple[ConcernRow, ...]
    providers: tuple[ProviderRow, ...]
    training: tuple[TrainingRow, ...]
    quarter: Period
    _facts: tuple[ConcernFacts, ...] | None = field(default=None, repr=False)
    _index: _QuarterIndex | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quarter", as_quarter(self.quarter))
        for name in ("concerns", "providers", "training"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @cached_property
    def facts(self) -> tuple[ConcernFacts, ...]:
        """The concerns with their derived facts (see `concern_facts`)."""
        if self._facts is not None:
            return self._facts
        return concern_facts(self.concerns, self.providers)

    @cached_property
    def index(self) -> _QuarterIndex:
        """The facts by the quarter they were received in and the quarter their enquiry was
        concluded in (see `_QuarterIndex`)."""
        if self._index is not None:
            return self._index
        return _QuarterIndex.of(self.facts)

    @cached_property
    def received(self) -> list[ConcernFacts]:
        """Concerns received in the quarter."""
        return self.index.received.get(_quarter_key(self.quarter.start), [])

    @cached_property
    def concluded(self) -> list[ConcernFacts]:
        """Enquiries concluded in the quarter."""
        return self.index.concluded.get(_quarter_key(self.quarter.start), [])

    def for_quarter(self, quarter: Period | str) -> StandardsInputs:
        """The same data for another quarter, sharing the derived facts and their index."""
        return replace(self, quarter=as_quarter(quarter), _facts=self.facts, _index=self.index)


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


def _rate(
    measure_id: str, numerator: int, denominator: int, config: StandardsConfig
) -> MeasureResult:
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


def _count(measure_id: str, count: int, config: StandardsConfig) -> MeasureResult:
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
    asked = sum(f.concern.outcomes_asked in OUTCOMES_WERE_ASKED for f in concluded)
    return _rate("EMP-1", asked, len(concluded), config)


def emp_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """EMP-2 (Empowerment): enquiries concluded in the quarter with protection_agreed `fully` or
    `partially` / enquiries concluded in the quarter with protection_agreed recorded. Target 80."""
    agreed = [f.concern.protection_agreed for f in inputs.concluded]
    recorded = [value for value in agreed if value is not None]
    return _rate("EMP-2", sum(v in PROTECTION_WAS_AGREED for v in recorded), len(recorded), config)


def emp_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """EMP-3 (Empowerment): enquiries concluded in the quarter with survey_completed `yes` /
    enquiries concluded in the quarter. Target 80."""
    concluded = inputs.concluded
    completed = sum(_is_yes(f.concern.survey_completed) for f in concluded)
    return _rate("EMP-3", completed, len(concluded), config)


def prev_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PREV-1 (Prevention): concerns received in the quarter with fgc_elements `yes` / concerns
    received in the quarter. Trend."""
    received = inputs.received
    return _rate(
        "PREV-1", sum(_is_yes(f.concern.fgc_elements) for f in received), len(received), config
    )


def prev_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PREV-2 (Prevention): concerns received in the quarter with social_isolation `yes` /
    concerns received in the quarter. Trend."""
    received = inputs.received
    isolated = sum(_is_yes(f.concern.social_isolation) for f in received)
    return _rate("PREV-2", isolated, len(received), config)


def prot_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PROT-1 (Protection): enquiries concluded in the quarter with risk_assessment
    `risk_identified` and risk_outcome `reduced` or `removed` / enquiries concluded in the quarter
    with risk_assessment `risk_identified`. Target 90."""
    identified = [f for f in inputs.concluded if f.concern.risk_assessment == RISK_IDENTIFIED]
    reduced = sum(f.concern.risk_outcome in RISK_REDUCED_OR_REMOVED for f in identified)
    return _rate("PROT-1", reduced, len(identified), config)


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
    started = sum(f.concern.enquiry_started_on is not None for f in received)
    return _rate("PROP-3", started, len(received), config)


def _at_most(days: int | None, limit: int) -> bool:
    return days is not None and days <= limit


def acc_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-1 (Accountability): concerns received in the quarter with screened_on at most 1
    working day after received_on (working days after received_on up to and including
    screened_on: same day 0, Friday to Monday 1) / concerns received in the quarter. A concern
    not yet screened counts in the denominator only. Target 90."""
    received = inputs.received
    limit = config.acc1_working_days
    within = sum(_at_most(f.screening_working_days, limit) for f in received)
    return _rate("ACC-1", within, len(received), config)


def acc_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-2 (Accountability): enquiries concluded in the quarter within 20 working days of
    enquiry_started_on (working days after enquiry_started_on up to and including
    enquiry_concluded_on at most 20) / enquiries concluded in the quarter. Target 80."""
    concluded = inputs.concluded
    limit = config.acc2_working_days
    within = sum(_at_most(f.enquiry_working_days, limit) for f in concluded)
    return _rate("ACC-2", within, len(concluded), config)


def acc_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-3 (Accountability): concerns received in the quarter whose person_id had another
    concern received in the 365 days before (1 to 365 days earlier; the same day does not count)
    / concerns received in the quarter. Trend."""
    received = inputs.received
    limit = config.repeat_window_days
    repeats = sum(_at_most(f.days_since_previous_concern, limit) for f in received)
    return _rate("ACC-3", repeats, len(received), config)


def acc_4(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-4 (Accountability): enquiries concluded in the quarter with outcomes_achieved `fully`
    or `partially` / enquiries concluded in the quarter with outcomes_achieved recorded.
    Target 90."""
    achieved = [f.concern.outcomes_achieved for f in inputs.concluded]
    recorded = [value for value in achieved if value is not None]
    return _rate("ACC-4", sum(v in OUTCOMES_WERE_ACHIEVED for v in recorded), len(recorded), config)


def acc_5(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-5 (Accountability): enquiries concluded in the quarter with protection_plan_reviewed
    `yes` / enquiries concluded in the quarter. Target 15."""
    concluded = inputs.concluded
    reviewed = sum(_is_yes(f.concern.protection_plan_reviewed) for f in concluded)
    return _rate("ACC-5", reviewed, len(concluded), config)


def acc_6(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """ACC-6 (Accountability): staff whose required training was completed in the 2 years
    (730 days) ending on the quarter's last day / staff. Staff = everyone with a training record
    on or before that day; their role is the role on their most recent such record; every
    training type the role requires needs a completion in the window. Target 90."""
    staff = staff_training(inputs.training, inputs.quarter.end, config)
    return _rate("ACC-6", sum(person.compliant for person in staff), len(staff), config)


def part_1(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PART-1 (Partnership): enquiries concluded in the quarter with feedback_to_referrer_on
    recorded / enquiries concluded in the quarter. Target 90."""
    concluded = inputs.concluded
    fed_back = sum(f.concern.feedback_to_referrer_on is not None for f in concluded)
    return _rate("PART-1", fed_back, len(concluded), config)


def part_2(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PART-2 (Partnership): enquiries concluded in the quarter with a provider_id and
    feedback_to_provider_on recorded / enquiries concluded in the quarter with a provider_id.
    Target 90."""
    with_provider = [f for f in inputs.concluded if f.concern.provider_id is not None]
    fed_back = sum(f.concern.feedback_to_provider_on is not None for f in with_provider)
    return _rate("PART-2", fed_back, len(with_provider), config)


def part_3(inputs: StandardsInputs, config: StandardsConfig = CONTRACT_DEFAULTS) -> MeasureResult:
    """PART-3 (Partnership): concerns received in the quarter about a commissioned provider
    (provider_id in the register with commissioned yes) / concerns received in the quarter.
    Trend."""
    received = inputs.received
    about = sum(f.about_commissioned_provider for f in received)
    return _rate("PART-3", about, len(received), config)


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


class StaffTraining(NamedTuple):
    """One member of staff on a day (ACC-6): their role, whether they are compliant and the
    required training types with no completion in the window, in the role's order."""

    staff_id: str
    role: str
    compliant: bool
    missing_training: tuple[str, ...]


def staff_training(
    training: Iterable[TrainingRow], as_of: dt.date, config: StandardsConfig = CONTRACT_DEFAULTS
) -> list[StaffTraining]:
    """Every member of staff as of `as_of` (see ACC-6), sorted by staff_id: staff = everyone with
    a record completed on or before `as_of`; role = the role on their most recent such record
    (two roles that day: the later in the contract's order; two roles outside it: the later
    record); compliant = every type the role requires completed in the `training_window_days`
    ending on `as_of`. A role outside the config is never compliant (and misses nothing named)."""
    window_start = as_of - dt.timedelta(days=config.training_window_days - 1)
    latest: dict[str, tuple[tuple[dt.date, int], str]] = {}
    done: set[tuple[str, str]] = set()
    for record in training:
        if record.completed_on > as_of:
            continue
        key = (record.completed_on, ROLE_ORDER.get(record.role, -1))
        held = latest.get(record.staff_id)
        if held is None or key >= held[0]:
            latest[record.staff_id] = (key, record.role)
        if record.completed_on >= window_start:
            done.add((record.staff_id, record.training_type))
    staff = []
    for staff_id in sorted(latest):
        role = latest[staff_id][1]
        required = config.required_training.get(role)
        if required is None:
            staff.append(StaffTraining(staff_id, role, False, ()))
            continue
        missing = tuple(t for t in required if (staff_id, t) not in done)
        staff.append(StaffTraining(staff_id, role, not missing, missing))
    return staff


# --- the scorecard --------------------------------------------------------------------------------


def scorecard(
    inputs: StandardsInputs, config: StandardsConfig | None = None
) -> list[MeasureResult]:
    """Every measure for `inputs.quarter`, in contract order (config default:
    config/standards.toml)."""
    config = given_or_shipped(config)
    return [MEASURES[measure_id](inputs, config) for measure_id in MEASURE_IDS]


def quarters_ending(last: Period, quarters: int) -> list[Period]:
    """The `quarters` calendar quarters ending with `last`, oldest first (BadInput below 1)."""
    if quarters < 1:
        raise BadInput(f"quarters must be 1 or more, not {quarters}")
    return [add_quarters(last, -back) for back in range(quarters - 1, -1, -1)]


def scorecard_series_results(
    inputs: StandardsInputs,
    quarter: Period | str | None = None,
    quarters: int = SERIES_QUARTERS,
    config: StandardsConfig | None = None,
) -> list[tuple[Period, list[MeasureResult]]]:
    """The scorecard of each of the `quarters` quarters ending with `quarter` (default: the
    inputs' quarter), oldest first, each computed by `scorecard` from the inputs' shared facts."""
    config = given_or_shipped(config)
    last = as_quarter(quarter) if quarter is not None else inputs.quarter
    return [
        (period, scorecard(inputs.for_quarter(period), config))
        for period in quarters_ending(last, quarters)
    ]


NOT_RECORDED = "not_recorded"


class BreakdownCount(NamedTuple):
    """Concerns received in one quarter with one code of a broken-down field."""

    quarter: str
    code: str
    label: str
    concerns: int


#: Per broken-down field, concerns received per code (a blank as NOT_RECORDED), zeros left out.
Tally = dict[str, dict[str, int]]


def breakdown_tallies(inputs: StandardsInputs, periods: Sequence[Period]) -> list[Tally]:
    """Concerns received in each of `periods` (consecutive calendar quarters, oldest first) per
    code of each field in BREAKDOWN_FIELDS, a blank counted as NOT_RECORDED: one tally per
    period, in order, in one pass over the concerns."""
    span = Period(periods[0].start, periods[-1].end, f"{periods[0].label} to {periods[-1].label}")
    first = periods[0].start.year * 4 + (periods[0].start.month - 1) // 3
    tallies: list[Tally] = [{column: {} for column in BREAKDOWN_FIELDS} for _ in periods]
    for concern in inputs.concerns:
        day = concern.received_on
        if day is None or not _within(day, span):
            continue
        tally = tallies[day.year * 4 + (day.month - 1) // 3 - first]
        for column, counts in tally.items():
            value = getattr(concern, column)
            code = NOT_RECORDED if value is None else str(value)
            counts[code] = counts.get(code, 0) + 1
    return tallies


def breakdown_layout(tallies: Sequence[tuple[Period, Tally]]) -> dict[str, list[BreakdownCount]]:
    """The quarters' tallies (oldest first) as breakdown_counts lays them out: per field, each
    quarter in turn, and in each every code of the field's vocabulary in contract order, zeros
    included; codes outside the vocabulary (a blank as `not_recorded`) follow, sorted, so each
    quarter adds up to its PROP-1."""
    result = {}
    for column, vocabulary in BREAKDOWN_FIELDS.items():
        seen = {code for _, tally in tallies for code in tally.get(column, {})}
        codes = [*vocabulary.codes, *sorted(seen - set(vocabulary.codes))]
        labels = {
            code: "Not recorded" if code == NOT_RECORDED else vocabulary.label(code)
            for code in codes
        }
        result[column] = [
            BreakdownCount(period.label, code, labels[code], tally.get(column, {}).get(code, 0))
            for period, tally in tallies
            for code in codes
        ]
    return result


def breakdown_counts(
    inputs: StandardsInputs,
    quarter: Period | str | None = None,
    quarters: int = SERIES_QUARTERS,
) -> dict[str, list[BreakdownCount]]:
    """Concerns received per quarter by abuse type, referral source, age band, gender and
    ethnicity, over the `quarters` quarters ending with `quarter` (default: the inputs' quarter):
    breakdown_tallies laid out by breakdown_layout."""
    last = as_quarter(quarter) if quarter is not None else inputs.quarter
    periods = quarters_ending(last, quarters)
    return breakdown_layout(list(zip(periods, breakdown_tallies(inputs, periods), strict=True)))


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
    indent: int | None = None,
) -> str:
    """The scorecard in one of FORMATS (`table`, `csv`, `json`) as text for stdout; JSON compact
    on one line unless `indent` asks for people's layout."""
    if fmt == "json":
        separators = (",", ":") if indent is None else None
        return (
            json.dumps(scorecard_json(results, suppress), indent=indent, separators=separators)
            + "\n"
        )
    if fmt == "csv":
        return scorecard_csv(results, suppress)
    if fmt == "table":
        period = as_quarter(quarter) if quarter is not None else None
        return scorecard_table(results, period, suppress)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
