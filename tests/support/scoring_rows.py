"""The Board's count indicators as plain Python over rows: the statement the SQL counts
(sgoversight.board.rules.COUNTS) replaced, kept here only as the independent version the
differential tests (tests/test_scoring_counts.py) compare the SQL with.

Each loop is the rule of CONTRACT.md section 3 as sgoversight.board.rules's module docstring reads
it, one record at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sgoversight.board.rules import (
    CRITICAL,
    HIGH,
    ORGANISATIONAL,
    REMAINS,
    SERVICE_PROVIDER,
    ActionRow,
    AlertRow,
    ConcernRow,
    ScoringConfig,
    ScoringWindow,
    Tally,
)
from sgoversight.periods import Period


def _within(day: dt.date | None, period: Period) -> bool:
    """`day` falls in `period`, both ends included (no date: never)."""
    return day is not None and period.start <= day <= period.end


def _not_done_by(day: dt.date | None, as_of: dt.date) -> bool:
    """A closure, conclusion or completion on `day` had not happened by the end of `as_of`."""
    return day is None or day > as_of


def tallies_of_rows(
    span: ScoringWindow,
    provider_ids: Iterable[str],
    alerts: Iterable[AlertRow],
    concerns: Iterable[ConcernRow],
    actions: Iterable[ActionRow],
    config: ScoringConfig,
) -> dict[str, Tally]:
    """Every provider's tally for the month of `span`, a record at a time; records about no
    provider or one not in `provider_ids` are ignored."""
    tallies = {pid: Tally() for pid in provider_ids}
    window, previous, as_of = span.window, span.previous, span.as_of
    unresolved_by = as_of - dt.timedelta(days=config.unresolved_after_days)
    for alert in alerts:
        tally = tallies.get(alert.provider_id)  # type: ignore[arg-type]
        if tally is None or alert.raised_on is None:
            continue
        counts = tally.counts
        if _within(alert.raised_on, window):
            counts["alerts_3m"] += 1
            if alert.severity == HIGH:
                counts["high_alerts_3m"] += 1
            elif alert.severity == CRITICAL:
                counts["critical_alerts_3m"] += 1
        elif _within(alert.raised_on, previous):
            tally.previous_sum += 1
        if alert.raised_on <= unresolved_by and _not_done_by(alert.closed_on, as_of):
            counts["unresolved_alerts"] += 1
    for concern in concerns:
        tally = tallies.get(concern.provider_id)  # type: ignore[arg-type]
        if tally is None:
            continue
        counts = tally.counts
        from_provider = concern.source_of_risk == SERVICE_PROVIDER
        if _within(concern.received_on, window):
            if from_provider:
                counts["provider_concerns_3m"] += 1
            if concern.abuse_type == ORGANISATIONAL:
                counts["organisational_abuse_3m"] += 1
        elif from_provider and _within(concern.received_on, previous):
            tally.previous_sum += 1
        started = concern.enquiry_started_on
        concluded = concern.enquiry_concluded_on
        if started is not None and started <= as_of and _not_done_by(concluded, as_of):
            counts["open_enquiries"] += 1
        if concern.risk_outcome == REMAINS and _within(concern.enquiry_concluded_on, window):
            counts["risk_remains_3m"] += 1
    for action in actions:
        tally = tallies.get(action.provider_id)  # type: ignore[arg-type]
        if tally is None or action.due_on is None:
            continue
        if action.due_on < as_of and _not_done_by(action.completed_on, as_of):
            tally.counts["overdue_actions"] += 1
    return tallies
