"""Properties of the Board rating (CONTRACT.md section 3) that hold for any records, via hypothesis.

- Adding a quality alert or a safeguarding concern never lowers a rating, unless it is dated in the
  previous window: there it raises the base the rising trend is compared with, so it can (by the
  contract's design) turn `rising_trend` off. That exception is tested in test_scoring.py.
- The order of rows in any frame never changes the ratings.
- A provider with no records is Green unless its CQC rating makes it Amber or Red, whatever other
  providers have.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgoversight.board import rules as scoring
from sgoversight.board.config import ScoringConfig
from sgoversight.board.frames import rows_from_frames
from sgoversight.board.rules import AMBER, GREEN, RED
from sgoversight.store.queries import (
    ACTION_COLUMNS,
    ALERT_COLUMNS,
    CONCERN_COLUMNS,
    PROVIDER_COLUMNS,
    as_dates,
)

MONTH = "2026-11"
CONFIG = ScoringConfig()
SPAN = scoring.scoring_window(MONTH, CONFIG)
# Dates from well before the previous window to after the as-of date.
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2027, 1, 31)
PROVIDER_IDS = ("P1", "P2", "P3")
CQC = (None, "outstanding", "good", "requires_improvement", "inadequate")
RANK = {GREEN: 0, AMBER: 1, RED: 2}

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

days = st.dates(min_value=FIRST, max_value=LAST)
# Any day except those of the previous window (see the module docstring).
days_outside_previous = days.filter(lambda day: not SPAN.previous.start <= day <= SPAN.previous.end)


def _later(draw: st.DrawFn, day: dt.date, chance: st.SearchStrategy[bool]) -> dt.date | None:
    if not draw(chance):
        return None
    return day + dt.timedelta(days=draw(st.integers(min_value=0, max_value=120)))


@st.composite
def alerts(draw: st.DrawFn, raised: st.SearchStrategy[dt.date] = days) -> dict[str, Any]:
    raised_on = draw(raised)
    closed_on = _later(draw, raised_on, st.booleans())
    return {
        "provider_id": draw(st.sampled_from(PROVIDER_IDS)),
        "raised_on": raised_on,
        "raised_by": "health",
        "category": "falls",
        "severity": draw(st.sampled_from(["low", "medium", "high", "critical"])),
        "status": "closed" if closed_on else "open",
        "closed_on": closed_on,
    }


@st.composite
def concerns(draw: st.DrawFn, received: st.SearchStrategy[dt.date] = days) -> dict[str, Any]:
    received_on = draw(received)
    source = draw(
        st.sampled_from(["service_provider", "known_to_individual", "unknown_to_individual"])
    )
    provider_id = draw(st.sampled_from(PROVIDER_IDS))
    if source != "service_provider":
        provider_id = draw(st.sampled_from([*PROVIDER_IDS, None]))
    started = _later(draw, received_on, st.booleans())
    concluded = _later(draw, started, st.booleans()) if started else None
    return {
        "person_id": "X1",
        "received_on": received_on,
        "provider_id": provider_id,
        "source_of_risk": source,
        "abuse_type": draw(st.sampled_from(["neglect", "organisational", "physical"])),
        "location": "care_home_residential",
        "enquiry_started_on": started,
        "enquiry_concluded_on": concluded,
        "risk_outcome": draw(st.sampled_from([None, "removed", "reduced", "remains"])),
    }


@st.composite
def actions(draw: st.DrawFn) -> dict[str, Any]:
    due_on = draw(days)
    return {
        "plan_id": "PL1",
        "provider_id": draw(st.sampled_from(PROVIDER_IDS)),
        "owner": "Contracts officer",
        "due_on": due_on,
        "completed_on": _later(draw, due_on - dt.timedelta(days=30), st.booleans()),
    }


@st.composite
def boroughs(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    return {
        "providers": [
            {
                "provider_id": provider_id,
                "name": f"Provider {provider_id}",
                "service_type": "care_home",
                "regulated": True,
                "commissioned": True,
                "cqc_rating": draw(st.sampled_from(CQC)),
                "capacity": None,
            }
            for provider_id in PROVIDER_IDS
        ],
        "alerts": draw(st.lists(alerts(), max_size=12)),
        "concerns": draw(st.lists(concerns(), max_size=12)),
        "actions": draw(st.lists(actions(), max_size=6)),
    }


def _frame(rows: list[dict[str, Any]], columns: list[str], id_column: str) -> pd.DataFrame:
    """The rows as sgoversight.store.queries would load them: every column the rows name, in the
    loader's order (the loader's other columns are not read by scoring)."""
    numbered = [{id_column: f"{id_column}{i}", **row} for i, row in enumerate(rows)]
    named = [c for c in columns if c == id_column or c in (rows[0] if rows else columns)]
    return as_dates(pd.DataFrame(numbered, columns=named))


def _frames(borough: dict[str, list[dict[str, Any]]]) -> list[pd.DataFrame]:
    return [
        pd.DataFrame(borough["providers"], columns=PROVIDER_COLUMNS),
        _frame(borough["alerts"], ALERT_COLUMNS, "alert_id"),
        _frame(borough["concerns"], CONCERN_COLUMNS, "concern_id"),
        _frame(borough["actions"], ACTION_COLUMNS, "action_id"),
    ]


def _ratings(borough: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    return {
        r.provider_id: r.rating
        for r in scoring.score_month(MONTH, *rows_from_frames(*_frames(borough)), CONFIG)
    }


@PROPERTY_SETTINGS
@given(borough=boroughs(), extra=alerts(raised=days_outside_previous))
def test_adding_an_alert_never_lowers_a_rating(
    borough: dict[str, list[dict[str, Any]]], extra: dict[str, Any]
) -> None:
    before = _ratings(borough)
    after = _ratings({**borough, "alerts": [*borough["alerts"], extra]})
    assert all(RANK[after[p]] >= RANK[before[p]] for p in PROVIDER_IDS)


@PROPERTY_SETTINGS
@given(borough=boroughs(), extra=concerns(received=days_outside_previous))
def test_adding_a_concern_never_lowers_a_rating(
    borough: dict[str, list[dict[str, Any]]], extra: dict[str, Any]
) -> None:
    before = _ratings(borough)
    after = _ratings({**borough, "concerns": [*borough["concerns"], extra]})
    assert all(RANK[after[p]] >= RANK[before[p]] for p in PROVIDER_IDS)


@PROPERTY_SETTINGS
@given(borough=boroughs(), extra=alerts(), concern=concerns())
def test_adding_a_record_never_lowers_any_indicator_but_the_trend(
    borough: dict[str, list[dict[str, Any]]], extra: dict[str, Any], concern: dict[str, Any]
) -> None:
    def levels(b: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], int]:
        return {
            (r.provider_id, name): RANK[level]
            for r in scoring.score_month(MONTH, *rows_from_frames(*_frames(b)), CONFIG)
            for name, level in r.levels.items()
            if name != "rising_trend"
        }

    before = levels(borough)
    after = levels(
        {
            **borough,
            "alerts": [*borough["alerts"], extra],
            "concerns": [*borough["concerns"], concern],
        }
    )
    assert all(after[key] >= before[key] for key in before)


@PROPERTY_SETTINGS
@given(borough=boroughs(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_row_order_never_matters(borough: dict[str, list[dict[str, Any]]], seed: int) -> None:
    frames = _frames(borough)
    shuffled = [frame.sample(frac=1, random_state=seed) for frame in frames]
    assert scoring.score_month(MONTH, *rows_from_frames(*shuffled), CONFIG) == scoring.score_month(
        MONTH, *rows_from_frames(*frames), CONFIG
    )


@PROPERTY_SETTINGS
@given(borough=boroughs(), cqc=st.sampled_from(CQC))
def test_a_provider_with_no_records_is_green_unless_its_cqc_rating_says_otherwise(
    borough: dict[str, list[dict[str, Any]]], cqc: str | None
) -> None:
    quiet = {
        "provider_id": "Q1",
        "name": "Quiet House",
        "service_type": "home_care",
        "regulated": True,
        "commissioned": True,
        "cqc_rating": cqc,
        "capacity": None,
    }
    ratings = scoring.score_month(
        MONTH,
        *rows_from_frames(*_frames({**borough, "providers": [*borough["providers"], quiet]})),
        CONFIG,
    )
    rating = next(r for r in ratings if r.provider_id == "Q1")
    expected = {"requires_improvement": AMBER, "inadequate": RED}.get(str(cqc), GREEN)
    assert rating.rating == expected
    assert rating.reasons == (
        [] if expected == GREEN else [f"CQC rating: {_label(cqc)} ({expected.lower()})"]
    )
    assert all(
        value in (0, False) for name, value in rating.indicators.items() if name != "cqc_rating"
    )


def _label(cqc: str | None) -> str:
    return {"requires_improvement": "Requires improvement", "inadequate": "Inadequate"}.get(
        str(cqc), ""
    )


@PROPERTY_SETTINGS
@given(borough=boroughs())
def test_every_provider_is_rated_once_in_board_order(
    borough: dict[str, list[dict[str, Any]]],
) -> None:
    ratings = scoring.score_month(MONTH, *rows_from_frames(*_frames(borough)), CONFIG)
    assert sorted(r.provider_id for r in ratings) == list(PROVIDER_IDS)
    keys = [(scoring.RATINGS.index(r.rating), r.provider_name.casefold()) for r in ratings]
    assert keys == sorted(keys)
    for rating in ratings:
        non_green = [n for n, level in rating.levels.items() if level != GREEN]
        assert list(rating.indicator_reasons) == non_green
        assert (rating.rating == GREEN) == (not rating.reasons)
