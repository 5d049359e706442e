"""A realistic synthetic borough for demonstrations, tests and benchmarks: the whole borough
built from its parts (providers, storylines, alerts, concerns, plans, training).

Rules of the demo borough, which its modules implement:
- Everything is invented: provider names are built from word lists, adults at risk are pseudonymous
  ids (`PER-004213`), staff are ids (`STF-0001`), and no text names a person.
- The borough is a function of its seed, as-of date and scale only: random numbers come from
  generators seeded from the seed (never the global generator or the clock), so the same seed and
  as-of date always give the same files.
- Every row obeys the contract's rules (CONTRACT.md §1), and no date is after the as-of date
  except an open improvement action's due date, which the contract allows to be in the future.
- The borough is loaded through `sgoversight.intake.importing.import_file`, exactly as a
  council's own files are, so it passes the same validation and leaves the same import records.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from sgoversight.demo.alerts import background_alerts
from sgoversight.demo.concerns import background_concerns
from sgoversight.demo.days import WorkingDays, add_months
from sgoversight.demo.draws import numpy_stream, stream
from sgoversight.demo.files import as_frame, numbered
from sgoversight.demo.plans import background_plans
from sgoversight.demo.providers import build_providers
from sgoversight.demo.scale import DEFAULT_SCALE, BoroughScale
from sgoversight.demo.state import Borough
from sgoversight.demo.storylines import Storylines, add_storylines
from sgoversight.demo.training import training_rows


def build_borough(
    seed: int, as_of: dt.date, scale: BoroughScale = DEFAULT_SCALE
) -> dict[str, pd.DataFrame]:
    """Build the synthetic borough's six contract files as frames of text cells.

    Rule: the same seed, as-of date and scale always give identical frames; the history covers
    `scale.months` months ending on `as_of`, and no date is after `as_of` except due dates of
    improvement actions still to be done. Keys: providers, alerts, concerns, plans, actions,
    training; each frame has exactly the contract's columns in contract order.
    """
    with _collector_paused():
        return _build(seed, as_of, scale)[0]


def storylines(seed: int, as_of: dt.date, scale: BoroughScale = DEFAULT_SCALE) -> Storylines:
    """The providers carrying the demo's stories for this seed (deteriorating, recovering, ...):
    chosen before any background row is made, so the background is not built for them."""
    return _storied(seed, as_of, scale)[1]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the borough's many small rows are built.

    Why: the rows hold no reference cycles, and the collector would rescan them again and again
    (a large borough builds millions of objects).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _storied(seed: int, as_of: dt.date, scale: BoroughScale) -> tuple[Borough, Storylines]:
    """The borough's providers, calendar and storyline rows, before any background row."""
    start = add_months(as_of, -scale.months) + dt.timedelta(days=1)
    borough = Borough(
        seed=seed,
        as_of=as_of,
        scale=scale,
        start=start,
        working=WorkingDays(start, as_of),
        providers=build_providers(seed, scale),
    )
    return borough, add_storylines(borough, seed)


def _build(
    seed: int, as_of: dt.date, scale: BoroughScale
) -> tuple[dict[str, pd.DataFrame], Storylines]:
    """The six files and the storylines of one build. Rule: the storylines are made first (they
    choose their providers), then the background; alerts are numbered by the day they were
    raised, concerns by the day they were received, actions in the order they were made."""
    borough, stories = _storied(seed, as_of, scale)
    background_alerts(borough, stream(seed, "alerts"), numpy_stream(seed, "alert-days"))
    background_concerns(borough, stream(seed, "concerns"), numpy_stream(seed, "concern-days"))
    background_plans(borough, seed)
    numbered(borough.alerts, "alert_id", "ALT", "raised_on", max(5, len(str(len(borough.alerts)))))
    borough.concerns.sort(key=lambda row: (row["received_on"], row["person_id"]))
    width = max(6, len(str(len(borough.concerns))))
    for number, row in enumerate(borough.concerns, start=1):
        row["concern_id"] = f"CON-{number:0{width}d}"
    width = max(4, len(str(len(borough.actions))))
    for number, row in enumerate(borough.actions, start=1):
        row["action_id"] = f"ACT-{number:0{width}d}"
    frames = {
        "providers": as_frame("providers", [p.row() for p in borough.providers]),
        "alerts": as_frame("alerts", borough.alerts),
        "concerns": as_frame("concerns", borough.concerns),
        "plans": as_frame("plans", borough.plans),
        "actions": as_frame("actions", borough.actions),
        "training": as_frame("training", training_rows(seed, as_of, scale.staff)),
    }
    return frames, stories
