"""The six safeguarding standards scorecard (CONTRACT.md section 5), on small hand-built frames.

Quarter 2026-Q3 runs from Wednesday 1 July to Wednesday 30 September 2026; Monday 31 August 2026
is the late summer bank holiday.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sgoversight.errors import BadInput
from sgoversight.periods import parse_month, parse_quarter
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import rules as standards
from sgoversight.standards.config import (
    CONFIG_PATH,
    CONTRACT_DEFAULTS,
    MEASURE_IDS,
    MEASURE_STANDARDS,
    StandardsConfig,
    load_standards_config,
    standards_config_from,
)
from sgoversight.standards.rules import (
    MeasureResult,
    StandardsInputs,
    TrainingRow,
)
from sgoversight.vocabulary import ABUSE_TYPE, AGE_BAND, ETHNICITY, GENDER, REFERRAL_SOURCE
from tests.support.standards_rows import inputs_from, training_rows

Q = "2026-Q3"
BEFORE, FIRST, LAST, AFTER = "2026-06-30", "2026-07-01", "2026-09-30", "2026-10-01"
IN_Q = "2026-08-12"
SHIPPED_CONFIG = CONFIG_PATH


@dataclass
class Borough:
    """A builder of the rows the standards read (tests.support.standards_rows).

    Unnamed fields are left not recorded; yes/no fields take True/False as the database stores
    them. Each method returns the builder so rows chain.
    """

    concerns: list[dict[str, Any]] = field(default_factory=list)
    providers: list[dict[str, Any]] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)

    def concern(self, received_on: str = IN_Q, **fields: Any) -> Borough:
        row = {
            "concern_id": f"C{len(self.concerns) + 1}",
            "person_id": f"X{len(self.concerns) + 1}",
            "received_on": received_on,
            "referral_source": "police",
            "abuse_type": "neglect",
            "location": "own_home",
            "source_of_risk": "known_to_individual",
            "age_band": "65-74",
            "gender": "female",
            "ethnicity": "white",
        }
        self.concerns.append(row | fields)
        return self

    def enquiry(
        self, concluded_on: str = IN_Q, started_on: str = "2026-06-01", **fields: Any
    ) -> Borough:
        """A concern received before the quarter whose enquiry concluded on `concluded_on`."""
        return self.concern(
            fields.pop("received_on", "2026-06-01"),
            enquiry_started_on=started_on,
            enquiry_concluded_on=concluded_on,
            **fields,
        )

    def provider(self, provider_id: str, commissioned: bool | None = True) -> Borough:
        self.providers.append(
            {
                "provider_id": provider_id,
                "name": f"Provider {provider_id}",
                "service_type": "care_home",
                "regulated": True,
                "commissioned": commissioned,
            }
        )
        return self

    def trained(self, staff_id: str, role: str, training_type: str, completed_on: str) -> Borough:
        self.training.append(
            {
                "staff_id": staff_id,
                "role": role,
                "training_type": training_type,
                "completed_on": completed_on,
            }
        )
        return self

    def training_frame(self) -> list[TrainingRow]:
        return training_rows(self.training)

    def inputs(self, quarter: str = Q) -> StandardsInputs:
        return inputs_from(self.concerns, self.providers, self.training, parse_quarter(quarter))


def measure(
    borough: Borough, measure_id: str, quarter: str = Q, config: StandardsConfig = CONTRACT_DEFAULTS
) -> MeasureResult:
    return standards.MEASURES[measure_id](borough.inputs(quarter), config)


def counted(result: MeasureResult) -> tuple[int, int | None]:
    return result.numerator, result.denominator


# --- every percentage measure at its edges --------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How to build, for one measure, a row in its numerator, a row only in its denominator, and
    a row of the quarter in neither (None when every row of its kind is in the denominator)."""

    kind: str  # "received" or "concluded"
    counted: dict[str, Any]
    not_counted: dict[str, Any]
    neither: dict[str, Any] | None = None


SPECS: dict[str, Spec] = {
    "EMP-1": Spec("concluded", {"outcomes_asked": "yes_expressed"}, {"outcomes_asked": "no"}),
    "EMP-2": Spec(
        "concluded",
        {"protection_agreed": "partially"},
        {"protection_agreed": "no"},
        {"protection_agreed": None},
    ),
    "EMP-3": Spec("concluded", {"survey_completed": True}, {"survey_completed": False}),
    "PREV-1": Spec("received", {"fgc_elements": True}, {"fgc_elements": False}),
    "PREV-2": Spec("received", {"social_isolation": True}, {"social_isolation": None}),
    "PROT-1": Spec(
        "concluded",
        {"risk_assessment": "risk_identified", "risk_outcome": "removed"},
        {"risk_assessment": "risk_identified", "risk_outcome": "remains"},
        {"risk_assessment": "no_risk"},
    ),
    "PROP-3": Spec("received", {"enquiry_started_on": "2026-10-20"}, {}),
    "ACC-1": Spec("received", {"screened_on": IN_Q}, {"screened_on": "2026-08-14"}),
    "ACC-2": Spec(
        "concluded",
        {"enquiry_started_on": "2026-08-03", "enquiry_concluded_on": "2026-09-01"},
        {"enquiry_started_on": "2026-08-03", "enquiry_concluded_on": "2026-09-02"},
    ),
    "ACC-4": Spec(
        "concluded",
        {"outcomes_asked": "yes_expressed", "outcomes_achieved": "fully"},
        {"outcomes_asked": "yes_expressed", "outcomes_achieved": "not_achieved"},
        {"outcomes_asked": "yes_not_expressed"},
    ),
    "ACC-5": Spec(
        "concluded", {"protection_plan_reviewed": True}, {"protection_plan_reviewed": False}
    ),
    "PART-1": Spec("concluded", {"feedback_to_referrer_on": "2026-10-02"}, {}),
    "PART-2": Spec(
        "concluded",
        {"provider_id": "P1", "feedback_to_provider_on": IN_Q},
        {"provider_id": "P1"},
        {"feedback_to_provider_on": IN_Q},
    ),
    "PART-3": Spec("received", {"provider_id": "P1"}, {"provider_id": "P2"}),
}


