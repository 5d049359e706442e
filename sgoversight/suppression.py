"""Small-number suppression: the one rule for hiding counts below 5 in tables shared outside.

Rule: a whole-number count below the threshold (0 included) is shown as `<5` (CONTRACT.md §5);
anything else (a percentage, a blank, a word) is left as it is. Plain Python, so a command that
suppresses its output loads no pandas for it (sgoversight.exporting applies it to frames).
"""

from __future__ import annotations

import math

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"


def suppress_count(value: object, threshold: int = SUPPRESSION_THRESHOLD) -> object:
    """`<5` for a whole-number count below the threshold (0 included); anything else unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and not math.isnan(value) and float(value).is_integer():
        return SUPPRESSED if value < threshold else value
    return value
