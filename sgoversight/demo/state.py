"""The state of one build of the demo borough: its calendar, providers and the rows made so far."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sgoversight.demo.days import WorkingDays
from sgoversight.demo.files import Row
from sgoversight.demo.providers import DemoProvider
from sgoversight.demo.scale import BoroughScale


@dataclass
class Borough:
    """The state of one build: generators, calendar, providers and the rows made so far."""

    seed: int
    as_of: dt.date
    scale: BoroughScale
    start: dt.date
    working: WorkingDays
    providers: list[DemoProvider]
    alerts: list[Row] = field(default_factory=list)
    concerns: list[Row] = field(default_factory=list)
    plans: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)
    used_people: set[int] = field(default_factory=set)
    people: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def progress_through(self, day: dt.date) -> float:
        """0 at the start of the history, 1 at the as-of date: practice improves over time."""
        span = max((self.as_of - self.start).days, 1)
        return min(max((day - self.start).days / span, 0.0), 1.0)
