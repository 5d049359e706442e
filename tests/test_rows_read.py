"""The reports read only the rows their rules can count (each module's `rows_read`), and that
changes no figure: on a demo borough, every month's ratings, every week's report and pack, every
quarter's scorecard and report, and the landing page agree with the same functions reading every
row, on SQLite and PostgreSQL.

"Reading every row" is the same function with the loaders' `where` dropped (the weekly report:
weekly_read.read_rows without its span; the standards: their inputs loaded without `quarters`), so
the rules are the same code in both runs and only the rows differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import overview
from sgoversight.auth import SYSTEM, Actor, Role
from sgoversight.board import month as board
from sgoversight.board import read as scoring_read
from sgoversight.board import rules as scoring
from sgoversight.board.config import ScoringConfig
from sgoversight.demo.load import load_demo
from sgoversight.demo.scale import BoroughScale
from sgoversight.periods import (
    Period,
    add_months,
    add_quarters,
    add_weeks,
    parse_month,
    parse_quarter,
    parse_week,
)
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import read as standards_read
from sgoversight.standards import report as standards_report
from sgoversight.standards import rules as standards
from sgoversight.standards.config import load_standards_config
from sgoversight.store import queries, read
from sgoversight.store.models import (
    ImprovementAction,
    ImprovementPlan,
    Provider,
)
from sgoversight.weekly import output as weekly_output
from sgoversight.weekly import read as weekly_read
from sgoversight.weekly import rules as weekly
from tests.support.records import alert, concern

AS_OF = dt.date(2026, 11, 20)
SMALL = BoroughScale(providers=40, months=14, concerns_per_month=40, alerts_per_month=12, staff=40)
BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
LOADERS = ("load_alerts", "load_concerns", "load_actions")
MODULES = (scoring, overview)


D = dt.date.fromisoformat
LONG_AGO = "2024-01-02"  # before the demo's history and every window tested

# Rows reached only through a date other than received_on / raised_on, on the edges of
# Board month 2026-06 (window 1 April to 30 June, as-of 30 June), week 2026-W20 (11 to 17 May)
# and quarter 2026-Q2 (1 April to 30 June).
# concern_id, person_id, received_on, started, concluded, risk_outcome
EDGE_CONCERNS = [
    ("E-C1", "E-P1", LONG_AGO, LONG_AGO, "2026-04-01", "remains"),  # concluded on window start
    ("E-C2", "E-P2", LONG_AGO, "2026-06-30", None, None),  # started on as-of: open
    ("E-C3", "E-P3", LONG_AGO, LONG_AGO, "2026-07-01", "reduced"),  # concluded after as-of: open
    ("E-C4", "E-P4", LONG_AGO, "2026-05-11", None, None),  # started on the week's Monday
    ("E-C5", "E-P5", LONG_AGO, LONG_AGO, "2026-05-17", "removed"),  # concluded on its Sunday
    ("E-C6", "E-P6", "2025-04-01", None, None, None),  # 365 days before the quarter starts
    ("E-C7", "E-P6", "2026-04-01", None, None, None),  # ... so this one is a repeat (ACC-3)
]
# alert_id, raised_on, closed_on
EDGE_ALERTS = [
    ("E-A1", LONG_AGO, "2026-07-01"),  # closed after as-of: unresolved at the month's end
    ("E-A2", LONG_AGO, "2026-05-11"),  # closed on the week's Monday
    ("E-A3", LONG_AGO, "2026-05-18"),  # open at the week's end
    ("E-A4", "2026-05-01", "2026-05-02"),  # the first day of the month before 10 June
]
# action_id, due_on, completed_on
EDGE_ACTIONS = [("E-X1", "2026-06-29", "2026-07-01"), ("E-X2", "2026-06-30", None)]


@pytest.fixture
def borough(engine: Engine) -> Engine:
    """The small demo borough, plus edge rows for one quiet provider."""
    load_demo(engine, seed=2026, as_of=AS_OF, scale=SMALL)
    with Session(engine) as session:
        provider_id = session.scalars(
            select(Provider.provider_id).order_by(Provider.provider_id)
        ).first()
        for concern_id, person_id, received, started, concluded, outcome in EDGE_CONCERNS:
            session.add(
                concern(
                    concern_id,
                    provider_id,
                    received,
                    person_id=person_id,
                    started=started,
                    concluded=concluded,
                    risk_outcome=outcome,
                )
            )
        for alert_id, raised, closed in EDGE_ALERTS:
            session.add(alert(alert_id, provider_id, raised, closed))
        session.add(
            ImprovementPlan(
                plan_id="E-PL",
                provider_id=provider_id,
                opened_on=D(LONG_AGO),
                reason="Edges",
                status="open",
            )
        )
        session.flush()
        for action_id, due, completed in EDGE_ACTIONS:
            session.add(
                ImprovementAction(
                    action_id=action_id,
                    plan_id="E-PL",
                    description="Edge action",
                    owner="Registered manager",
                    due_on=D(due),
                    completed_on=D(completed) if completed else None,
                )
            )
        session.commit()
    return engine


@contextmanager
def every_row(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the block, the reports' loaders ignore `where` and read every row; the month's
    ratings count every row too (the rows kept by scoring.COUNTS made every row: only
    each measure's own CASE then decides what it counts)."""
    with monkeypatch.context() as patch:
        for module in MODULES:
            for name in LOADERS:
                if hasattr(module, name):
                    patch.setattr(module, name, _ignoring_where(getattr(queries, name)))
        patch.setattr(weekly_read, "read_rows", _ignoring_span(weekly_read.read_rows))
        for kind, statement in scoring.COUNTS.items():
            patch.setitem(scoring.COUNTS, kind, replace(statement, kept="1 = 1"))
        yield


