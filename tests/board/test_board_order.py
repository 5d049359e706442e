"""The order of the Board's table, on hand-built ratings: rating, then red indicators, then amber
indicators, then worse than last month, then name; and the other orders the Board can choose."""

from __future__ import annotations

import pytest

from sgoversight.board import month as board
from sgoversight.board import rules as scoring
from sgoversight.errors import BadInput


def _rating(
    pid: str, name: str, rating: str, reds: int = 0, ambers: int = 0
) -> scoring.ProviderRating:
    names = list(scoring.INDICATORS)
    levels = dict.fromkeys(names, scoring.GREEN)
    reasons: dict[str, str] = {}
    for n in range(reds):
        levels[names[n]] = scoring.RED
        reasons[names[n]] = f"{names[n]} (red)"
    for n in range(reds, reds + ambers):
        levels[names[n]] = scoring.AMBER
        reasons[names[n]] = f"{names[n]} (amber)"
    return scoring.ProviderRating(
        provider_id=pid,
        provider_name=name,
        service_type="care_home",
        regulated=True,
        commissioned=True,
        rating=rating,
        recommended_action="",
        reasons=list(reasons.values()),
        indicators=dict.fromkeys(names, 0),
        levels=levels,
        board_month="2026-10",
        indicator_reasons=reasons,
    )


RATINGS = [
    _rating("G1", "Alder House", "Green"),
    _rating("A1", "Birch Lodge", "Amber", ambers=1),
    _rating("A2", "Cherry Court", "Amber", ambers=2),
    _rating("R1", "Damson Care", "Red", reds=1),
    _rating("R2", "Elm Grove", "Red", reds=2),
    _rating("R3", "Fir Close", "Red", reds=1, ambers=2),
    _rating("R4", "Gorse View", "Red", ambers=3),
    _rating("R5", "aspen place", "Red", reds=1),  # same counts as R1; name decides, ignoring case
    _rating("R6", "Hazel Bank", "Red", reds=1),  # same counts as R1, but worse than last month
]
MOVEMENT = {r.provider_id: scoring.SAME for r in RATINGS} | {"R6": scoring.WORSE, "A1": scoring.NEW}


def _ids(order: str, decided: set[str] | None = None) -> list[str]:
    ordered = board.order_ratings(RATINGS, MOVEMENT, order, decided or set())
    return [r.provider_id for r in ordered]


def test_most_at_risk_first_by_rating_reds_ambers_movement_then_name() -> None:
    assert _ids(board.RISK) == ["R2", "R3", "R6", "R5", "R1", "R4", "A2", "A1", "G1"]


def test_the_default_order_is_risk() -> None:
    assert [r.provider_id for r in board.order_ratings(RATINGS, MOVEMENT)] == _ids(board.RISK)


def test_worse_than_last_month_first_then_new_then_by_risk() -> None:
    assert _ids(board.WORSE_FIRST) == ["R6", "A1", "R2", "R3", "R5", "R1", "R4", "A2", "G1"]


def test_not_yet_decided_first_then_by_risk() -> None:
    assert _ids(board.UNDECIDED_FIRST, {"R2", "G1"}) == [
        "R3", "R6", "R5", "R1", "R4", "A2", "A1", "R2", "G1",
    ]  # fmt: skip


def test_by_name_ignoring_case() -> None:
    assert _ids(board.BY_NAME) == ["G1", "R5", "A1", "A2", "R1", "R2", "R3", "R4", "R6"]


def test_an_unknown_order_is_refused() -> None:
    with pytest.raises(BadInput, match="no order"):
        board.order_ratings(RATINGS, MOVEMENT, "rating")


def test_main_reason_is_the_worst_with_how_many_more() -> None:
    fir = next(r for r in RATINGS if r.provider_id == "R3")
    assert board.main_reason(fir) == "alerts_3m (red) (+2 more)"
    assert board.main_reason(RATINGS[0]) == "No indicator amber or red"
    assert board.rating_strip(("Green", "Amber", "Red")) == "● ▲ ✖"