def _add(borough: Borough, spec: Spec, fields: dict[str, Any], in_quarter: bool = True) -> None:
    fields = dict(fields)
    if spec.kind == "received":
        borough.concern(IN_Q if in_quarter else BEFORE, **fields)
    else:
        started = fields.pop("enquiry_started_on", "2026-06-01")
        concluded = fields.pop("enquiry_concluded_on", IN_Q)
        borough.enquiry(concluded if in_quarter else AFTER, started_on=started, **fields)


def _borough(spec: Spec, yes: int, no: int, neither: int = 0, outside: int = 0) -> Borough:
    borough = Borough().provider("P1", commissioned=True).provider("P2", commissioned=False)
    for _ in range(yes):
        _add(borough, spec, spec.counted)
    for _ in range(no):
        _add(borough, spec, spec.not_counted)
    for _ in range(neither):
        assert spec.neither is not None
        _add(borough, spec, spec.neither)
    for _ in range(outside):
        _add(borough, spec, spec.counted, in_quarter=False)
    return borough


@pytest.mark.parametrize("measure_id", SPECS)
def test_counts_its_numerator_over_its_denominator(measure_id: str) -> None:
    spec = SPECS[measure_id]
    borough = _borough(spec, yes=3, no=2, neither=2 if spec.neither else 0, outside=4)
    result = measure(borough, measure_id)
    assert counted(result) == (3, 5)
    assert result.value == 60.0
    assert result.standard == MEASURE_STANDARDS[measure_id]


@pytest.mark.parametrize("measure_id", SPECS)
def test_no_data_when_the_denominator_is_zero(measure_id: str) -> None:
    spec = SPECS[measure_id]
    borough = _borough(spec, yes=0, no=0, neither=2 if spec.neither else 0, outside=3)
    result = measure(borough, measure_id)
    assert counted(result) == (0, 0)
    assert result.value is None
    assert result.status == "no_data"


TARGETED = [m for m in SPECS if CONTRACT_DEFAULTS.target(m) is not None]
TREND = [m for m in SPECS if CONTRACT_DEFAULTS.target(m) is None]


@pytest.mark.parametrize("measure_id", TARGETED)
def test_met_exactly_at_target(measure_id: str) -> None:
    target = CONTRACT_DEFAULTS.target(measure_id)
    assert isinstance(target, int)
    result = measure(_borough(SPECS[measure_id], yes=target, no=100 - target), measure_id)
    assert (result.value, result.target, result.status) == (float(target), target, "met")


@pytest.mark.parametrize("measure_id", TARGETED)
def test_not_met_just_below_target(measure_id: str) -> None:
    target = CONTRACT_DEFAULTS.target(measure_id)
    assert isinstance(target, int)
    yes = target * 10 - 1
    result = measure(_borough(SPECS[measure_id], yes=yes, no=1000 - yes), measure_id)
    assert (result.value, result.status) == (target - 0.1, "not_met")


@pytest.mark.parametrize("measure_id", TREND)
def test_trend_measures_have_no_target(measure_id: str) -> None:
    result = measure(_borough(SPECS[measure_id], yes=1, no=1), measure_id)
    assert (result.value, result.target, result.status) == (50.0, None, "trend")


def test_contract_targets() -> None:
    expected = {
        "EMP-1": 90, "EMP-2": 80, "EMP-3": 80, "PROT-1": 90, "PROP-3": 30, "ACC-1": 90,
        "ACC-2": 80, "ACC-4": 90, "ACC-5": 15, "ACC-6": 90, "PART-1": 90, "PART-2": 90,
    }  # fmt: skip
    for measure_id in MEASURE_IDS:
        assert CONTRACT_DEFAULTS.target(measure_id) == expected.get(measure_id)


# --- percentages and status -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 0, None), (0, 7, 0.0), (2, 3, 66.7), (1, 8, 12.5), (49, 400, 12.3), (5, 5, 100.0)],
)
def test_percentage_rounds_half_up_to_one_decimal(
    numerator: int, denominator: int, expected: float | None
) -> None:
    assert standards.percentage(numerator, denominator) == expected


def test_status_compares_the_value_as_shown() -> None:
    value = standards.percentage(1799, 2000)  # 89.95% shows as 90.0
    assert value == 90.0
    assert standards.status_of(value, 90) == "met"
    assert standards.status_of(89.9, 90) == "not_met"
    assert standards.status_of(None, 90) == "no_data"
    assert standards.status_of(None, None) == "no_data"
    assert standards.status_of(12.0, None) == "trend"


# --- measure details ------------------------------------------------------------------------------


