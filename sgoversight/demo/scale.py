"""How big the demo borough is: the default borough and the large benchmark borough."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class BoroughScale:
    """How big the synthetic borough is.

    Rates are expected values: the actual counts vary with the seed, the winter peak and the
    weekly pattern. `plans` is the total number of improvement plans (at least the four of the
    storylines).
    """

    providers: int = 250
    months: int = 30
    concerns_per_month: float = 280.0
    alerts_per_month: float = 70.0
    staff: int = 400
    plans: int = 4

    LARGE: ClassVar[BoroughScale]

    def __post_init__(self) -> None:
        """Rule: the storylines need at least 30 providers and 12 months of history."""
        if self.providers < 30:
            raise ValueError("a demo borough needs at least 30 providers")
        if self.months < 12:
            raise ValueError("a demo borough needs at least 12 months of history")
        if self.concerns_per_month < 0 or self.alerts_per_month < 0 or self.staff < 1:
            raise ValueError("rates must be 0 or more and there must be staff")


#: A benchmark borough: 1,000 providers, 3 years, ~150,000 concerns, ~30,000 alerts, ~1,000 plans.
BoroughScale.LARGE = BoroughScale(
    providers=1_000,
    months=36,
    concerns_per_month=4_170.0,
    alerts_per_month=835.0,
    staff=1_500,
    plans=1_000,
)
DEFAULT_SCALE = BoroughScale()
