"""Which rows of the Board's table are shown: the filters the Board sets above the table.

Rules: a row is shown when its rating is one of the ratings chosen; when service types or
movements are chosen, its service type or movement is one of them (none chosen: any); "regulated"
and "commissioned" are yes, no or either (None); and when the table is narrowed to a landing page
line's providers (`providers`), it is one of them. The table's search (sgoversight.search) is
applied after these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class TableFilter:
    """The Board's choices above the table (see the module rules)."""

    ratings: Collection[str]
    services: Collection[str] = ()
    movement: Collection[str] = ()
    regulated: bool | None = None
    commissioned: bool | None = None
    providers: Collection[str] | None = None


def filtered(table: pd.DataFrame, chosen: TableFilter) -> pd.DataFrame:
    """The rows of `table` (board.month.board_table) the filter shows, in the table's order."""
    shown = table[table["rating"].isin(list(chosen.ratings))]
    if chosen.services:
        shown = shown[shown["service_type"].isin(list(chosen.services))]
    if chosen.movement:
        shown = shown[shown["movement"].isin(list(chosen.movement))]
    if chosen.regulated is not None:
        shown = shown[shown["regulated"] == chosen.regulated]
    if chosen.commissioned is not None:
        shown = shown[shown["commissioned"] == chosen.commissioned]
    if chosen.providers is not None:
        shown = shown[shown["provider_id"].isin(list(chosen.providers))]
    return shown