def test_emp_1_counts_both_kinds_of_asking_and_blank_as_not_asked() -> None:
    borough = (
        Borough()
        .enquiry(outcomes_asked="yes_expressed")
        .enquiry(outcomes_asked="yes_not_expressed")
        .enquiry(outcomes_asked="dont_know")
        .enquiry(outcomes_asked=None)
    )
    assert counted(measure(borough, "EMP-1")) == (2, 4)


def test_emp_2_counts_fully_and_partially_over_recorded() -> None:
    borough = (
        Borough()
        .enquiry(protection_agreed="fully")
        .enquiry(protection_agreed="partially")
        .enquiry(protection_agreed="no")
        .enquiry(protection_agreed=None)
    )
    assert counted(measure(borough, "EMP-2")) == (2, 3)


def test_yes_no_fields_accept_the_text_yes_as_well_as_true() -> None:
    borough = Borough().enquiry(survey_completed="yes").enquiry(survey_completed="no")
    assert counted(measure(borough, "EMP-3")) == (1, 2)


def test_prot_1_reduced_and_removed_over_risk_identified() -> None:
    borough = (
        Borough()
        .enquiry(risk_assessment="risk_identified", risk_outcome="reduced")
        .enquiry(risk_assessment="risk_identified", risk_outcome="removed")
        .enquiry(risk_assessment="risk_identified", risk_outcome="remains")
        .enquiry(risk_assessment="risk_identified", risk_outcome=None)
        .enquiry(risk_assessment="inconclusive")
        .enquiry(risk_assessment="ceased_at_request")
    )
    assert counted(measure(borough, "PROT-1")) == (2, 4)


def test_acc_4_fully_and_partially_over_recorded() -> None:
    borough = (
        Borough()
        .enquiry(outcomes_achieved="fully")
        .enquiry(outcomes_achieved="partially")
        .enquiry(outcomes_achieved="not_achieved")
        .enquiry(outcomes_achieved=None)
    )
    assert counted(measure(borough, "ACC-4")) == (2, 3)


def test_prop_3_counts_any_enquiry_start() -> None:
    borough = (
        Borough()
        .concern(enquiry_started_on=IN_Q)
        .concern(enquiry_started_on="2026-11-02")  # started after the quarter: still converted
        .concern()
        .concern()
    )
    assert counted(measure(borough, "PROP-3")) == (2, 4)


def test_part_2_needs_a_provider_and_feedback_to_it() -> None:
    borough = (
        Borough()
        .provider("P1")
        .enquiry(provider_id="P1", feedback_to_provider_on=IN_Q)
        .enquiry(provider_id="P1")
        .enquiry(feedback_to_provider_on=IN_Q)  # no provider: outside the measure
    )
    assert counted(measure(borough, "PART-2")) == (1, 2)


def test_part_3_commissioned_providers_only() -> None:
    borough = (
        Borough()
        .provider("P1", commissioned=True)
        .provider("P2", commissioned=False)
        .provider("P3", commissioned=None)  # blank: the contract's default, yes
        .concern(provider_id="P1")
        .concern(provider_id="P2")
        .concern(provider_id="P3")
        .concern(provider_id="P9")  # not in the register
        .concern()
    )
    assert counted(measure(borough, "PART-3")) == (2, 5)


# --- the counts -----------------------------------------------------------------------------------


def test_prop_1_counts_concerns_received_on_the_quarters_own_days() -> None:
    borough = Borough().concern(BEFORE).concern(FIRST).concern(IN_Q).concern(LAST).concern(AFTER)
    result = measure(borough, "PROP-1")
    assert (result.numerator, result.denominator, result.value) == (3, None, 3)
    assert (result.target, result.status) == (None, "trend")


def test_prop_2_counts_enquiries_concluded_on_the_quarters_own_days() -> None:
    borough = (
        Borough()
        .enquiry(BEFORE, started_on="2026-06-01")
        .enquiry(FIRST)
        .enquiry(LAST)
        .enquiry(AFTER)
        .concern(IN_Q, enquiry_started_on=IN_Q)  # started, not concluded
    )
    result = measure(borough, "PROP-2")
    assert (result.numerator, result.denominator, result.value, result.status) == (
        2,
        None,
        2,
        "trend",
    )


def test_counts_of_nothing_are_zero_not_no_data() -> None:
    result = measure(Borough(), "PROP-1")
    assert (result.value, result.status) == (0, "trend")


def test_received_measures_use_received_on_and_concluded_ones_enquiry_concluded_on() -> None:
    borough = (
        Borough()
        # received in the quarter, concluded after it: a received row only
        .concern(FIRST, enquiry_started_on=FIRST, enquiry_concluded_on=AFTER, fgc_elements=True,
                 survey_completed=True)
        # received before the quarter, concluded on its last day: a concluded row only
        .concern(BEFORE, enquiry_started_on=BEFORE, enquiry_concluded_on=LAST, fgc_elements=True,
                 survey_completed=True)
    )  # fmt: skip
    assert counted(measure(borough, "PREV-1")) == (1, 1)
    assert counted(measure(borough, "EMP-3")) == (1, 1)
    assert measure(borough, "PREV-1", quarter="2026-Q2").numerator == 1
    assert measure(borough, "EMP-3", quarter="2026-Q4").numerator == 1


