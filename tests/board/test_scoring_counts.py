"""The Board's counts as the database counts them (scoring.COUNTS, through
scoring_read.count_months and scoring.count_rows) are those of the row version
(tests/support/scoring_rows.py), for every provider and month.

On a generated borough on SQLite and PostgreSQL whose records sit on and beside every window edge
of the months tested (each window's first day and the day before, as-of and the day after, the
previous window's first and last days, the unresolved alerts' cut-off and the days either side),
with three configurations; and, through hypothesis, for any rows held in Python (no dates,
records about no provider or an unknown one included).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.board import read as scoring_read
from sgoversight.board import rules as scoring
from sgoversight.board.rules import (
    ActionRow,
    AlertRow,
    ConcernRow,
    ScoringConfig,
    ScoringWindow,
    Tally,
)
from sgoversight.periods import add_months, parse_month
from sgoversight.store import read
from sgoversight.store.models import ImprovementAction, ImprovementPlan, Provider
from sgoversight.vocabulary import ABUSE_TYPE, RISK_OUTCOME, SEVERITY, SOURCE_OF_RISK
from tests.support.records import alert, concern
from tests.support.scoring_rows import tallies_of_rows

CONFIGS = [
    ScoringConfig(),
    ScoringConfig(window_months=1, unresolved_after_days=10),
    ScoringConfig(window_months=6, unresolved_after_days=60),
]
CONFIG_IDS = ["defaults", "one-month-window", "six-month-window"]
LAST = parse_month("2026-12")
MONTHS = [add_months(LAST, -back) for back in range(12)]
PROVIDERS = [f"P{n:02}" for n in range(1, 13)]


def _spans(config: ScoringConfig) -> list[ScoringWindow]:
    return [scoring.scoring_window(month, config) for month in MONTHS]


def edge_days() -> list[dt.date]:
    """Every window edge of every month and configuration tested, and the days either side."""
    one = dt.timedelta(days=1)
    found: set[dt.date] = set()
    for config in CONFIGS:
        for span in _spans(config):
            unresolved_by = span.as_of - dt.timedelta(days=config.unresolved_after_days)
            for day in (
                span.window.start,
                span.as_of,
                span.previous.start,
                span.previous.end,
                unresolved_by,
            ):
                found |= {day - one, day, day + one}
    return sorted(found)


EDGES = edge_days()
FIRST_DAY, LAST_DAY = EDGES[0] - dt.timedelta(days=30), EDGES[-1] + dt.timedelta(days=30)


def _day(rng: random.Random) -> dt.date:
    """An edge day most of the time, else any day of the years tested."""
    if rng.random() < 0.7:
        return rng.choice(EDGES)
    return FIRST_DAY + dt.timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days))


def _after(rng: random.Random, day: dt.date, chance: float = 0.7) -> dt.date | None:
    """A day on or after `day` (an edge day when one fits), or None."""
    if rng.random() > chance:
        return None
    later = [edge for edge in EDGES if edge >= day]
    if later and rng.random() < 0.7:
        return rng.choice(later[:40])
    return day + dt.timedelta(days=rng.randrange(0, 120))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@pytest.fixture(scope="module")
def borough(module_engine: Engine) -> Engine:
    """Twelve providers with records on and beside every edge (module docstring)."""
    rng = random.Random(19)
    with Session(module_engine) as session:
        for pid in PROVIDERS:
            session.add(
                Provider(
                    provider_id=pid,
                    name=f"Provider {pid}",
                    service_type="care_home",
                    regulated=True,
                    commissioned=True,
                )
            )
        session.flush()
        for n in range(400):
            raised = _day(rng)
            session.add(
                alert(
                    f"A{n:04}",
                    rng.choice(PROVIDERS),
                    raised.isoformat(),
                    _iso(_after(rng, raised)),
                    severity=rng.choice(SEVERITY.codes),
                )
            )
        for n in range(600):
            received = _day(rng)
            started = _after(rng, received, 0.6)
            concluded = _after(rng, started, 0.6) if started else None
            session.add(
                concern(
                    f"C{n:04}",
                    rng.choice([*PROVIDERS, None]),
                    received.isoformat(),
                    source_of_risk=rng.choice(SOURCE_OF_RISK.codes),
                    abuse_type=rng.choice(["organisational", *ABUSE_TYPE.codes]),
                    started=_iso(started),
                    concluded=_iso(concluded),
                    risk_outcome=rng.choice(RISK_OUTCOME.codes) if concluded else None,
                )
            )
        for pid in PROVIDERS:
            session.add(
                ImprovementPlan(
                    plan_id=f"PL-{pid}",
                    provider_id=pid,
                    opened_on=FIRST_DAY,
                    reason="Test",
                    status="open",
                )
            )
        session.flush()
        for n in range(200):
            due = _day(rng)
            session.add(
                ImprovementAction(
                    action_id=f"X{n:04}",
                    plan_id=f"PL-{rng.choice(PROVIDERS)}",
                    description="Test action",
                    owner="Registered manager",
                    due_on=due,
                    completed_on=_after(rng, due, 0.5),
                )
            )
        session.commit()
    return module_engine


def _stored_rows(engine: Engine) -> tuple[list[AlertRow], list[ConcernRow], list[ActionRow]]:
    """Every record as stored, as the row version takes them."""
    with read.from_engine(engine) as connection:
        alerts = [
            AlertRow(pid, read.as_date(raised), severity, read.as_date(closed))
            for pid, raised, severity, closed in read.rows(
                connection, "SELECT provider_id, raised_on, severity, closed_on FROM quality_alerts"
            )
        ]
        concerns = [
            ConcernRow(
                pid,
                read.as_date(received),
                source,
                abuse,
                read.as_date(started),
                read.as_date(concluded),
                outcome,
            )
            for pid, received, source, abuse, started, concluded, outcome in read.rows(
                connection,
                "SELECT provider_id, received_on, source_of_risk, abuse_type, enquiry_started_on,"
                " enquiry_concluded_on, risk_outcome FROM safeguarding_concerns",
            )
        ]
        actions = [
            ActionRow(pid, read.as_date(due), read.as_date(completed))
            for pid, due, completed in read.rows(
                connection,
                "SELECT p.provider_id, a.due_on, a.completed_on FROM improvement_actions a"
                " JOIN improvement_plans p ON p.plan_id = a.plan_id",
            )
        ]
    return alerts, concerns, actions


def _same(
    counted: dict[str, Tally], expected: dict[str, Tally], providers: Iterable[str], label: str
) -> None:
    """Each provider's counted tally (none when nothing was counted) is the row version's."""
    for pid in providers:
        assert counted.get(pid, Tally()) == expected[pid], (label, pid)


def test_the_boroughs_records_reach_every_count(borough: Engine) -> None:
    """The generated borough is worth comparing on: every count is above zero somewhere."""
    alerts, concerns, actions = _stored_rows(borough)
    seen: set[str] = set()
    for config in CONFIGS:
        for span in _spans(config):
            for tally in tallies_of_rows(
                span, PROVIDERS, alerts, concerns, actions, config
            ).values():
                seen |= {name for name, value in tally.counts.items() if value}
                if tally.previous_sum:
                    seen.add("previous_sum")
    assert seen == {*scoring.COUNT_INDICATORS, "previous_sum"}


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_the_database_counts_every_month_as_the_row_version(
    borough: Engine, config: ScoringConfig
) -> None:
    alerts, concerns, actions = _stored_rows(borough)
    spans = _spans(config)
    with read.from_engine(borough) as connection:
        counted = scoring_read.count_months(connection, spans, config)
        one = scoring_read.count_months(connection, spans, config, provider_id="P03")
    for span, by_provider, only in zip(spans, counted, one, strict=True):
        expected = tallies_of_rows(span, PROVIDERS, alerts, concerns, actions, config)
        _same(by_provider, expected, PROVIDERS, span.month.label)
        assert set(only) <= {"P03"}
        _same(only, expected, ["P03"], f"{span.month.label} P03 alone")


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_rows_held_in_python_are_counted_as_the_database_counts_them(
    borough: Engine, config: ScoringConfig
) -> None:
    rows = _stored_rows(borough)
    spans = _spans(config)
    with read.from_engine(borough) as connection:
        counted = scoring_read.count_months(connection, spans, config)
    assert scoring.count_rows(spans, *rows, config) == counted


# --- any rows held in Python ------------------------------------------------------------------

HYPOTHESIS_CONFIG = ScoringConfig()
HYPOTHESIS_SPANS = _spans(HYPOTHESIS_CONFIG)[:4]
provider_ids = st.sampled_from(["P1", "P2", "P3", "P9-not-in-the-register", None])
days = st.one_of(
    st.sampled_from(EDGES), st.dates(min_value=FIRST_DAY, max_value=LAST_DAY), st.none()
)
alert_rows = st.builds(AlertRow, provider_ids, days, st.sampled_from([*SEVERITY.codes, None]), days)
concern_rows = st.builds(
    ConcernRow,
    provider_ids,
    days,
    st.sampled_from([*SOURCE_OF_RISK.codes, None]),
    st.sampled_from(["organisational", "neglect", None]),
    days,
    days,
    st.sampled_from([*RISK_OUTCOME.codes, None]),
)
action_rows = st.builds(ActionRow, provider_ids, days, days)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(alert_rows, max_size=25),
    st.lists(concern_rows, max_size=25),
    st.lists(action_rows, max_size=15),
)
def test_any_rows_are_counted_as_the_row_version_counts_them(
    alerts: list[AlertRow], concerns: list[ConcernRow], actions: list[ActionRow]
) -> None:
    counted = scoring.count_rows(HYPOTHESIS_SPANS, alerts, concerns, actions, HYPOTHESIS_CONFIG)
    for span, by_provider in zip(HYPOTHESIS_SPANS, counted, strict=True):
        expected = tallies_of_rows(
            span, ["P1", "P2", "P3"], alerts, concerns, actions, HYPOTHESIS_CONFIG
        )
        _same(by_provider, expected, ["P1", "P2", "P3"], span.month.label)
