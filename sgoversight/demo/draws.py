"""Random draws for the demo borough: one seeded generator per part of the borough, weighted
choices and days drawn from a range.

Rule: every number comes from a generator derived from the seed (never the global generator or
the clock), so the same seed always gives the same draws.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from typing import Any

import numpy as np


class Choice:
    """A weighted choice with its cumulative weights computed once (fast to draw many times)."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.values = list(weights)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights.values():
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def merged(base: dict[str, float], overrides: dict[str, float]) -> dict[str, float]:
    """`base` with some weights replaced: the overrides add to the mix, others keep their share."""
    result = dict(base)
    result.update(overrides)
    return result


def stream(seed: int, name: str) -> random.Random:
    """Rule: each part of the borough has its own generator derived from the seed, so changing
    one part (say, the number of staff) leaves the others as they were."""
    return random.Random(f"sgoversight-demo:{seed}:{name}")


def numpy_stream(seed: int, name: str) -> np.random.Generator:
    """A numpy generator derived from the seed like `stream` (any integer seed, negative too)."""
    return np.random.default_rng(stream(seed, name).getrandbits(128))


def chance(rng: random.Random, probability: float) -> bool:
    """True with the given probability (one draw)."""
    return rng.random() < probability


def uniform_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A day drawn evenly from first..last inclusive (last if the range is empty)."""
    span = (last - first).days
    if span <= 0:
        return last
    return first + dt.timedelta(days=rng.randint(0, span))


def daily_counts(
    rng: np.random.Generator,
    start: dt.date,
    as_of: dt.date,
    per_month: float,
    weekend_factor: float,
) -> list[tuple[dt.date, int]]:
    """Rule: events arrive at `per_month` on average, ~35% more in midwinter than in midsummer,
    fewer at weekends, with a gentle rise over the years (as nationally)."""
    days = [start + dt.timedelta(days=i) for i in range((as_of - start).days + 1)]
    weights = np.array(
        [
            (1 + 0.15 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 15) / 365.25))
            * (weekend_factor if d.weekday() >= 5 else 1.0)
            * (1 + 0.04 * (d - start).days / 365.25)
            for d in days
        ]
    )
    expected = per_month * 12 / 365.25 * len(days)
    counts = rng.poisson(weights / weights.sum() * expected)
    return [(d, int(n)) for d, n in zip(days, counts, strict=True) if n]