# --- ACC-1: screening within 1 working day --------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "received_on", "screened_on", "within"),
    [
        (Q, "2026-08-12", "2026-08-12", True),  # same day
        (Q, "2026-08-12", "2026-08-13", True),  # next day
        (Q, "2026-08-12", "2026-08-14", False),  # 2 working days
        (Q, "2026-08-07", "2026-08-10", True),  # Friday to Monday
        (Q, "2026-08-07", "2026-08-11", False),  # Friday to Tuesday
        (Q, "2026-08-08", "2026-08-10", True),  # received on a Saturday, screened Monday
        (Q, "2026-08-28", "2026-09-01", True),  # Friday to Tuesday over the bank holiday
        (Q, "2026-08-28", "2026-09-02", False),
        ("2026-Q4", "2026-12-24", "2026-12-29", True),  # over Christmas and Boxing Day (Mon 28)
        ("2026-Q4", "2026-12-24", "2026-12-30", False),
        ("2026-Q2", "2026-04-02", "2026-04-07", True),  # over Good Friday and Easter Monday
        ("2026-Q2", "2026-04-02", "2026-04-08", False),
    ],
)
def test_acc_1_screening_within_one_working_day(
    quarter: str, received_on: str, screened_on: str, within: bool
) -> None:
    borough = Borough().concern(received_on, screened_on=screened_on)
    assert counted(measure(borough, "ACC-1", quarter)) == (int(within), 1)


def test_acc_1_not_screened_counts_as_not_within() -> None:
    borough = Borough().concern(screened_on=None).concern(screened_on=IN_Q)
    result = measure(borough, "ACC-1")
    assert counted(result) == (1, 2)


def test_acc_1_window_comes_from_the_config() -> None:
    borough = Borough().concern("2026-08-07", screened_on="2026-08-10")
    config = replace(CONTRACT_DEFAULTS, acc1_working_days=0)
    result = measure(borough, "ACC-1", config=config)
    assert counted(result) == (0, 1)
    assert result.label == "Concerns screened within 0 working days"


# --- ACC-2: enquiries concluded within 20 working days --------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "started_on", "concluded_on", "within"),
    [
        ("2026-Q2", "2026-06-01", "2026-06-29", True),  # 20 working days
        ("2026-Q2", "2026-06-01", "2026-06-30", False),  # 21
        (Q, "2026-08-03", "2026-09-01", True),  # 20 with the bank holiday Monday not counted
        (Q, "2026-08-03", "2026-09-02", False),  # 21
        (Q, "2026-08-03", "2026-08-03", True),  # concluded the day it started
    ],
)
def test_acc_2_at_20_and_21_working_days(
    quarter: str, started_on: str, concluded_on: str, within: bool
) -> None:
    borough = Borough().enquiry(concluded_on, started_on=started_on, received_on=started_on)
    assert counted(measure(borough, "ACC-2", quarter)) == (int(within), 1)


# --- ACC-3: repeat concerns -----------------------------------------------------------------------


def _repeat(days_before: int, person: str = "X", other_person: str = "X") -> tuple[int, int | None]:
    received = dt.date(2026, 7, 1)  # the quarter's first day: the earlier one is before it
    earlier = received - dt.timedelta(days=days_before)
    borough = (
        Borough()
        .concern(earlier.isoformat(), person_id=other_person)
        .concern(received.isoformat(), person_id=person)
    )
    return counted(measure(borough, "ACC-3"))


@pytest.mark.parametrize(
    ("days_before", "repeat"), [(1, True), (364, True), (365, True), (366, False)]
)
def test_acc_3_another_concern_in_the_365_days_before(days_before: int, repeat: bool) -> None:
    # The earlier concern is received before the quarter: in nobody's denominator.
    assert _repeat(days_before) == (int(repeat), 1)


def test_acc_3_only_the_same_person_counts() -> None:
    assert _repeat(30, person="X", other_person="Y") == (0, 1)


def test_acc_3_another_concern_the_same_day_is_not_before() -> None:
    borough = Borough().concern(IN_Q, person_id="X").concern(IN_Q, person_id="X")
    assert counted(measure(borough, "ACC-3")) == (0, 2)


def test_acc_3_same_day_concerns_after_an_earlier_one_are_both_repeats() -> None:
    borough = (
        Borough()
        .concern("2026-07-01", person_id="X")
        .concern(IN_Q, person_id="X")
        .concern(IN_Q, person_id="X")
    )
    assert counted(measure(borough, "ACC-3")) == (2, 3)


def test_acc_3_a_later_concern_does_not_make_an_earlier_one_a_repeat() -> None:
    borough = Borough().concern(FIRST, person_id="X").concern(LAST, person_id="X")
    assert counted(measure(borough, "ACC-3")) == (1, 2)


def test_acc_3_looks_at_the_latest_earlier_concern() -> None:
    # 15 August: 10 and 400 days after earlier concerns, a repeat; 5 August: 390 days after
    # 11 July 2025, not a repeat.
    borough = (
        Borough()
        .concern("2026-08-05", person_id="X")
        .concern("2025-07-11", person_id="X")
        .concern("2026-08-15", person_id="X")
    )
    assert counted(measure(borough, "ACC-3")) == (1, 2)


def test_acc_3_window_comes_from_the_config() -> None:
    borough = Borough().concern("2026-07-16", person_id="X").concern("2026-08-15", person_id="X")
    config = replace(CONTRACT_DEFAULTS, repeat_window_days=29)
    assert counted(measure(borough, "ACC-3", config=config)) == (0, 2)
    config = replace(CONTRACT_DEFAULTS, repeat_window_days=30)
    assert counted(measure(borough, "ACC-3", config=config)) == (1, 2)


