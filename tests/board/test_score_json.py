"""The `score` command's compact JSON (scoring.ratings_json, written a rating at a time) is the
text `json.dumps` gives for the contract's objects (scoring.rating_json), for names and flags of
every kind: quotes, backslashes, accents and other scripts, blank service types and yes/no/none
flags, with ratings sharing their reasons and ratings with their own."""

from __future__ import annotations

import json

from sgoversight.board import rules as scoring
from sgoversight.board.rules import ProviderRow, ScoringConfig, Tally

NAMES = ['Oak "House"', "Back\\slash", "Café Nöel", "Ελπίδα", "🙂 Care", "Line\nbreak", ""]


def _ratings() -> list[scoring.ProviderRating]:
    providers = [
        ProviderRow(
            f"P{n}", name, None if n % 3 else "care_home", [True, False, None][n % 3],
            [None, True, False][n % 3], [None, "good", "inadequate"][n % 3],
        )
        for n, name in enumerate(NAMES)
    ]  # fmt: skip
    busy = Tally()
    busy.counts["alerts_3m"] = 7
    busy.previous_sum = 1
    some = Tally()
    some.counts["alerts_3m"] = 3
    tallies = {"P1": busy, "P4": busy, "P3": some}
    return scoring.score_tallies("2026-09", providers, tallies, ScoringConfig())


def test_the_compact_json_is_json_dumps_of_the_contracts_objects() -> None:
    ratings = _ratings()
    assert {r.rating for r in ratings} == {"Red", "Amber", "Green"}
    expected = json.dumps([scoring.rating_json(r) for r in ratings], separators=(",", ":"))
    assert scoring.ratings_json(ratings) == expected + "\n"
    assert scoring.ratings_json([]) == "[]\n"


def test_indented_json_is_unchanged() -> None:
    ratings = _ratings()
    expected = json.dumps([scoring.rating_json(r) for r in ratings], indent=2)
    assert scoring.ratings_json(ratings, 2) == expected + "\n"
