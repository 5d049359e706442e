"""`score_from_database` on a migrated database (SQLite and PostgreSQL): the ratings loaded through
sgoversight.store.queries agree with the pure `score_month` on the same rows built by hand, and
with the figures worked out by hand beside each row.

Board month 2026-11: window 1 September to 30 November 2026 (as-of), previous window June to
August 2026.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.board import read as scoring_read
from sgoversight.board import rules as scoring
from sgoversight.board.config import ScoringConfig
from sgoversight.board.frames import rows_from_frames
from sgoversight.board.rules import AMBER, GREEN, RED
from sgoversight.store.models import (
    ImprovementAction,
    ImprovementPlan,
    Provider,
)
from tests.support.records import alert, concern

D = dt.date.fromisoformat
MONTH = "2026-11"
DEFAULTS = ScoringConfig()

# provider_id, name, service_type, regulated, commissioned, cqc_rating
PROVIDERS = [
    ("P1", "Oakview Care Home", "care_home", True, True, "good"),
    ("P2", "beech house", "nursing_home", True, True, "requires_improvement"),
    ("P3", "Riverside Home Care", "home_care", True, False, None),
    ("P4", "Quiet Lodge", "supported_living", False, True, "outstanding"),
]

# alert_id, provider_id, raised_on, severity, closed_on
ALERTS = [
    ("A1", "P1", "2026-09-01", "critical", "2026-09-03"),  # first day of the window: red
    ("A2", "P1", "2026-11-30", "low", None),  # as-of: counted, 0 days old
    ("A3", "P1", "2026-12-01", "high", None),  # after as-of: ignored
    ("A4", "P2", "2026-10-01", "medium", "2026-12-01"),  # closed after as-of: unresolved
    ("A5", "P2", "2026-11-02", "medium", None),  # 28 days before as-of: unresolved
    ("A6", "P3", "2026-11-03", "medium", None),  # 27 days: not unresolved
    ("A7", "P3", "2026-08-31", "high", "2026-08-31"),  # previous window only
]

# concern_id, provider_id, received_on, source_of_risk, abuse_type, started, concluded, outcome
CONCERNS = [
    ("C1", "P3", "2026-10-05", "service_provider", "neglect", None, None, None),
    ("C2", "P3", "2026-10-06", "service_provider", "neglect", None, None, None),
    ("C3", "P2", "2026-06-10", "known_to_individual", "physical", "2026-06-12", "2026-11-30",
     "remains"),  # concluded on as-of with risk remaining; not open at as-of
    ("C4", "P2", "2026-11-20", "known_to_individual", "organisational", "2026-11-30", None, None),
    ("C5", None, "2026-10-10", "unknown_to_individual", "financial", "2026-10-11", None, None),
]  # fmt: skip

# action_id, plan provider, due_on, completed_on
ACTIONS = [
    ("X1", "P2", "2026-11-29", None),  # overdue
    ("X2", "P2", "2026-11-30", None),  # due on as-of: not overdue
    ("X3", "P2", "2026-10-01", "2026-12-02"),  # completed after as-of: overdue
]

EXPECTED = {
    # P1: A1 critical (red); A2 raised on as-of. 2 in the window, nothing before: not rising.
    "P1": (RED, ["1 critical quality alert in 3 months (red at 1)"]),
    # P2: CQC amber, 1 open enquiry (C4), risk remains (C3) amber, organisational (C4) red,
    # 2 overdue actions amber, 2 unresolved alerts (A4, A5) amber.
    "P2": (
        RED,
        [
            "1 safeguarding enquiry open at the end of the month (amber at 1)",
            "1 safeguarding enquiry concluded in 3 months with the risk remaining (amber at 1)",
            "1 organisational abuse concern in 3 months (red at 1)",
            "CQC rating: Requires improvement (amber)",
            "2 improvement plan actions overdue (amber at 1)",
            "2 quality alerts open for 28 days or more (amber at 1)",
        ],
    ),
    # P3: 2 provider concerns (amber); 1 alert + 2 concerns = 3 against 1 before: rising.
    "P3": (
        AMBER,
        [
            "2 safeguarding concerns with the provider as the source of risk in 3 months"
            " (amber at 2)",
            "Alerts and concerns rising: 3 in 3 months against 1 in the 3 months before"
            " (amber at 1.5 times)",
        ],
    ),
    "P4": (GREEN, []),
}


def _seed(engine: Engine) -> None:
    with Session(engine) as session:
        for provider_id, name, service_type, regulated, commissioned, cqc in PROVIDERS:
            session.add(
                Provider(
                    provider_id=provider_id,
                    name=name,
                    service_type=service_type,
                    regulated=regulated,
                    commissioned=commissioned,
                    cqc_rating=cqc,
                )
            )
        session.flush()
        for alert_id, provider_id, raised_on, severity, closed_on in ALERTS:
            session.add(alert(alert_id, provider_id, raised_on, closed_on, severity=severity))
        for (
            concern_id,
            provider_id,
            received,
            source,
            abuse,
            started,
            concluded,
            outcome,
        ) in CONCERNS:
            session.add(
                concern(
                    concern_id,
                    provider_id,
                    received,
                    source_of_risk=source,
                    abuse_type=abuse,
                    started=started,
                    concluded=concluded,
                    risk_outcome=outcome,
                )
            )
        session.add(
            ImprovementPlan(
                plan_id="PL-P2",
                provider_id="P2",
                opened_on=D("2026-08-01"),
                reason="Board decision",
                status="open",
            )
        )
        session.flush()
        for action_id, _provider_id, due_on, completed_on in ACTIONS:
            session.add(
                ImprovementAction(
                    action_id=action_id,
                    plan_id="PL-P2",
                    description="Do the thing",
                    owner="Registered manager",
                    due_on=D(due_on),
                    completed_on=D(completed_on) if completed_on else None,
                )
            )
        session.commit()


def _frames_by_hand() -> list[pd.DataFrame]:
    """The same rows as python dates, without the database."""
    providers = pd.DataFrame(
        PROVIDERS,
        columns=["provider_id", "name", "service_type", "regulated", "commissioned", "cqc_rating"],
    )
    alerts = pd.DataFrame(
        [(p, D(r), s, D(c) if c else None) for _, p, r, s, c in ALERTS],
        columns=["provider_id", "raised_on", "severity", "closed_on"],
    )
    concerns = pd.DataFrame(
        [
            (p, D(r), src, abuse, D(s) if s else None, D(c) if c else None, o)
            for _, p, r, src, abuse, s, c, o in CONCERNS
        ],
        columns=[
            "provider_id",
            "received_on",
            "source_of_risk",
            "abuse_type",
            "enquiry_started_on",
            "enquiry_concluded_on",
            "risk_outcome",
        ],
    )
    actions = pd.DataFrame(
        [(p, D(d), D(c) if c else None) for _, p, d, c in ACTIONS],
        columns=["provider_id", "due_on", "completed_on"],
    )
    return [providers, alerts, concerns, actions]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    _seed(engine)
    return engine


def test_ratings_from_the_database_are_the_hand_worked_ones(seeded: Engine) -> None:
    ratings = scoring_read.score_from_database(seeded, MONTH, config=DEFAULTS, actor=SYSTEM)
    assert [r.provider_id for r in ratings] == ["P2", "P1", "P3", "P4"]  # Red by name: beech, Oak
    assert {r.provider_id: (r.rating, r.reasons) for r in ratings} == EXPECTED
    by_id = {r.provider_id: r for r in ratings}
    assert by_id["P2"].indicators == {
        "alerts_3m": 2,
        "high_alerts_3m": 0,
        "critical_alerts_3m": 0,
        "provider_concerns_3m": 0,
        "open_enquiries": 1,
        "risk_remains_3m": 1,
        "organisational_abuse_3m": 1,
        "cqc_rating": "requires_improvement",
        "overdue_actions": 2,
        "unresolved_alerts": 2,
        "rising_trend": False,
    }
    assert by_id["P3"].indicators["cqc_rating"] is None
    assert (by_id["P3"].service_type, by_id["P3"].commissioned) == ("home_care", False)
    assert by_id["P1"].indicators["high_alerts_3m"] == 0  # A3 is after as-of


def test_the_database_agrees_with_the_pure_function(seeded: Engine) -> None:
    from_database = scoring_read.score_from_database(seeded, MONTH, config=DEFAULTS, actor=SYSTEM)
    assert from_database == scoring.score_month(
        MONTH, *rows_from_frames(*_frames_by_hand()), DEFAULTS
    )
    for month in ("2026-09", "2026-12", "2027-02"):
        assert scoring_read.score_from_database(seeded, month, config=DEFAULTS, actor=SYSTEM) == (
            scoring.score_month(month, *rows_from_frames(*_frames_by_hand()), DEFAULTS)
        )


def test_one_providers_rating_is_its_rating_in_the_whole_register(seeded: Engine) -> None:
    whole = {
        r.provider_id: r for r in scoring_read.score_from_database(seeded, MONTH, actor=SYSTEM)
    }
    for provider_id, *_ in PROVIDERS:
        assert scoring_read.score_from_database(
            seeded, MONTH, provider_id=provider_id, actor=SYSTEM
        ) == [whole[provider_id]]
    assert scoring_read.score_from_database(seeded, MONTH, provider_id="NOPE", actor=SYSTEM) == []
    staff = Actor("pat", frozenset({Role.PROVIDER}), provider_id="P1")
    with pytest.raises(PermissionDenied):  # provider staff do not see the Board's ratings
        scoring_read.score_from_database(seeded, MONTH, actor=staff, provider_id="P2")


def test_a_session_works_as_well_as_an_engine(seeded: Engine) -> None:
    """Read through an open session's connection (inside its transaction), as decisions do."""
    with Session(seeded) as session:
        connection = session.connection().connection
        assert scoring_read.score_from_connection(
            connection, MONTH, config=DEFAULTS, actor=SYSTEM
        ) == (scoring_read.score_from_database(seeded, MONTH, config=DEFAULTS, actor=SYSTEM))