def test_days_since_previous_concern_is_computed_per_row_in_any_order() -> None:
    borough = (
        Borough()
        .concern("2026-08-15", person_id="A")
        .concern("2026-08-01", person_id="B")
        .concern("2026-08-05", person_id="A")
        .concern("2026-08-15", person_id="A")
        .concern("2026-07-01", person_id="A")
    )
    borough.concern("2026-08-16", person_id=None).concern("2026-08-17", person_id=None)
    inputs = borough.inputs()
    gaps = standards.days_since_previous_concern(inputs.concerns)
    assert [-1 if gap is None else gap for gap in gaps] == [10, -1, 35, 10, -1, -1, -1]


# --- ACC-6: training ------------------------------------------------------------------------------

Q4 = "2026-Q4"  # ends Thursday 31 December 2026


def _days_before_q4_end(days: int) -> str:
    return (dt.date(2026, 12, 31) - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("days", "compliant"), [(0, True), (729, True), (730, False), (731, False)]
)
def test_acc_6_training_in_the_730_days_ending_on_the_quarters_last_day(
    days: int, compliant: bool
) -> None:
    borough = Borough().trained("S1", "all_staff", "corporate_mandatory", _days_before_q4_end(days))
    assert counted(measure(borough, "ACC-6", Q4)) == (int(compliant), 1)


def test_acc_6_edge_dates() -> None:
    assert _days_before_q4_end(729) == "2025-01-01"
    assert _days_before_q4_end(730) == "2024-12-31"


def test_acc_6_every_required_type_is_needed() -> None:
    borough = (
        Borough()
        .trained("S1", "practitioner", "corporate_mandatory", "2026-01-10")
        .trained("S1", "practitioner", "asc_awareness", "2026-02-10")
        .trained("S1", "practitioner", "asc_enquiry", "2026-03-10")
        .trained("S2", "practitioner", "corporate_mandatory", "2026-01-10")
        .trained("S2", "practitioner", "asc_awareness", "2026-02-10")
        .trained(
            "S2", "practitioner", "asc_managers", "2026-03-10"
        )  # not what a practitioner needs
        .trained("S3", "operational_manager", "corporate_mandatory", "2026-01-10")
        .trained("S3", "operational_manager", "asc_awareness", "2026-01-10")
        .trained("S3", "operational_manager", "asc_managers", "2026-01-10")
        .trained("S4", "asc_staff", "corporate_mandatory", "2026-01-10")
        .trained("S4", "asc_staff", "asc_awareness", "2024-06-10")  # out of date
    )
    status = standards_frames.staff_training_status(borough.training_frame(), dt.date(2026, 12, 31))
    assert status.set_index("staff_id")["compliant"].to_dict() == {
        "S1": True,
        "S2": False,
        "S3": True,
        "S4": False,
    }
    assert status.set_index("staff_id")["missing_training"].to_dict() == {
        "S1": "",
        "S2": "asc_enquiry",
        "S3": "",
        "S4": "asc_awareness",
    }
    assert counted(measure(borough, "ACC-6", Q4)) == (2, 4)


def test_acc_6_role_is_the_role_on_the_most_recent_record() -> None:
    borough = (
        # was all_staff, now a practitioner: needs the practitioner's training
        Borough()
        .trained("S1", "all_staff", "corporate_mandatory", "2026-01-10")
        .trained("S1", "practitioner", "asc_awareness", "2026-06-01")
        # was a practitioner, now all_staff: corporate mandatory is enough
        .trained("S2", "practitioner", "asc_awareness", "2026-01-10")
        .trained("S2", "all_staff", "corporate_mandatory", "2026-06-01")
    )
    status = standards_frames.staff_training_status(borough.training_frame(), dt.date(2026, 12, 31))
    assert status.set_index("staff_id")["role"].to_dict() == {
        "S1": "practitioner",
        "S2": "all_staff",
    }
    assert counted(measure(borough, "ACC-6", Q4)) == (1, 2)


def test_acc_6_records_after_the_quarter_do_not_count() -> None:
    borough = (
        Borough()
        # trained only after the quarter: not yet staff
        .trained("S1", "all_staff", "corporate_mandatory", "2027-01-01")
        # role changes after the quarter: the quarter keeps the old role
        .trained("S2", "all_staff", "corporate_mandatory", "2026-03-01")
        .trained("S2", "practitioner", "asc_awareness", "2027-01-05")
        # completion after the quarter does not make up for an old one
        .trained("S3", "all_staff", "corporate_mandatory", "2024-01-01")
        .trained("S3", "all_staff", "corporate_mandatory", "2027-01-02")
    )
    assert counted(measure(borough, "ACC-6", Q4)) == (1, 2)


def test_acc_6_same_day_records_with_two_roles_take_the_later_role_in_contract_order() -> None:
    borough = (
        Borough()
        .trained("S1", "operational_manager", "corporate_mandatory", "2026-06-01")
        .trained("S1", "all_staff", "asc_awareness", "2026-06-01")
    )
    status = standards_frames.staff_training_status(borough.training_frame(), dt.date(2026, 12, 31))
    assert status["role"].tolist() == ["operational_manager"]
    assert status["missing_training"].tolist() == ["asc_managers"]


def test_acc_6_a_role_outside_the_config_is_never_compliant() -> None:
    borough = Borough().trained("S1", "volunteer", "corporate_mandatory", "2026-06-01")
    assert counted(measure(borough, "ACC-6", Q4)) == (0, 1)


def test_acc_6_no_staff_is_no_data() -> None:
    result = measure(Borough(), "ACC-6", Q4)
    assert (counted(result), result.value, result.status) == ((0, 0), None, "no_data")