def _ignoring_span(reader: Callable[..., weekly.WeeklyRows]) -> Callable[..., weekly.WeeklyRows]:
    def read(connection: Any, span: object = None, provider_scope: str | None = None) -> Any:
        return reader(connection, None, provider_scope)

    return read


def _ignoring_where(loader: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    def load(*args: Any, where: object = None, **kwargs: Any) -> pd.DataFrame:
        return loader(*args, **kwargs)

    return load


def both(monkeypatch: pytest.MonkeyPatch, compute: Callable[[], Any]) -> tuple[Any, Any]:
    """(the result reading only the rows needed, the result reading every row)."""
    needed = compute()
    with every_row(monkeypatch):
        everything = compute()
    return needed, everything


@pytest.mark.parametrize(
    "config",
    [
        ScoringConfig(),
        ScoringConfig(window_months=1, unresolved_after_days=10),
        ScoringConfig(window_months=6, unresolved_after_days=60),
    ],
    ids=["defaults", "one-month-window", "six-month-window"],
)
def test_every_months_ratings_are_those_from_every_row(
    borough: Engine, monkeypatch: pytest.MonkeyPatch, config: ScoringConfig
) -> None:
    last = parse_month("2026-11")
    for back in range(15):  # 2026-06 included: its edge rows are read only through other dates
        month = add_months(last, -back)
        needed, everything = both(
            monkeypatch,
            lambda m=month: scoring_read.score_from_database(
                borough, m, config=config, actor=SYSTEM
            ),
        )
        assert needed == everything, month.label
        assert len(needed) == SMALL.providers


def test_the_rating_reads_fewer_rows_than_the_register_holds(borough: Engine) -> None:
    rows = board.month_rows_read("2026-03", ScoringConfig())
    with Session(borough) as session:
        some = queries.load_concerns(session, where=rows.concerns)
        every = queries.load_concerns(session)
    assert 0 < len(some) < len(every)
    span = scoring.scoring_window("2026-03", ScoringConfig())
    sql, params = scoring.count_statement("concerns", [span], ScoringConfig())
    kept = sql.split(" FROM safeguarding_concerns", 1)[1].split(" GROUP BY")[0]
    with read.from_engine(borough) as connection:
        ((counted,),) = read.rows(
            connection,
            "SELECT COUNT(*) FROM safeguarding_concerns " + kept,  # noqa: S608 (our own SQL)
            params[-kept.count("?") :],
        )
    assert 0 < counted < len(every.dropna(subset=["provider_id"]))


def test_every_weeks_report_and_pack_are_those_from_every_row(
    borough: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = parse_week("2026-W47")
    for back in [*range(0, 60, 3), 27]:  # 27 weeks back: 2026-W20, the edge rows' week
        week = add_weeks(last, -back)
        needed, everything = both(
            monkeypatch, lambda w=week: weekly_read.report_for_week(borough, w)
        )
        assert needed == everything, week.label
        pack, pack_everything = both(
            monkeypatch, lambda w=week: weekly_output.weekly_pack(borough, BOARD, w)
        )
        assert pack.report == pack_everything.report, week.label
        pd.testing.assert_frame_equal(pack.series, pack_everything.series)
        pd.testing.assert_frame_equal(pack.open_alerts_by_age, pack_everything.open_alerts_by_age)


def _every_row_inputs(engine: Engine, quarter: Period) -> standards.StandardsInputs:
    """The standards' inputs from every row (load_inputs without `quarters`)."""
    return standards_read.load_inputs(engine, quarter, actor=SYSTEM)


def test_every_quarters_scorecard_and_report_are_those_from_every_row(borough: Engine) -> None:
    last = parse_quarter("2026-Q4")
    for back in range(5):
        quarter = add_quarters(last, -back)
        everything = _every_row_inputs(borough, quarter)
        expected = standards.scorecard(everything)
        assert standards_read.scorecard_from_database(borough, quarter, actor=SYSTEM) == expected
        report = standards_report.quarterly_report(borough, SYSTEM, quarter)
        assert report.results == expected, quarter.label
        pd.testing.assert_frame_equal(
            report.series, standards_frames.scorecard_series(everything, quarter)
        )
        for name, frame in standards_frames.breakdowns(everything, quarter).items():
            pd.testing.assert_frame_equal(report.breakdowns[name], frame, obj=name)


@pytest.mark.parametrize("days", [30, 700])
def test_the_repeat_look_back_follows_the_config(borough: Engine, days: int) -> None:
    """ACC-3 looks back `repeat_window_days`, so the rows read look back as far."""
    config = replace(load_standards_config(), repeat_window_days=days)
    for label in ("2026-Q4", "2026-Q2"):
        quarter = parse_quarter(label)
        expected = standards.scorecard(_every_row_inputs(borough, quarter), config)
        assert (
            standards_read.scorecard_from_database(borough, quarter, config=config, actor=SYSTEM)
            == expected
        ), label


def test_the_landing_page_figures_are_those_from_every_row(
    borough: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for today in (AS_OF, D("2026-06-10"), D("2026-03-31"), D("2026-01-01"), D("2025-12-15")):
        needed, everything = both(
            monkeypatch, lambda t=today: overview.month_at_a_glance(borough, BOARD, t)
        )
        assert needed == everything, today


def test_the_boards_month_frames_give_what_every_row_gives(borough: Engine) -> None:
    """The Board's page and pack for a month: ratings, movement, rates per 10 places and quiet
    providers from the month's rows (board.rows_read) are those from every row."""
    everything = board.load_board_frames(borough, BOARD)
    last = parse_month("2026-11")
    for back in range(0, 14, 2):
        month = add_months(last, -back)
        frames = board.load_board_frames(borough, BOARD, month)
        assert len(frames.concerns) < len(everything.concerns)
        view = board.board_month(borough, BOARD, month, frames=frames)
        assert view == board.board_month(borough, BOARD, month, frames=everything), month.label
        pd.testing.assert_frame_equal(
            board.rates_table(frames, month), board.rates_table(everything, month)
        )
        pd.testing.assert_frame_equal(
            board.quiet_table(frames, month), board.quiet_table(everything, month)
        )


def test_a_profile_from_its_providers_rows_is_the_one_from_every_row(borough: Engine) -> None:
    everything = board.load_board_frames(borough, BOARD)
    for provider_id in everything.providers["provider_id"][:8]:
        own = board.load_board_frames(borough, BOARD, provider_id=provider_id)
        assert set(own.alerts["provider_id"]) <= {provider_id}
        for month in ("2026-11", "2026-06"):
            mine = board.provider_profile(borough, BOARD, provider_id, month, frames=own)
            theirs = board.provider_profile(borough, BOARD, provider_id, month, frames=everything)
            assert mine.rating == theirs.rating and mine.provider == theirs.provider
            pd.testing.assert_frame_equal(mine.timeline, theirs.timeline)
            pd.testing.assert_frame_equal(mine.history, theirs.history)
            assert mine.open_enquiries == theirs.open_enquiries


@pytest.mark.parametrize(
    "config",
    [ScoringConfig(), ScoringConfig(window_months=1, unresolved_after_days=10)],
    ids=["defaults", "one-month-window"],
)
def test_the_boards_six_months_read_once_are_those_from_every_row(
    borough: Engine, config: ScoringConfig
) -> None:
    """board_month without frames counts the six months in the database at once
    (scoring_read.count_months):
    its ratings, movement and rating strip are those scored from every row."""
    everything = board.load_board_frames(borough, BOARD)
    last = parse_month("2026-11")
    for back in range(0, 14, 3):  # 2026-08 and 2026-05: 2026-06's edge rows in the strip
        month = add_months(last, -back)
        read_once = board.board_month(borough, BOARD, month, config=config)
        assert read_once == board.board_month(
            borough, BOARD, month, frames=everything, config=config
        ), month.label


def test_the_boards_insight_frames_give_what_every_row_gives(borough: Engine) -> None:
    """The insight tables from a year of two columns (load_insight_frames) are those from every
    row."""
    everything = board.load_board_frames(borough, BOARD)
    last = parse_month("2026-11")
    for back in range(0, 14, 4):
        month = add_months(last, -back)
        insight = board.load_insight_frames(borough, BOARD, month)
        pd.testing.assert_frame_equal(
            board.rates_table(insight, month), board.rates_table(everything, month)
        )
        pd.testing.assert_frame_equal(
            board.quiet_table(insight, month), board.quiet_table(everything, month)
        )