def test_the_config_defaults_to_the_project_file(seeded: Engine) -> None:
    assert scoring_read.score_from_database(
        seeded, MONTH, actor=SYSTEM
    ) == scoring_read.score_from_database(seeded, MONTH, actor=SYSTEM, config=DEFAULTS)


def test_an_empty_register_gives_no_ratings(engine: Engine) -> None:
    assert scoring_read.score_from_database(engine, MONTH, config=DEFAULTS, actor=SYSTEM) == []


@pytest.mark.parametrize(
    "actor",
    [
        Actor("qa", frozenset({Role.QA_ATTENDEE})),
        Actor("owner", frozenset({Role.PLAN_OWNER})),
        Actor("carer", frozenset({Role.PROVIDER}), provider_id="P1"),
    ],
)
def test_only_those_who_may_view_the_board_get_ratings(seeded: Engine, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        scoring_read.score_from_database(seeded, MONTH, actor=actor, config=DEFAULTS)


def test_a_board_member_gets_every_provider(seeded: Engine) -> None:
    board = Actor("board", frozenset({Role.BOARD_MEMBER}))
    ratings = scoring_read.score_from_database(seeded, MONTH, actor=board, config=DEFAULTS)
    assert len(ratings) == len(PROVIDERS)


def test_a_bad_month_is_refused_before_the_database_is_read() -> None:
    from sgoversight.errors import BadInput

    with pytest.raises(BadInput, match="not a month"):
        scoring_read.score_from_database(None, "2026-13", config=DEFAULTS, actor=SYSTEM)  # type: ignore[arg-type]