def test_acc_6_at_and_below_target() -> None:
    borough = Borough()
    for n in range(10):
        when = "2026-06-01" if n < 9 else "2020-06-01"
        borough.trained(f"S{n}", "all_staff", "corporate_mandatory", when)
    result = measure(borough, "ACC-6", Q4)
    assert (result.value, result.status) == (90.0, "met")
    borough.trained("S10", "all_staff", "corporate_mandatory", "2020-06-01")
    result = measure(borough, "ACC-6", Q4)
    assert (result.value, result.status) == (81.8, "not_met")


# --- the scorecard --------------------------------------------------------------------------------


def _busy_borough() -> Borough:
    borough = Borough().provider("P1").provider("P2", commissioned=False)
    for n, day in enumerate(["2026-07-03", "2026-07-20", "2026-08-12", "2026-09-30", "2026-05-02"]):
        borough.concern(
            day,
            person_id=f"X{n % 3}",
            screened_on=day,
            provider_id="P1" if n % 2 else None,
            enquiry_started_on=day,
            enquiry_concluded_on="2026-09-15" if n < 3 else None,
            outcomes_asked="yes_expressed",
            outcomes_achieved="partially",
            protection_agreed="fully",
            survey_completed=n % 2 == 0,
            feedback_to_referrer_on="2026-09-20",
            fgc_elements=True,
            abuse_type="cuckooing" if n == 0 else "financial",
        )
    borough.trained("S1", "all_staff", "corporate_mandatory", "2026-01-01")
    return borough


def test_scorecard_is_in_contract_order() -> None:
    results = standards.scorecard(_busy_borough().inputs(), CONTRACT_DEFAULTS)
    assert [r.measure_id for r in results] == list(MEASURE_IDS)
    assert [r.standard for r in results][::3] == [
        "Empowerment",
        "Prevention",
        "Proportionality",
        "Accountability",
        "Accountability",
        "Partnership",
    ]
    assert {r.standard for r in results} == {
        "Empowerment",
        "Prevention",
        "Protection",
        "Proportionality",
        "Accountability",
        "Partnership",
    }
    assert all(r.label and "_" not in r.label for r in results)


def test_every_measure_has_a_named_function_with_its_definition() -> None:
    for measure_id, function in standards.MEASURES.items():
        assert function.__name__ == measure_id.lower().replace("-", "_")
        assert standards.measure_definition(measure_id).startswith(measure_id)


def test_scorecard_reads_the_shipped_config_by_default() -> None:
    inputs = _busy_borough().inputs()
    assert standards.scorecard(inputs) == standards.scorecard(inputs, CONTRACT_DEFAULTS)


def test_empty_data_gives_no_data_or_zero_counts() -> None:
    results = standards.scorecard(Borough().inputs(), CONTRACT_DEFAULTS)
    statuses = {r.measure_id: r.status for r in results}
    assert statuses.pop("PROP-1") == statuses.pop("PROP-2") == "trend"
    assert set(statuses.values()) == {"no_data"}


def test_json_is_exactly_the_contract_shape() -> None:
    results = standards.scorecard(_busy_borough().inputs(), CONTRACT_DEFAULTS)
    document = json.loads(standards.render_scorecard(results, "json"))
    assert isinstance(document, list)
    assert len(document) == 18
    for row in document:
        assert list(row) == [
            "measure_id",
            "standard",
            "label",
            "numerator",
            "denominator",
            "value",
            "target",
            "status",
        ]
        assert row["status"] in {"met", "not_met", "no_data", "trend"}
    rows = {row["measure_id"]: row for row in document}
    assert rows["PROP-1"] == {
        "measure_id": "PROP-1",
        "standard": "Proportionality",
        "label": "Safeguarding concerns received",
        "numerator": 4,
        "denominator": None,
        "value": 4,
        "target": None,
        "status": "trend",
    }
    assert rows["EMP-3"] | {"label": ""} == {
        "measure_id": "EMP-3",
        "standard": "Empowerment",
        "label": "",
        "numerator": 2,
        "denominator": 3,
        "value": 66.7,
        "target": 80,
        "status": "not_met",
    }
    assert rows["PROT-1"]["value"] is None
    assert rows["PROT-1"]["status"] == "no_data"


def test_csv_has_the_contract_columns_and_blank_for_none() -> None:
    results = standards.scorecard(_busy_borough().inputs(), CONTRACT_DEFAULTS)
    rows = list(csv.DictReader(io.StringIO(standards.render_scorecard(results, "csv"))))
    assert list(rows[0]) == standards.SCORECARD_COLUMNS
    by_id = {row["measure_id"]: row for row in rows}
    assert by_id["PROP-1"]["denominator"] == ""
    assert by_id["PROT-1"]["value"] == ""
    assert by_id["EMP-3"]["value"] == "66.7"


def test_table_shows_every_measure_with_its_status_in_words() -> None:
    results = standards.scorecard(_busy_borough().inputs(), CONTRACT_DEFAULTS)
    text = standards.render_scorecard(results, "table", quarter=Q)
    assert text.startswith("Safeguarding standards scorecard 2026-Q3: 1 July 2026 to 30 September")
    for result in results:
        assert result.label in text
    assert "66.7%" in text and "Not met" in text and "No data" in text and "No target" in text
    assert "Trend" not in text  # read as "rising", which a measure without a target is not


def test_unknown_format_is_refused() -> None:
    with pytest.raises(BadInput, match="format must be one of table, csv, json"):
        standards.render_scorecard([], "xml")


