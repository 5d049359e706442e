"""Which rows of the Board's table the filters above it show (sgoversight.board.filters)."""

from __future__ import annotations

import pandas as pd

from sgoversight.board.filters import TableFilter, filtered

TABLE = pd.DataFrame(
    {
        "provider_id": ["P1", "P2", "P3", "P4"],
        "rating": ["Red", "Amber", "Green", "Red"],
        "service_type": ["care_home", "home_care", "care_home", "supported_living"],
        "movement": ["worse", "same", "better", "new"],
        "regulated": [True, False, True, True],
        "commissioned": [True, True, False, True],
    }
)
EVERY_RATING = ("Red", "Amber", "Green")


def _ids(chosen: TableFilter) -> list[str]:
    return list(filtered(TABLE, chosen)["provider_id"])


def test_every_row_with_nothing_narrowed_in_the_table_order() -> None:
    assert _ids(TableFilter(ratings=EVERY_RATING)) == ["P1", "P2", "P3", "P4"]


def test_ratings_services_and_movement_keep_rows_with_one_of_the_chosen() -> None:
    assert _ids(TableFilter(ratings=["Red"])) == ["P1", "P4"]
    assert _ids(TableFilter(ratings=EVERY_RATING, services=["care_home"])) == ["P1", "P3"]
    assert _ids(TableFilter(ratings=EVERY_RATING, movement=["worse", "new"])) == ["P1", "P4"]
    assert _ids(TableFilter(ratings=["Red"], services=["care_home"])) == ["P1"]


def test_regulated_and_commissioned_are_yes_no_or_either() -> None:
    assert _ids(TableFilter(ratings=EVERY_RATING, regulated=False)) == ["P2"]
    assert _ids(TableFilter(ratings=EVERY_RATING, regulated=True)) == ["P1", "P3", "P4"]
    assert _ids(TableFilter(ratings=EVERY_RATING, commissioned=False)) == ["P3"]


def test_a_landing_page_lines_providers_narrow_the_table() -> None:
    assert _ids(TableFilter(ratings=EVERY_RATING, providers={"P4", "P2"})) == ["P2", "P4"]
    assert _ids(TableFilter(ratings=EVERY_RATING, providers=set())) == []
