"""Every row rule of CONTRACT.md §1: one bad row each, reported as FILE:ROW:COLUMN, nothing written.

Each case writes a file whose row 2 is valid and whose row 3 breaks exactly one rule, and checks
that the import reports exactly one problem, on row 3 and the rule's column, and writes no data.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.intake.schemas import ROW_SCHEMAS, Code, Day, YesNo
from sgoversight.store.models import Provider, QualityAlert, SafeguardingConcern
from tests.fixtures.importing import (
    GOOD,
    ID_COLUMN,
    TOMORROW,
    counts,
    csv_bytes,
    good_row,
    run,
    seed,
)


@dataclass(frozen=True)
class Case:
    kind: str
    changes: dict[str, str]
    column: str
    fragment: str

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.column}-{self.fragment[:30]}"


def _required_blank_cases() -> list[Case]:
    return [
        Case(kind, {column: "  "}, column, "required: must not be blank")
        for kind, schema in ROW_SCHEMAS.items()
        for column in schema.required_columns()
    ]


def _cell_cases() -> list[Case]:
    """Wrong enumerated values, wrong yes/no, malformed and future dates, for every column."""
    cases = []
    for kind, schema in ROW_SCHEMAS.items():
        for column in schema.columns():
            cell = schema.cell(column)
            if isinstance(cell, Code):
                cases.append(Case(kind, {column: "zzz"}, column, "'zzz' is not one of: "))
            elif isinstance(cell, YesNo):
                cases.append(Case(kind, {column: "perhaps"}, column, "'perhaps' is not yes or no"))
            elif isinstance(cell, Day):
                cases.append(
                    Case(kind, {column: "31/12/2024"}, column, "not a date in the form YYYY-MM-DD")
                )
                if cell.past:
                    cases.append(
                        Case(kind, {column: TOMORROW}, column, "must not be in the future")
                    )
    return cases


def _duplicate(kind: str, fragment: str) -> Case:
    id_column = ID_COLUMN[kind]
    return Case(kind, {id_column: good_row(kind, 1)[id_column]}, id_column, fragment)


SPECIFIC = [
    # providers.csv
    Case("providers", {"provider_id": "P" * 65}, "provider_id", "at most 64 characters allowed"),
    Case("providers", {"name": "N" * 201}, "name", "at most 200 characters allowed"),
    Case("providers", {"capacity": "12.5"}, "capacity", "'12.5' is not a whole number"),
    Case("providers", {"capacity": "forty"}, "capacity", "'forty' is not a whole number"),
    Case("providers", {"capacity": "-3"}, "capacity", "must be 0 or more"),
    _duplicate("providers", "duplicate provider_id 'P10-1': already on row 2"),
    # alerts.csv
    Case("alerts", {"provider_id": "P9"}, "provider_id", "'P9' is not a known provider"),
    Case("alerts", {"raised_on": "2025-3-1"}, "raised_on", "not a date in the form YYYY-MM-DD"),
    Case("alerts", {"raised_on": "2025-02-30"}, "raised_on", "'2025-02-30' is not a real date"),
    Case("alerts", {"summary": "s" * 2001}, "summary", "at most 2,000 characters allowed"),
    Case("alerts", {"summary": "a\x00b"}, "summary", "contains a NUL character"),
    Case("alerts", {"closed_on": ""}, "closed_on", "required when status is closed"),
    Case(
        "alerts",
        {"status": "open"},
        "closed_on",
        "must be blank unless status is closed (status is open)",
    ),
    Case(
        "alerts",
        {"closed_on": "2025-02-28"},
        "closed_on",
        "must be on or after raised_on (2025-03-01)",
    ),
    _duplicate("alerts", "duplicate alert_id 'A1-1': already on row 2"),
    # concerns.csv
    Case(
        "concerns",
        {"provider_id": ""},
        "provider_id",
        "required when source_of_risk is service_provider",
    ),
    Case("concerns", {"provider_id": "P9"}, "provider_id", "'P9' is not a known provider"),
    Case(
        "concerns",
        {"screened_on": "2025-02-28"},
        "screened_on",
        "must be on or after received_on (2025-03-01)",
    ),
    Case(
        "concerns",
        {"enquiry_started_on": "2025-02-28"},
        "enquiry_started_on",
        "must be on or after received_on (2025-03-01)",
    ),
    Case(
        "concerns",
        {"enquiry_started_on": ""},
        "enquiry_concluded_on",
        "needs enquiry_started_on",
    ),
    Case(
        "concerns",
        {"enquiry_concluded_on": "2025-03-02"},
        "enquiry_concluded_on",
        "must be on or after enquiry_started_on (2025-03-03)",
    ),
    Case(
        "concerns",
        {"outcomes_asked": "no"},
        "outcomes_achieved",
        "only allowed when outcomes_asked is yes_expressed (outcomes_asked is no)",
    ),
    Case(
        "concerns",
        {"outcomes_asked": ""},
        "outcomes_achieved",
        "only allowed when outcomes_asked is yes_expressed (outcomes_asked is blank)",
    ),
    Case(
        "concerns",
        {"risk_assessment": "no_risk"},
        "risk_outcome",
        "only allowed when risk_assessment is risk_identified (risk_assessment is no_risk)",
    ),
    Case("concerns", {"person_id": "X" * 65}, "person_id", "at most 64 characters allowed"),
    _duplicate("concerns", "duplicate concern_id 'C1-1': already on row 2"),
    # plans.csv
    Case("plans", {"provider_id": "P9"}, "provider_id", "'P9' is not a known provider"),
    Case("plans", {"closed_on": ""}, "closed_on", "required when status is closed"),
    Case("plans", {"status": "open"}, "closed_on", "must be blank unless status is closed"),
    Case(
        "plans",
        {"closed_on": "2025-01-09"},
        "closed_on",
        "must be on or after opened_on (2025-01-10)",
    ),
    _duplicate("plans", "duplicate plan_id 'PL10-1': already on row 2"),
    # actions.csv
    Case("actions", {"plan_id": "PL9"}, "plan_id", "'PL9' is not a known improvement plan"),
    Case("actions", {"owner": "O" * 201}, "owner", "at most 200 characters allowed"),
    _duplicate("actions", "duplicate action_id 'AC1-1': already on row 2"),
    # training.csv: a row is identified by staff_id, training_type and completed_on together
    _duplicate(
        "training",
        "duplicate record: the same staff_id, training_type and completed_on as row 2",
    ),
]

CASES = _required_blank_cases() + _cell_cases() + SPECIFIC


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_row_is_reported_on_its_row_and_column(seeded: Engine, case: Case) -> None:
    before = counts(seeded)
    rows = [good_row(case.kind, 1), good_row(case.kind, 2, **case.changes)]
    report = run(seeded, case.kind, csv_bytes(rows, columns=list(GOOD[case.kind])))
    assert [str(p).split(": ", 1)[0] for p in report.problems] == [
        f"{case.kind}.csv:3:{case.column}"
    ], report.problems
    assert case.fragment in report.problems[0].message
    assert not report.ok
    assert report.summary() == f"{case.kind}.csv: rejected, 1 problem in 1 row; nothing written"
    assert counts(seeded) == before


@pytest.mark.parametrize("kind", list(GOOD))
def test_good_rows_of_every_file_are_accepted(seeded: Engine, kind: str) -> None:
    rows = [good_row(kind, 1), good_row(kind, 2)]
    report = run(seeded, kind, csv_bytes(rows))
    assert report.ok, report.problems
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)


def test_every_problem_of_every_row_is_reported(seeded: Engine) -> None:
    rows = [
        good_row("alerts", 1, severity="urgent", raised_by="nobody"),
        good_row("alerts", 2),
        good_row("alerts", 3, provider_id="P9", status="open"),
    ]
    report = run(seeded, "alerts", csv_bytes(rows))
    assert [str(p) for p in report.problems] == [
        "alerts.csv:2:raised_by: 'nobody' is not one of: commissioner, social_care_staff, "
        "health, provider, family_friend, self, other, cqc",
        "alerts.csv:2:severity: 'urgent' is not one of: low, medium, high, critical",
        "alerts.csv:4:provider_id: 'P9' is not a known provider (import providers first)",
        "alerts.csv:4:closed_on: must be blank unless status is closed (status is open)",
    ]
    assert report.summary() == "alerts.csv: rejected, 4 problems in 2 rows; nothing written"


def test_optional_columns_may_be_blank(seeded: Engine) -> None:
    schema = ROW_SCHEMAS["concerns"]
    blank = {c: "" for c in schema.columns() if c not in schema.required_columns()}
    row = good_row("concerns", 1, source_of_risk="known_to_individual", **blank)
    report = run(seeded, "concerns", csv_bytes([row]))
    assert report.ok, report.problems


def test_provider_is_optional_unless_source_of_risk_is_a_service_provider(seeded: Engine) -> None:
    row = good_row("concerns", 1, source_of_risk="unknown_to_individual", provider_id="")
    assert run(seeded, "concerns", csv_bytes([row])).ok


def test_due_date_may_be_in_the_future(seeded: Engine) -> None:
    row = good_row("actions", 1, due_on="2030-01-31", completed_on="")
    assert run(seeded, "actions", csv_bytes([row])).ok


def test_summary_of_exactly_2000_characters_is_accepted(seeded: Engine) -> None:
    row = good_row("alerts", 1, summary="s" * 2000)
    assert run(seeded, "alerts", csv_bytes([row])).ok


def test_dates_on_the_same_day_are_in_order(seeded: Engine) -> None:
    row = good_row(
        "concerns",
        1,
        screened_on="2025-03-01",
        enquiry_started_on="2025-03-01",
        enquiry_concluded_on="2025-03-01",
    )
    assert run(seeded, "concerns", csv_bytes([row])).ok
    row = good_row("alerts", 1, raised_on="2025-06-30", closed_on="2025-06-30")
    assert run(seeded, "alerts", csv_bytes([row])).ok


def test_labels_and_codes_in_any_case_and_spacing_are_accepted(seeded: Engine) -> None:
    providers = [
        good_row(
            "providers",
            1,
            service_type="  NURSING HOME ",
            regulated=" Yes",
            commissioned="NO",
            cqc_rating="requires improvement",
            capacity=" 12 ",
        ),
        good_row("providers", 2, service_type="Extra_Care", regulated="no", cqc_rating=""),
    ]
    assert run(seeded, "providers", csv_bytes(providers)).ok
    alerts = [
        good_row(
            "alerts",
            1,
            raised_by="Family or friend",
            category="nutrition and hydration",
            severity="CRITICAL",
            status=" In Progress ",
            closed_on="",
        )
    ]
    assert run(seeded, "alerts", csv_bytes(alerts)).ok
    concerns = [
        good_row(
            "concerns",
            1,
            referral_source="Health: primary care (GP)",
            location="in the community (excluding community services)",
            source_of_risk="Other: known to the individual",
            provider_id="",
            age_band="95+",
            outcomes_asked="Yes, outcomes expressed",
            outcomes_achieved="Fully achieved",
            risk_assessment="RISK IDENTIFIED",
            risk_outcome="risk removed",
            lacked_capacity="Don't know",
        )
    ]
    assert run(seeded, "concerns", csv_bytes(concerns)).ok
    with Session(seeded) as session:
        provider = session.get(Provider, "P10-1")
        assert provider is not None
        assert (provider.service_type, provider.regulated, provider.commissioned) == (
            "nursing_home",
            True,
            False,
        )
        assert (provider.cqc_rating, provider.capacity) == ("requires_improvement", 12)
        other = session.get(Provider, "P10-2")
        assert other is not None
        assert (other.service_type, other.cqc_rating, other.commissioned) == (
            "extra_care",
            None,
            True,
        )
        alert = session.scalars(select(QualityAlert)).one()
        assert (alert.raised_by, alert.category, alert.severity, alert.status) == (
            "family_friend",
            "nutrition_hydration",
            "critical",
            "in_progress",
        )
        concern = session.scalars(select(SafeguardingConcern)).one()
        assert (concern.referral_source, concern.location, concern.source_of_risk) == (
            "health_primary",
            "community",
            "known_to_individual",
        )
        assert (concern.outcomes_asked, concern.outcomes_achieved) == ("yes_expressed", "fully")
        assert (concern.risk_assessment, concern.risk_outcome) == ("risk_identified", "removed")
        assert concern.lacked_capacity == "dont_know"


def test_blank_commissioned_means_commissioned(seeded: Engine) -> None:
    assert run(seeded, "providers", csv_bytes([good_row("providers", 1, commissioned="")])).ok
    with Session(seeded) as session:
        provider = session.get(Provider, "P10-1")
        assert provider is not None and provider.commissioned is True