def test_suppression_replaces_small_counts() -> None:
    results = standards.scorecard(_busy_borough().inputs(), CONTRACT_DEFAULTS)
    rows = {row["measure_id"]: row for row in standards.scorecard_json(results, suppress=True)}
    assert rows["PROP-1"]["numerator"] == rows["PROP-1"]["value"] == "<5"
    assert rows["EMP-3"]["numerator"] == rows["EMP-3"]["denominator"] == "<5"
    assert rows["EMP-3"]["value"] == 66.7
    frame = standards_frames.scorecard_frame(results, suppress=True)
    assert list(frame.columns) == standards.SCORECARD_COLUMNS
    assert frame.set_index("measure_id").loc["PROP-1", "numerator"] == "<5"
    plain = standards_frames.scorecard_frame(results).set_index("measure_id")
    assert plain.loc["PROP-1", "value"] == 4
    assert isinstance(plain.loc["PROP-1", "value"], int)
    assert plain.loc["PROP-1", "denominator"] is None


def test_quarter_must_be_a_calendar_quarter() -> None:
    with pytest.raises(BadInput):
        standards.as_quarter(parse_month("2026-07"))
    with pytest.raises(BadInput):
        standards.as_quarter("2026-Q5")
    assert standards.as_quarter("2026-q3") == parse_quarter(Q)


# --- series and breakdowns ------------------------------------------------------------------------


def test_series_has_one_row_per_quarter_and_measure_equal_to_that_quarters_scorecard() -> None:
    inputs = _busy_borough().inputs()
    series = standards_frames.scorecard_series(inputs, quarters=8, config=CONTRACT_DEFAULTS)
    quarters = [f"{y}-Q{n}" for y, n in [(2024, 4), *((2025, n) for n in range(1, 5)),
                                        (2026, 1), (2026, 2), (2026, 3)]]  # fmt: skip
    assert series["quarter"].unique().tolist() == quarters
    assert len(series) == 8 * 18
    assert list(series.columns) == standards_frames.SERIES_COLUMNS
    for quarter in ("2026-Q2", "2026-Q3"):
        rows = series[series["quarter"] == quarter].drop(columns=["quarter", "start", "end"])
        expected = standards_frames.scorecard_frame(
            standards.scorecard(inputs.for_quarter(quarter), CONTRACT_DEFAULTS)
        )
        pd.testing.assert_frame_equal(
            rows.reset_index(drop=True).astype(object).where(rows.notna().to_numpy(), None),
            expected.astype(object).where(expected.notna(), None),
        )
    q2 = series[(series["quarter"] == "2026-Q2") & (series["measure_id"] == "PROP-1")]
    assert q2["value"].tolist() == [1]


def test_series_can_end_at_another_quarter_and_refuses_zero_quarters() -> None:
    inputs = _busy_borough().inputs()
    series = standards_frames.scorecard_series(
        inputs, "2026-Q2", quarters=2, config=CONTRACT_DEFAULTS
    )
    assert series["quarter"].unique().tolist() == ["2026-Q1", "2026-Q2"]
    with pytest.raises(BadInput):
        standards_frames.scorecard_series(inputs, quarters=0, config=CONTRACT_DEFAULTS)


def test_breakdowns_list_every_code_with_zeros_and_cuckooing() -> None:
    inputs = _busy_borough().inputs()
    tables = standards_frames.breakdowns(inputs)
    assert list(tables) == ["abuse_type", "referral_source", "age_band", "gender", "ethnicity"]
    vocabularies = [ABUSE_TYPE, REFERRAL_SOURCE, AGE_BAND, GENDER, ETHNICITY]
    received = _prop_1_by_quarter(inputs)
    for frame, vocabulary in zip(tables.values(), vocabularies, strict=True):
        assert list(frame.columns) == ["quarter", "code", "label", "concerns"]
        assert len(frame) == 8 * len(vocabulary.codes)
        assert frame["code"].tolist()[: len(vocabulary.codes)] == list(vocabulary.codes)
        per_quarter = frame.groupby("quarter", sort=False)["concerns"].sum()
        assert per_quarter.to_dict() == received
    abuse = tables["abuse_type"].set_index(["quarter", "code"])["concerns"]
    assert abuse[("2026-Q3", "cuckooing")] == 1
    assert abuse[("2026-Q3", "financial")] == 3
    assert abuse[("2026-Q3", "physical")] == 0
    assert abuse[("2026-Q2", "financial")] == 1
    assert abuse[("2024-Q4", "cuckooing")] == 0
    assert tables["abuse_type"].set_index("code").loc["cuckooing", "label"].iloc[0] == "Cuckooing"


def _prop_1_by_quarter(inputs: StandardsInputs) -> dict[str, int]:
    series = standards_frames.scorecard_series(inputs, quarters=8, config=CONTRACT_DEFAULTS)
    rows = series[series["measure_id"] == "PROP-1"]
    return dict(zip(rows["quarter"], rows["value"].astype(int), strict=True))


def test_breakdowns_use_the_quarters_own_days_and_list_unknown_codes_last() -> None:
    borough = (
        Borough()
        .concern("2024-09-30", abuse_type="physical")  # the day before the 8 quarters
        .concern("2024-10-01", abuse_type="physical")  # the first day
        .concern(LAST, abuse_type="grooming")  # not a contract code
        .concern(AFTER, abuse_type="physical")  # after them
    )
    frame = standards_frames.breakdowns(borough.inputs())["abuse_type"]
    assert frame["concerns"].sum() == 2
    assert frame["code"].tolist()[-1] == "grooming"
    assert len(frame) == 8 * 13
    counts = frame.set_index(["quarter", "code"])["concerns"]
    assert counts[("2024-Q4", "physical")] == 1
    assert counts[("2026-Q3", "grooming")] == 1


