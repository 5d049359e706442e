"""The standards scorecard read from the database agrees with the pure functions on the same rows,
on SQLite and PostgreSQL (the `engine` fixture of conftest.py), and only for actors allowed to see
it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.periods import parse_quarter
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import read as standards_read
from sgoversight.standards import rules as standards
from sgoversight.standards.config import CONTRACT_DEFAULTS, MEASURE_IDS
from sgoversight.standards.rules import StandardsInputs
from sgoversight.store.models import Provider, SafeguardingConcern, TrainingRecord
from tests.support.standards_rows import inputs_from

Q = "2026-Q3"

PROVIDERS: list[dict[str, Any]] = [
    {"provider_id": "P1", "name": "Oakview Care Home", "service_type": "care_home",
     "regulated": True, "commissioned": True, "cqc_rating": "good", "capacity": 40},
    {"provider_id": "P2", "name": "Beech House", "service_type": "nursing_home",
     "regulated": True, "commissioned": False, "cqc_rating": None, "capacity": None},
]  # fmt: skip

_BASE = {
    "referral_source": "police",
    "abuse_type": "neglect",
    "location": "own_home",
    "source_of_risk": "known_to_individual",
    "age_band": "85-94",
    "gender": "male",
    "ethnicity": "white",
}

CONCERNS: list[dict[str, Any]] = [
    # received Friday, screened the Tuesday after the bank holiday: within 1 working day; an
    # enquiry of 20 working days concluded in the quarter, with everything recorded
    _BASE | {"concern_id": "C1", "person_id": "X1", "received_on": "2026-08-28",
             "screened_on": "2026-09-01", "provider_id": "P1",
             "source_of_risk": "service_provider", "location": "care_home_residential",
             "enquiry_started_on": "2026-09-01", "enquiry_concluded_on": "2026-09-29",
             "outcomes_asked": "yes_expressed", "outcomes_achieved": "partially",
             "risk_assessment": "risk_identified", "risk_outcome": "reduced",
             "action_taken": True, "protection_agreed": "fully",
             "protection_plan_reviewed": True, "survey_completed": True,
             "feedback_to_referrer_on": "2026-09-30", "feedback_to_provider_on": "2026-09-30",
             "social_isolation": True, "fgc_elements": False, "abuse_type": "cuckooing"},
    # the same person again 364 days later: a repeat; screened two working days later
    _BASE | {"concern_id": "C2", "person_id": "X1", "received_on": "2026-07-01",
             "screened_on": "2026-07-03", "provider_id": "P2",
             "source_of_risk": "service_provider", "abuse_type": "financial",
             "enquiry_started_on": "2026-07-02", "enquiry_concluded_on": "2026-08-28",
             "outcomes_asked": "no", "risk_assessment": "risk_identified",
             "risk_outcome": "remains", "protection_agreed": "no",
             "protection_plan_reviewed": False, "survey_completed": False,
             "social_isolation": False, "fgc_elements": True},
    # the earlier concern for X1, before the quarter
    _BASE | {"concern_id": "C3", "person_id": "X1", "received_on": "2025-07-02",
             "screened_on": "2025-07-02"},
    # received on the quarter's last day, not screened
    _BASE | {"concern_id": "C4", "person_id": "X2", "received_on": "2026-09-30",
             "gender": "female", "ethnicity": "asian", "referral_source": "self"},
    # received the day after the quarter
    _BASE | {"concern_id": "C5", "person_id": "X3", "received_on": "2026-10-01",
             "screened_on": "2026-10-01"},
]  # fmt: skip

TRAINING: list[dict[str, Any]] = [
    {"staff_id": "S1", "role": "all_staff", "training_type": "corporate_mandatory",
     "completed_on": "2024-10-01"},  # 729 days before 30 September 2026
    {"staff_id": "S2", "role": "all_staff", "training_type": "corporate_mandatory",
     "completed_on": "2024-09-30"},  # 730 days before: out of date
    {"staff_id": "S3", "role": "all_staff", "training_type": "corporate_mandatory",
     "completed_on": "2026-01-15"},
    {"staff_id": "S3", "role": "practitioner", "training_type": "asc_awareness",
     "completed_on": "2026-02-15"},  # now a practitioner, missing asc_enquiry
    {"staff_id": "S4", "role": "asc_staff", "training_type": "corporate_mandatory",
     "completed_on": "2026-10-05"},  # after the quarter: not yet staff
]  # fmt: skip

_DATE_FIELDS = {
    "received_on",
    "screened_on",
    "enquiry_started_on",
    "enquiry_concluded_on",
    "feedback_to_referrer_on",
    "feedback_to_provider_on",
    "completed_on",
}


def _orm_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: dt.date.fromisoformat(value) if key in _DATE_FIELDS and value else value
        for key, value in row.items()
    }


def _seed(engine: Engine) -> None:
    with Session(engine) as session:
        session.add_all(Provider(**row) for row in PROVIDERS)
        session.flush()
        session.add_all(SafeguardingConcern(**_orm_values(row)) for row in CONCERNS)
        session.add_all(TrainingRecord(**_orm_values(row)) for row in TRAINING)
        session.commit()


def _inputs_by_hand(quarter: str = Q) -> StandardsInputs:
    return inputs_from(CONCERNS, PROVIDERS, TRAINING, parse_quarter(quarter))


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    _seed(engine)
    return engine


def test_scorecard_from_the_database_equals_the_pure_function(seeded: Engine) -> None:
    from_database = standards_read.scorecard_from_database(
        seeded, Q, config=CONTRACT_DEFAULTS, actor=SYSTEM
    )
    by_hand = standards.scorecard(_inputs_by_hand(), CONTRACT_DEFAULTS)
    assert from_database == by_hand


def test_scorecard_from_the_database_worked_out_by_hand(seeded: Engine) -> None:
    results = {
        r.measure_id: r for r in standards_read.scorecard_from_database(seeded, Q, actor=SYSTEM)
    }
    figures = {m: (r.numerator, r.denominator, r.value, r.status) for m, r in results.items()}
    assert figures == {
        "EMP-1": (1, 2, 50.0, "not_met"),  # C1 asked, C2 not
        "EMP-2": (1, 2, 50.0, "not_met"),
        "EMP-3": (1, 2, 50.0, "not_met"),
        "PREV-1": (1, 3, 33.3, "trend"),  # received: C1, C2, C4
        "PREV-2": (1, 3, 33.3, "trend"),
        "PROT-1": (1, 2, 50.0, "not_met"),
        "PROP-1": (3, None, 3, "trend"),
        "PROP-2": (2, None, 2, "trend"),
        "PROP-3": (2, 3, 66.7, "met"),
        "ACC-1": (1, 3, 33.3, "not_met"),  # C1 in time, C2 two days, C4 not screened
        "ACC-2": (1, 2, 50.0, "not_met"),  # C1 20 working days, C2 many more
        "ACC-3": (2, 3, 66.7, "trend"),  # C2 (364 days after C3) and C1 (after C2)
        "ACC-4": (1, 1, 100.0, "met"),
        "ACC-5": (1, 2, 50.0, "met"),
        "ACC-6": (1, 3, 33.3, "not_met"),  # S1 only; S4 is not yet staff
        "PART-1": (1, 2, 50.0, "not_met"),
        "PART-2": (1, 2, 50.0, "not_met"),
        "PART-3": (1, 3, 33.3, "trend"),  # C1 about P1; P2 is not commissioned
    }


def test_series_and_breakdowns_from_the_database_equal_the_pure_functions(seeded: Engine) -> None:
    series = standards_frames.scorecard_series(
        seeded, Q, quarters=8, config=CONTRACT_DEFAULTS, actor=SYSTEM
    )
    expected = standards_frames.scorecard_series(
        _inputs_by_hand(), quarters=8, config=CONTRACT_DEFAULTS
    )
    pd.testing.assert_frame_equal(series, expected)
    inputs = standards_read.load_inputs(seeded, Q, actor=SYSTEM)
    from_database = standards_frames.breakdowns(inputs)
    for name, frame in standards_frames.breakdowns(_inputs_by_hand()).items():
        pd.testing.assert_frame_equal(from_database[name], frame)
    abuse = from_database["abuse_type"].set_index(["quarter", "code"])["concerns"]
    assert abuse[("2026-Q3", "cuckooing")] == 1


@pytest.mark.parametrize("role", [Role.SAFEGUARDING, Role.COMMISSIONER, Role.BOARD_MEMBER])
def test_council_roles_may_view_the_standards(sqlite_engine: Engine, role: Role) -> None:
    _seed(sqlite_engine)
    actor = Actor(username="someone", roles=frozenset({role}))
    results = standards_read.scorecard_from_database(sqlite_engine, Q, actor=actor)
    assert [r.measure_id for r in results] == list(MEASURE_IDS)


@pytest.mark.parametrize("role", [Role.QA_ATTENDEE, Role.PLAN_OWNER, Role.PROVIDER])
def test_other_roles_may_not(sqlite_engine: Engine, role: Role) -> None:
    actor = Actor(username="someone", roles=frozenset({role}), provider_id="P1")
    with pytest.raises(PermissionDenied, match="view standards"):
        standards_read.scorecard_from_database(sqlite_engine, Q, actor=actor)
    with pytest.raises(PermissionDenied):
        standards_frames.scorecard_series(sqlite_engine, Q, actor=actor)
    with pytest.raises(PermissionDenied):
        standards_read.load_inputs(sqlite_engine, Q, actor=actor)


def test_loading_needs_an_actor_nobody_is_an_administrator_by_omission(
    sqlite_engine: Engine,
) -> None:
    with pytest.raises(PermissionDenied, match="actor"):
        standards_frames.scorecard_series(sqlite_engine, Q)
    with pytest.raises(TypeError):
        standards_read.load_inputs(sqlite_engine, Q)  # type: ignore[call-arg]


def test_an_empty_database_gives_no_data(sqlite_engine: Engine) -> None:
    results = standards_read.scorecard_from_database(sqlite_engine, Q, actor=SYSTEM)
    assert {r.status for r in results} == {"no_data", "trend"}
    assert {r.measure_id for r in results if r.status == "trend"} == {"PROP-1", "PROP-2"}
