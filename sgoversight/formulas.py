"""Spreadsheet formulas in text: the one rule for keeping a cell from running as a formula.

Rule: a text value a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab
or a carriage return) is written with a leading apostrophe, so it shows as text and never runs.
Plain Python, so a command writing CSV loads no pandas for it (sgoversight.exporting applies the
same rule to frames).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