def test_breakdown_table_reads_across_quarters_and_can_suppress() -> None:
    frame = standards_frames.breakdowns(_busy_borough().inputs(), quarters=2)["abuse_type"]
    table = standards_frames.breakdown_table(frame)
    assert list(table.columns) == ["", "2026-Q3", "2026-Q2"]  # the newest quarter first
    assert table[""].tolist() == [ABUSE_TYPE.label(code) for code in ABUSE_TYPE.codes]
    suppressed = standards_frames.breakdown_table(frame, suppress=True)
    assert set(suppressed["2026-Q3"]) == {"<5"}


def test_inputs_for_another_quarter_share_the_prepared_concerns() -> None:
    inputs = _busy_borough().inputs()
    other = inputs.for_quarter("2026-Q2")
    assert other.facts is inputs.facts
    assert other.quarter == parse_quarter("2026-Q2")


# --- configuration --------------------------------------------------------------------------------


def _document() -> dict[str, Any]:
    with SHIPPED_CONFIG.open("rb") as handle:
        return tomllib.load(handle)


def test_shipped_config_is_the_contracts() -> None:
    assert load_standards_config() == CONTRACT_DEFAULTS
    assert load_standards_config(SHIPPED_CONFIG) == CONTRACT_DEFAULTS


def _problem(document: dict[str, Any]) -> str:
    with pytest.raises(BadInput) as caught:
        standards_config_from(document, source="standards.toml")
    return str(caught.value)


@pytest.mark.parametrize(
    "key",
    [
        "acc1_working_days",
        "acc2_working_days",
        "repeat_window_days",
        "training_window_days",
        "targets",
        "required_training",
    ],
)
def test_a_missing_setting_is_named(key: str) -> None:
    document = _document()
    del document[key]
    assert f"{key}: missing" in _problem(document)


def test_a_missing_measure_is_named() -> None:
    document = _document()
    del document["targets"]["ACC-2"]
    assert "targets: missing measure id ACC-2" in _problem(document)


def test_an_unknown_measure_is_named() -> None:
    document = _document()
    document["targets"]["ACC-7"] = 50
    assert "unknown measure id ACC-7" in _problem(document)


@pytest.mark.parametrize("value", [101, -1, 100.5, True, "90", "Trend"])
def test_a_target_outside_0_to_100_is_named(value: object) -> None:
    document = _document()
    document["targets"]["EMP-1"] = value
    message = _problem(document)
    assert message.startswith("standards.toml: targets.EMP-1 = ")
    assert "0 to 100" in message


@pytest.mark.parametrize("value", [0, 100, 92.5, "trend"])
def test_targets_at_the_ends_of_the_range_and_trend_are_accepted(value: object) -> None:
    document = _document()
    document["targets"]["EMP-1"] = value
    config = standards_config_from(document)
    assert config.target("EMP-1") == (None if value == "trend" else value)


def test_a_count_measure_cannot_have_a_target() -> None:
    document = _document()
    document["targets"]["PROP-1"] = 50
    assert 'PROP-1 is a count: its target must be "trend"' in _problem(document)


def test_an_unknown_setting_is_named() -> None:
    document = _document()
    document["acc3_working_days"] = 5
    assert "acc3_working_days: unknown setting" in _problem(document)


@pytest.mark.parametrize(
    ("key", "value"),
    [("acc2_working_days", "20"), ("acc2_working_days", -1), ("repeat_window_days", 0)],
)
def test_a_broken_window_is_named(key: str, value: object) -> None:
    document = _document()
    document[key] = value
    assert f"{key} = {value!r}" in _problem(document)


def test_required_training_must_cover_the_contract_roles_with_known_types() -> None:
    document = _document()
    del document["required_training"]["practitioner"]
    document["required_training"]["volunteer"] = ["corporate_mandatory"]
    document["required_training"]["asc_staff"] = ["asc_awarenes"]
    message = _problem(document)
    assert "unknown role volunteer" in message
    assert "missing role practitioner" in message
    assert "asc_staff: unknown training type asc_awarenes" in message


def test_a_broken_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "standards.toml"
    path.write_text("targets = [", encoding="utf-8")
    with pytest.raises(BadInput, match="not valid TOML"):
        load_standards_config(path)
    with pytest.raises(BadInput, match="not found"):
        load_standards_config(tmp_path / "missing.toml")
    text = SHIPPED_CONFIG.read_text(encoding="utf-8").replace("ACC-5 = 15", "ACC-5 = 150")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=r"targets\.ACC-5 = 150: must be from 0 to 100"):
        load_standards_config(path)


def test_config_changes_the_targets_and_the_labels() -> None:
    document = _document()
    document["targets"]["EMP-3"] = 60
    document["acc2_working_days"] = 10
    document["training_window_days"] = 365
    config = standards_config_from(document)
    results = {r.measure_id: r for r in standards.scorecard(_busy_borough().inputs(), config)}
    assert results["EMP-3"].status == "met"
    assert results["ACC-2"].label == "Enquiries concluded within 10 working days"
    assert results["ACC-6"].label.endswith("in the last year")
