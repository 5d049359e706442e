"""The monthly Provider Oversight Board RAG rating (CONTRACT.md section 3).

The contract's rule, quoted: "Board month M. Window = the 3 calendar months ending with M; previous
window = the 3 months before it; as-of date = last day of M. 'About the provider' = the row's
provider_id is the provider." Each indicator turns amber or red at a threshold of
`[scoring]` in config/rag_thresholds.toml (sgoversight.board.config; defaults as the contract's
table). "Overall: Red if any indicator is red or 3 or more are amber; else Amber if any is
amber; else Green."

How the rule is read where the contract leaves room:
- Dates are days and every period includes both ends: the window runs from the first day of the
  first month to the as-of date; the previous window ends the day before the window starts.
- Nothing dated after as-of counts, so scoring a past month gives the answer that month would have
  had from the records now held: an alert raised, an enquiry started or an action falling due after
  as-of is ignored, and a closure, conclusion or completion after as-of does not count as done.
- "About the provider" is read literally: the row's provider_id is the provider, whatever its
  source of risk. Only `provider_concerns_3m` also needs source_of_risk `service_provider`, because
  its own definition says so. So open_enquiries, risk_remains_3m and organisational_abuse_3m count
  a concern naming the provider even when the risk was from someone known to the person.
- `cqc_rating` is the provider's rating in the register now: no history of ratings is kept, so a
  past month is scored with today's rating.
- `overdue_actions`: due_on strictly before as-of (an action due on as-of is not yet overdue) and
  completed_on blank or after as-of, whatever the plan's status.
- `unresolved_alerts`: raised_on on or before as-of minus 28 days (so an alert raised exactly 28
  days before as-of counts) and closed_on blank or after as-of (closed on as-of = resolved).
- `open_enquiries`: enquiry_started_on on or before as-of and enquiry_concluded_on blank or after
  as-of (sgoversight.counts.open_enquiries_mask; concluded on as-of = not open).
- `risk_remains_3m`: enquiry_concluded_on in the window and risk_outcome `remains`.
- `rising_trend`: current = alerts_3m + provider_concerns_3m; previous = the same two counts over
  the previous window. Rising when current >= min_sum and current >= factor × previous, compared
  exactly (6 against 4 at 1.5 times is rising). With nothing in the previous window any current of
  min_sum or more is rising. A consequence worth knowing: a record dated in the previous window can
  lower a rating (it raises the comparison base); every other record can only raise it.
- A count indicator is red when its value reaches `red`, else amber when it reaches `amber`; a
  level set to `false` in the file does not exist for that indicator (the contract's "—").
- A "Red because N indicators are amber" reason is added only when no indicator is red itself.
- Reasons follow the contract's indicator order, so they read the same every month.

The rules are stated once and in two parts: the count indicators as SQL conditions (COUNTS),
counted per provider and month by the database (sgoversight.board.read: the `score` command,
the Board) or, for rows held in Python (score_month), by an in-memory SQLite database; the
levels, overall rating and reasons from those counts in Python (score_tallies). No pandas,
numpy, SQLAlchemy or pydantic here, so the `score` command loads none of them. Frames for
display are made from the results (sgoversight.board.frames).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from operator import getitem
from typing import Any, NamedTuple

from sgoversight.board.config import CountThresholds, CqcThresholds, ScoringConfig, TrendRule
from sgoversight.errors import BadInput
from sgoversight.periods import Period, add_months, months_window, parse_month
from sgoversight.periods import month as calendar_month
from sgoversight.vocabulary import CQC_RATING, SERVICE_TYPE

FORMATS = ("table", "csv", "json")

RED, AMBER, GREEN = "Red", "Amber", "Green"
#: Worst first: the order of the Board's table.
RATINGS: tuple[str, ...] = (RED, AMBER, GREEN)

#: How a rating moved since an earlier month (see `movement`).
WORSE, BETTER, SAME, NEW = "worse", "better", "same", "new"

SERVICE_PROVIDER = "service_provider"
HIGH, CRITICAL = "high", "critical"
ORGANISATIONAL = "organisational"
REMAINS = "remains"

#: The indicators of CONTRACT.md section 3, in the contract's order (the order of reasons too).
INDICATORS: tuple[str, ...] = (
    "alerts_3m",
    "high_alerts_3m",
    "critical_alerts_3m",
    "provider_concerns_3m",
    "open_enquiries",
    "risk_remains_3m",
    "organisational_abuse_3m",
    "cqc_rating",
    "overdue_actions",
    "unresolved_alerts",
    "rising_trend",
)
#: The indicators that are counts with an amber and a red threshold.
COUNT_INDICATORS: tuple[str, ...] = tuple(
    name for name in INDICATORS if name not in {"cqc_rating", "rising_trend"}
)

#: Plain-English names of the indicators, for column headings on screen and in packs.
INDICATOR_LABELS: dict[str, str] = {
    "alerts_3m": "Quality alerts in 3 months",
    "high_alerts_3m": "High-severity alerts in 3 months",
    "critical_alerts_3m": "Critical alerts in 3 months",
    "provider_concerns_3m": "Concerns with the provider as source of risk in 3 months",
    "open_enquiries": "Safeguarding enquiries open",
    "risk_remains_3m": "Enquiries concluded with risk remaining in 3 months",
    "organisational_abuse_3m": "Organisational abuse concerns in 3 months",
    "cqc_rating": "CQC rating",
    "overdue_actions": "Improvement plan actions overdue",
    "unresolved_alerts": "Quality alerts open 28 days or more",
    "rising_trend": "Alerts and concerns rising",
}

IndicatorValue = int | str | bool | None


# --- the month --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoringWindow:
    """The dates one Board month is scored over (see the module docstring)."""

    month: Period
    window: Period
    previous: Period
    as_of: dt.date


def as_board_month(month: Period | str) -> Period:
    """A calendar month from `YYYY-MM` text or a Period; BadInput for anything else."""
    if isinstance(month, str):
        return parse_month(month)
    whole = calendar_month(month.start.year, month.start.month)
    if (month.start, month.end) != (whole.start, whole.end):
        raise BadInput(f"{month.label} ({month.start} to {month.end}) is not a calendar month")
    return whole


def scoring_window(month: Period | str, config: ScoringConfig) -> ScoringWindow:
    """Window = the `window_months` calendar months ending with `month`; previous window = the same
    number of months before it; as-of = the month's last day."""
    board_month = as_board_month(month)
    length = config.window_months
    return ScoringWindow(
        month=board_month,
        window=months_window(board_month, length),
        previous=months_window(add_months(board_month, -length), length),
        as_of=board_month.end,
    )


# --- the rows the rules read ------------------------------------------------------------------


class ProviderRow(NamedTuple):
    """A provider in the register (the columns the Board shows and the rules read)."""

    provider_id: str
    name: str
    service_type: str | None = None
    regulated: bool | None = None
    commissioned: bool | None = None
    cqc_rating: str | None = None


class AlertRow(NamedTuple):
    """A quality alert: who it is about, when it was raised and closed, how severe."""

    provider_id: str | None
    raised_on: dt.date | None
    severity: str | None
    closed_on: dt.date | None = None


class ConcernRow(NamedTuple):
    """A safeguarding concern and its enquiry, as far as the rules read it."""

    provider_id: str | None
    received_on: dt.date | None
    source_of_risk: str | None = None
    abuse_type: str | None = None
    enquiry_started_on: dt.date | None = None
    enquiry_concluded_on: dt.date | None = None
    risk_outcome: str | None = None


class ActionRow(NamedTuple):
    """An improvement plan action: the plan's provider, when it is due and was completed."""

    provider_id: str | None
    due_on: dt.date | None
    completed_on: dt.date | None = None


# --- the indicators ---------------------------------------------------------------------------
# The count indicators are stated once, in SQL (COUNTS): for each kind of record, each measure's
# condition, counted per provider. The database counts them for the `score` command and the
# Board (sgoversight.board.read), an in-memory SQLite database for rows held in Python
# (score_month). Dates are compared as the databases store them (ISO text on SQLite, dates on
# PostgreSQL), with the month's dates as parameters; a blank date never satisfies a comparison,
# so a record with no date is never in a window. Every measure's condition is the rule quoted in
# the module docstring; `kept` selects the rows any measure can count (a superset, so the
# database reads less), never the count.


@dataclass(frozen=True)
class CountStatement:
    """How one kind of record is counted: the tables (`source`), the column naming the provider,
    each measure's condition by name, in column order (`previous_*`: the previous window's
    alerts and provider concerns, the rising trend's base; the others are the count indicators
    of those names), and the rows any measure can count (`kept`). `:name` is a date or code of
    the month (count_parameters)."""

    source: str
    provider: str
    measures: dict[str, str]
    kept: str


_IN_WINDOW = "BETWEEN :window_start AND :as_of"
_IN_PREVIOUS = "BETWEEN :previous_start AND :previous_end"

COUNTS: dict[str, CountStatement] = {
    "alerts": CountStatement(
        source="quality_alerts",
        provider="provider_id",
        measures={
            "alerts_3m": f"raised_on {_IN_WINDOW}",
            "high_alerts_3m": f"raised_on {_IN_WINDOW} AND severity = :high",
            "critical_alerts_3m": f"raised_on {_IN_WINDOW} AND severity = :critical",
            "unresolved_alerts": (
                "raised_on <= :unresolved_by AND (closed_on IS NULL OR closed_on > :as_of)"
            ),
            "previous_alerts": f"raised_on {_IN_PREVIOUS}",
        },
        kept="raised_on BETWEEN :previous_start AND :as_of"
        " OR (raised_on <= :unresolved_by AND (closed_on IS NULL OR closed_on > :as_of))",
    ),
    "concerns": CountStatement(
        source="safeguarding_concerns",
        provider="provider_id",
        measures={
            "provider_concerns_3m": (
                f"received_on {_IN_WINDOW} AND source_of_risk = :service_provider"
            ),
            "organisational_abuse_3m": (
                f"received_on {_IN_WINDOW} AND abuse_type = :organisational"
            ),
            "open_enquiries": "enquiry_started_on <= :as_of"
            " AND (enquiry_concluded_on IS NULL OR enquiry_concluded_on > :as_of)",
            "risk_remains_3m": f"enquiry_concluded_on {_IN_WINDOW} AND risk_outcome = :remains",
            "previous_concerns": (
                f"received_on {_IN_PREVIOUS} AND source_of_risk = :service_provider"
            ),
        },
        kept="received_on BETWEEN :previous_start AND :as_of"
        f" OR enquiry_concluded_on {_IN_WINDOW}"
        " OR (enquiry_started_on <= :as_of"
        " AND (enquiry_concluded_on IS NULL OR enquiry_concluded_on > :as_of))",
    ),
    "actions": CountStatement(
        source="improvement_actions a JOIN improvement_plans p ON p.plan_id = a.plan_id",
        provider="p.provider_id",
        measures={
            "overdue_actions": (
                "a.due_on < :as_of AND (a.completed_on IS NULL OR a.completed_on > :as_of)"
            ),
        },
        kept="a.due_on < :as_of AND (a.completed_on IS NULL OR a.completed_on > :as_of)",
    ),
}
#: The measures of each kind, in column order.
MEASURES: dict[str, tuple[str, ...]] = {
    kind: tuple(statement.measures) for kind, statement in COUNTS.items()
}
_NAME = re.compile(r":([a-z_]+)")


def count_parameters(span: ScoringWindow, config: ScoringConfig) -> dict[str, str]:
    """The month's dates (ISO text, which both databases compare with their stored dates) and
    the codes the statements compare with, by name."""
    return {
        "window_start": span.window.start.isoformat(),
        "as_of": span.as_of.isoformat(),
        "previous_start": span.previous.start.isoformat(),
        "previous_end": span.previous.end.isoformat(),
        "unresolved_by": (span.as_of - dt.timedelta(days=config.unresolved_after_days)).isoformat(),
        "high": HIGH,
        "critical": CRITICAL,
        "service_provider": SERVICE_PROVIDER,
        "organisational": ORGANISATIONAL,
        "remains": REMAINS,
    }


def count_statement(
    kind: str,
    spans: Sequence[ScoringWindow],
    config: ScoringConfig,
    provider_id: str | None = None,
) -> tuple[str, list[object]]:
    """COUNTS of `kind` for every month of `spans` in one pass over the records, as one
    statement with `?` placeholders and its parameters: one row per provider (GROUP BY), its
    provider_id then, month after month in the order of `spans`, the kind's MEASURES; only the
    rows some month keeps are read. With `provider_id`, that provider's records only."""
    statement = COUNTS[kind]
    params: list[object] = []

    def bound(text: str, named: Mapping[str, object]) -> str:
        params.extend(named[name] for name in _NAME.findall(text))
        return _NAME.sub("?", text)

    named = [count_parameters(span, config) for span in spans]
    columns = [
        f"SUM(CASE WHEN {bound(condition, values)} THEN 1 ELSE 0 END)"
        for values in named
        for condition in statement.measures.values()
    ]
    scope = (
        "1 = 1"
        if provider_id is None
        else bound(f"{statement.provider} = :provider_id", {"provider_id": provider_id})
    )
    kept = " OR ".join(f"({bound(statement.kept, values)})" for values in named)
    sql = (
        f"SELECT {statement.provider}, {', '.join(columns)} FROM {statement.source}"  # noqa: S608 (our own conditions; every value is a parameter)
        f" WHERE {statement.provider} IS NOT NULL AND {scope} AND ({kept})"
        f" GROUP BY {statement.provider}"
    )
    return sql, params


_ZERO_COUNTS = dict.fromkeys(COUNT_INDICATORS, 0)


@dataclass(slots=True)
class Tally:
    """One provider's counts for one month: every count indicator and the previous window's
    alerts + provider concerns (the rising trend's base)."""

    counts: dict[str, int] = field(default_factory=_ZERO_COUNTS.copy)
    previous_sum: int = 0


def tallies_from_counts(
    months: int, counted: Mapping[str, Iterable[Sequence[object]]]
) -> list[dict[str, Tally]]:
    """For each of `months` months, each provider's Tally, from the rows of count_statement by
    kind (provider_id, then each month's MEASURES: `previous_*` add to the previous_sum, the
    others are the count indicators of those names). A provider with nothing counted in a month
    has no tally for it. Providers with the same counts in a month share one Tally (read only:
    a tally is never changed once made), so each distinct case is rated once."""
    found: list[dict[str, Tally]] = [{} for _ in range(months)]
    with _collector_paused():
        _add_counts(found, counted)
    return found


def _add_counts(
    found: list[dict[str, Tally]], counted: Mapping[str, Iterable[Sequence[object]]]
) -> None:
    """tallies_from_counts' loop: each provider's rows of every kind side by side, then each
    month's measures of every kind as one key, turned into a Tally once per distinct key."""
    kinds = list(counted)
    widths = [len(MEASURES[kind]) for kind in kinds]
    names = [name for kind in kinds for name in MEASURES[kind]]
    absent = [(0,) * (width * len(found)) for width in widths]
    by_provider: dict[str, list[tuple[object, ...]]] = {}
    for position, kind in enumerate(kinds):
        for row in counted[kind]:
            pid = str(row[0])
            parts = by_provider.get(pid)
            if parts is None:
                parts = by_provider[pid] = list(absent)
            parts[position] = tuple(row[1:])
    made: dict[tuple[tuple[object, ...], ...], Tally | None] = {}
    cuts = [
        (month, [slice(month * width, (month + 1) * width) for width in widths])
        for month in range(len(found))
    ]
    for pid, parts in by_provider.items():
        for month, cut in cuts:
            key = tuple(map(getitem, parts, cut))
            tally = made.get(key, _UNSEEN)
            if tally is _UNSEEN:
                tally = made[key] = _tally(names, [value for part in key for value in part])
            if tally is not None:
                found[month][pid] = tally  # type: ignore[assignment]


#: A key not tallied yet (None is a month with nothing counted).
_UNSEEN = Tally(previous_sum=-1)


def _tally(names: Sequence[str], values: Sequence[object]) -> Tally | None:
    """The Tally of one provider's month from its measures (`names`, MEASURES of every kind in
    turn) and their `values`; None when nothing was counted."""
    if not any(values):
        return None
    tally = Tally()
    counts = tally.counts
    for name, value in zip(names, values, strict=True):
        number = int(value or 0)  # type: ignore[call-overload]
        if name.startswith("previous_"):
            tally.previous_sum += number
        else:
            counts[name] += number
    return tally


#: The in-memory tables score_month counts rows in: the columns the statements read.
_MEMORY_TABLES = (
    "CREATE TABLE quality_alerts (provider_id, raised_on, severity, closed_on)",
    "CREATE TABLE safeguarding_concerns (provider_id, received_on, source_of_risk, abuse_type,"
    " enquiry_started_on, enquiry_concluded_on, risk_outcome)",
    "CREATE TABLE improvement_plans (plan_id, provider_id)",
    "CREATE TABLE improvement_actions (plan_id, due_on, completed_on)",
)


def _iso(value: object) -> object:
    """A date as the ISO text SQLite stores; anything else as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value


def count_rows(
    spans: Sequence[ScoringWindow],
    alerts: Iterable[AlertRow],
    concerns: Iterable[ConcernRow],
    actions: Iterable[ActionRow],
    config: ScoringConfig,
) -> list[dict[str, Tally]]:
    """Each month's tallies (tallies_from_counts) of rows held in Python: the rows are put in an
    in-memory SQLite database shaped as the app's and counted by the same statements."""
    import sqlite3  # only for rows held in Python; the commands count in their database

    with closing(sqlite3.connect(":memory:")) as memory:
        for table in _MEMORY_TABLES:
            memory.execute(table)
        memory.executemany(
            "INSERT INTO quality_alerts VALUES (?, ?, ?, ?)",
            ([_iso(v) for v in row] for row in alerts),
        )
        memory.executemany(
            "INSERT INTO safeguarding_concerns VALUES (?, ?, ?, ?, ?, ?, ?)",
            ([_iso(v) for v in row] for row in concerns),
        )
        actions = list(actions)
        plans = sorted({a.provider_id for a in actions if a.provider_id is not None})
        memory.executemany("INSERT INTO improvement_plans VALUES (?, ?)", ((p, p) for p in plans))
        memory.executemany(
            "INSERT INTO improvement_actions VALUES (?, ?, ?)",
            ([_iso(v) for v in row] for row in actions),
        )
        counted = {}
        for kind in COUNTS:
            sql, params = count_statement(kind, spans, config)
            counted[kind] = memory.execute(sql, params).fetchall()
    return tallies_from_counts(len(spans), counted)


@lru_cache(maxsize=32)
def _as_written(factor: float) -> Fraction:
    """The factor as written in the config (1.1 = 11/10, not its binary approximation); worked
    out once per factor, not once per provider and month."""
    return Fraction(repr(factor))


def rising(current: int, previous: int, rule: TrendRule) -> bool:
    """current >= min_sum and current >= factor × previous, in whole numbers so that a factor
    such as 1.1 is not spoilt by binary rounding (the factor as written: 1.5 = 3/2)."""
    factor = _as_written(rule.factor)
    return current >= rule.min_sum and current * factor.denominator >= previous * factor.numerator


def count_level(value: int, thresholds: CountThresholds) -> str:
    """Red at or above `red`, else Amber at or above `amber`, else Green (a level of None does
    not exist)."""
    if thresholds.red is not None and value >= thresholds.red:
        return RED
    if thresholds.amber is not None and value >= thresholds.amber:
        return AMBER
    return GREEN


def cqc_level(rating: str | None, thresholds: CqcThresholds) -> str:
    """Red or Amber when the rating is in that level's list, else Green."""
    if rating in thresholds.red:
        return RED
    if rating in thresholds.amber:
        return AMBER
    return GREEN


def overall_rating(levels: Iterable[str], config: ScoringConfig) -> str:
    """Red if any indicator is red or `reds_from_ambers` or more are amber; else Amber if any is
    amber; else Green."""
    levels = list(levels)
    ambers = levels.count(AMBER)
    if RED in levels or ambers >= config.reds_from_ambers:
        return RED
    return AMBER if ambers else GREEN


# --- reasons ----------------------------------------------------------------------------------


def _counted(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _months(config: ScoringConfig) -> str:
    return _counted(config.window_months, "month")


_ENQUIRY = ("safeguarding enquiry", "safeguarding enquiries")

#: What each count indicator's value means, as the start of its reason sentence.
_COUNT_WORDS: dict[str, Callable[[int, ScoringConfig], str]] = {
    "alerts_3m": lambda n, c: f"{_counted(n, 'quality alert')} in {_months(c)}",
    "high_alerts_3m": lambda n, c: f"{_counted(n, 'high-severity quality alert')} in {_months(c)}",
    "critical_alerts_3m": lambda n, c: f"{_counted(n, 'critical quality alert')} in {_months(c)}",
    "provider_concerns_3m": lambda n, c: (
        f"{_counted(n, 'safeguarding concern')} with the provider as the source of risk"
        f" in {_months(c)}"
    ),
    "open_enquiries": lambda n, c: f"{_counted(n, *_ENQUIRY)} open at the end of the month",
    "risk_remains_3m": lambda n, c: (
        f"{_counted(n, *_ENQUIRY)} concluded in {_months(c)} with the risk remaining"
    ),
    "organisational_abuse_3m": lambda n, c: (
        f"{_counted(n, 'organisational abuse concern')} in {_months(c)}"
    ),
    "overdue_actions": lambda n, c: f"{_counted(n, 'improvement plan action')} overdue",
    "unresolved_alerts": lambda n, c: (
        f"{_counted(n, 'quality alert')} open for {c.unresolved_after_days} days or more"
    ),
}


def indicator_reason(
    name: str, value: IndicatorValue, level: str, config: ScoringConfig
) -> str | None:
    """The plain-English sentence for an amber or red count or CQC indicator (None when green).

    e.g. "6 quality alerts in 3 months (red at 6)", "1 high-severity quality alert in 3 months
    (amber at 1)", "CQC rating: Inadequate (red)". rising_trend has `trend_reason`.
    """
    if level == GREEN:
        return None
    word = level.lower()
    if name == "cqc_rating":
        return f"CQC rating: {CQC_RATING.label(str(value))} ({word})"
    thresholds: CountThresholds = getattr(config.indicators, name)
    at = thresholds.red if level == RED else thresholds.amber
    return f"{_COUNT_WORDS[name](int(value or 0), config)} ({word} at {at})"


def trend_reason(current: int, previous: int, config: ScoringConfig, level: str = AMBER) -> str:
    """The sentence for a rising trend, e.g. "Alerts and concerns rising: 6 in 3 months against
    3 in the 3 months before (amber at 1.5 times)"."""
    months = _months(config)
    before = "the month before" if config.window_months == 1 else f"the {months} before"
    factor = config.indicators.rising_trend.factor
    return (
        f"Alerts and concerns rising: {current} in {months} against {previous} in {before}"
        f" ({level.lower()} at {factor:g} times)"
    )


def ambers_reason(ambers: int, config: ScoringConfig) -> str:
    """The sentence for a Red that comes only from amber indicators."""
    return f"Red because {ambers} indicators are amber (red at {config.reds_from_ambers})"


# --- ratings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator of one provider: its value, level and, when amber or red, its reason."""

    name: str
    value: IndicatorValue
    level: str
    reason: str | None


@dataclass(frozen=True)
class ProviderRating:
    """A provider's computed rating for a Board month, with the reasons and every indicator.

    `indicators` maps each indicator name (contract order) to its value: counts as int,
    cqc_rating the code or None, rising_trend True/False; `levels` maps each to Green/Amber/Red.
    `indicator_reasons` holds the reason of each amber or red indicator; `reasons` is those in
    contract order, then the "Red because N indicators are amber" sentence when it applies.
    """

    provider_id: str
    provider_name: str
    service_type: str | None
    regulated: bool | None
    commissioned: bool | None
    rating: str
    recommended_action: str
    reasons: list[str]
    indicators: dict[str, IndicatorValue]
    levels: dict[str, str]
    board_month: str
    indicator_reasons: dict[str, str]

    @property
    def results(self) -> tuple[IndicatorResult, ...]:
        """Every indicator as an IndicatorResult, in contract order."""
        return tuple(
            IndicatorResult(
                name, self.indicators[name], self.levels[name], self.indicator_reasons.get(name)
            )
            for name in INDICATORS
        )


def _unique(providers: list[ProviderRow]) -> None:
    """A provider_id given twice is BadInput naming it."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for provider in providers:
        (repeated if provider.provider_id in seen else seen).add(str(provider.provider_id))
    if repeated:
        raise BadInput(f"provider_id repeated in the providers: {', '.join(sorted(repeated))}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while tens of thousands of ratings (or their JSON) are
    made: they hold no cycles, and the collector would rescan them again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Assessment(NamedTuple):
    """What a provider's counts and CQC rating come to: the same for every provider with the
    same counts and rating, so worked out once per distinct case (score_tallies)."""

    indicators: dict[str, IndicatorValue]
    levels: dict[str, str]
    rating: str
    reasons: dict[str, str]
    sentences: list[str]


def _levels(
    counts: Mapping[str, int], previous_sum: int, cqc_rating: str | None, config: ScoringConfig
) -> tuple[dict[str, IndicatorValue], dict[str, str]]:
    """Each indicator's value and level (contract order) from a provider's counts."""
    thresholds = config.indicators
    current = counts["alerts_3m"] + counts["provider_concerns_3m"]
    trend = rising(current, previous_sum, thresholds.rising_trend)
    indicators: dict[str, IndicatorValue] = {}
    levels: dict[str, str] = {}
    for name in INDICATORS:
        if name == "cqc_rating":
            indicators[name] = cqc_rating
            levels[name] = cqc_level(cqc_rating, thresholds.cqc_rating)
        elif name == "rising_trend":
            indicators[name] = trend
            levels[name] = AMBER if trend else GREEN
        else:
            indicators[name] = counts[name]
            levels[name] = count_level(counts[name], getattr(thresholds, name))
    return indicators, levels


def _assess(
    counts: Mapping[str, int], previous_sum: int, cqc_rating: str | None, config: ScoringConfig
) -> _Assessment:
    """One provider's levels, overall rating and reasons from its counts."""
    indicators, levels = _levels(counts, previous_sum, cqc_rating, config)
    rating = overall_rating(levels.values(), config)
    reasons: dict[str, str] = {}
    if rating != GREEN:
        current = counts["alerts_3m"] + counts["provider_concerns_3m"]
        for name, level in levels.items():
            if level == GREEN:
                continue
            if name == "rising_trend":
                reasons[name] = trend_reason(current, previous_sum, config, level)
            else:
                reasons[name] = str(indicator_reason(name, indicators[name], level, config))
    sentences = list(reasons.values())
    if rating == RED and RED not in levels.values():
        sentences.append(ambers_reason(list(levels.values()).count(AMBER), config))
    return _Assessment(indicators, levels, rating, reasons, sentences)


def _rated(
    provider: ProviderRow, found: _Assessment, config: ScoringConfig, board_month: str
) -> ProviderRating:
    """The provider's rating from its assessment. Providers with the same assessment share its
    dicts and list: a rating is never changed once made (the Board's views read them only)."""
    return ProviderRating(
        provider_id=str(provider.provider_id),
        provider_name=str(provider.name),
        service_type=provider.service_type,
        regulated=None if provider.regulated is None else bool(provider.regulated),
        commissioned=None if provider.commissioned is None else bool(provider.commissioned),
        rating=found.rating,
        recommended_action=config.recommended_action.for_rating(found.rating),
        reasons=found.sentences,
        indicators=found.indicators,
        levels=found.levels,
        board_month=board_month,
        indicator_reasons=found.reasons,
    )


def score_month(
    month: Period | str,
    providers: Iterable[ProviderRow],
    alerts: Iterable[AlertRow],
    concerns: Iterable[ConcernRow],
    actions: Iterable[ActionRow],
    config: ScoringConfig,
) -> list[ProviderRating]:
    """Every provider's rating for Board month `month` (CONTRACT.md section 3) from rows held in
    Python (counted by the one statement of the counts: count_rows).

    Rows as sgoversight.board.read returns them (dates as `datetime.date`). One rating per
    provider, those without any record included, sorted Red, Amber, Green, then by name (ignoring
    case), then by provider_id. Records about a provider not in `providers` are ignored; a
    provider_id given twice is BadInput.
    """
    board_month = as_board_month(month)
    span = scoring_window(board_month, config)
    providers = list(providers)
    _unique(providers)
    (tallies,) = count_rows([span], alerts, concerns, actions, config)
    return score_tallies(board_month, providers, tallies, config)


def score_tallies(
    month: Period | str,
    providers: Iterable[ProviderRow],
    tallies: Mapping[str, Tally],
    config: ScoringConfig,
) -> list[ProviderRating]:
    """Every provider's rating for `month` from its counts (`tallies` by provider_id: a provider
    with none has nothing counted), sorted as score_month sorts them; a provider_id given twice
    is BadInput, a tally of a provider not in `providers` is ignored."""
    board_month = as_board_month(month)
    providers = list(providers)
    _unique(providers)
    assessed: dict[tuple[int, str | None], _Assessment] = {}
    with _collector_paused():
        ratings = [
            _rated(
                provider, _assessed(provider, tallies, config, assessed), config, board_month.label
            )
            for provider in providers
        ]
    return sort_ratings(ratings)


def overall_ratings(
    providers: Iterable[ProviderRow], months: Sequence[Mapping[str, Tally]], config: ScoringConfig
) -> list[dict[str, str]]:
    """For each month's tallies in `months`, each provider's overall rating (Red, Amber or Green)
    by provider_id, from its counts as score_tallies rates them, without the reasons (the
    Board's earlier months). The levels of a shared tally (tallies_from_counts: the same counts
    in any month) are worked out once, whatever the CQC rating beside it."""
    counted: dict[int, list[str]] = {}
    rated: dict[tuple[int, str | None], str] = {}
    cqc = config.indicators.cqc_rating

    def rate(tally: Tally, cqc_rating: str | None) -> str:
        levels = counted.get(id(tally))
        if levels is None:
            _, found = _levels(tally.counts, tally.previous_sum, None, config)
            del found["cqc_rating"]
            levels = counted[id(tally)] = list(found.values())
        return overall_rating([*levels, cqc_level(cqc_rating, cqc)], config)

    register = [(p.provider_id, str(p.provider_id), p.cqc_rating) for p in providers]
    result = []
    for tallies in months:
        ratings = {}
        for provider_id, shown_id, cqc_rating in register:
            tally = tallies.get(provider_id) or _NOTHING
            key = (id(tally), cqc_rating)
            rating = rated.get(key)
            if rating is None:
                rating = rated[key] = rate(tally, cqc_rating)
            ratings[shown_id] = rating
        result.append(ratings)
    return result


#: The tally of a provider nothing was counted for (read only).
_NOTHING = Tally()


def _assessed(
    provider: ProviderRow,
    tallies: Mapping[str, Tally],
    config: ScoringConfig,
    assessed: dict[tuple[int, str | None], _Assessment],
) -> _Assessment:
    """The provider's assessment, worked out once per tally and CQC rating in `assessed` (the
    counts, the previous window's sum and the CQC rating are all it depends on; providers with
    the same counts share a tally, tallies_from_counts)."""
    tally = tallies.get(provider.provider_id) or _NOTHING
    key = (id(tally), provider.cqc_rating)
    found = assessed.get(key)
    if found is None:
        found = assessed[key] = _assess(
            tally.counts, tally.previous_sum, provider.cqc_rating, config
        )
    return found


def sort_ratings(ratings: Iterable[ProviderRating]) -> list[ProviderRating]:
    """Red, Amber, Green, then by name ignoring case, then by provider_id."""
    return sorted(
        ratings,
        key=lambda r: (RATINGS.index(r.rating), r.provider_name.casefold(), r.provider_id),
    )


def movement(
    current: Iterable[ProviderRating], previous: Iterable[ProviderRating] | Mapping[str, str]
) -> dict[str, str]:
    """How each current provider's rating moved since `previous` (e.g. last month's ratings, or
    their overall ratings by provider_id).

    "worse" (Green to Amber or Red, Amber to Red), "better" (the other way), "same", or "new" when
    the provider has no previous rating. Providers only in `previous` are left out.
    """
    before = (
        previous if isinstance(previous, Mapping) else {r.provider_id: r.rating for r in previous}
    )
    result = {}
    for rating in current:
        earlier = before.get(rating.provider_id)
        if earlier is None:
            result[rating.provider_id] = NEW
        elif earlier == rating.rating:
            result[rating.provider_id] = SAME
        elif RATINGS.index(rating.rating) < RATINGS.index(earlier):
            result[rating.provider_id] = WORSE
        else:
            result[rating.provider_id] = BETTER
    return result


# --- output -----------------------------------------------------------------------------------

FRAME_COLUMNS: tuple[str, ...] = (
    "board_month",
    "provider_id",
    "provider_name",
    "service_type",
    "regulated",
    "commissioned",
    "rating",
    "recommended_action",
    "reasons",
    *INDICATORS,
)


def rating_row(rating: ProviderRating) -> dict[str, Any]:
    """One rating as a row of FRAME_COLUMNS: reasons joined with "; ", each indicator's value in
    its own column (counts int, cqc_rating code or None, rising_trend bool)."""
    return {
        "board_month": rating.board_month,
        "provider_id": rating.provider_id,
        "provider_name": rating.provider_name,
        "service_type": rating.service_type,
        "regulated": rating.regulated,
        "commissioned": rating.commissioned,
        "rating": rating.rating,
        "recommended_action": rating.recommended_action,
        "reasons": "; ".join(rating.reasons),
        **rating.indicators,
    }


def rating_json(rating: ProviderRating) -> dict[str, Any]:
    """One rating in the contract's shape `{provider_id, provider_name, rating,
    recommended_action, reasons, indicators}`, plus board_month, service_type, regulated,
    commissioned and levels."""
    return {
        "provider_id": rating.provider_id,
        "provider_name": rating.provider_name,
        "rating": rating.rating,
        "recommended_action": rating.recommended_action,
        "reasons": list(rating.reasons),
        "indicators": dict(rating.indicators),
        "board_month": rating.board_month,
        "service_type": rating.service_type,
        "regulated": rating.regulated,
        "commissioned": rating.commissioned,
        "levels": dict(rating.levels),
    }


def ratings_json(ratings: Iterable[ProviderRating], indent: int | None = None) -> str:
    """The `score` command's JSON (CONTRACT.md section 2): a list of `rating_json` objects,
    compact on one line unless `indent` (spaces per level, for people) is given.

    Compact, it is the text `json.dumps` gives for those objects with separators "," and ":",
    written a rating at a time: the reasons, indicators and levels that ratings share (the same
    counts: score_tallies) are encoded once."""
    with _collector_paused():
        if indent is not None:
            return json.dumps([rating_json(r) for r in ratings], indent=indent) + "\n"
        return "[" + ",".join(_compact_items(ratings)) + "]\n"


#: JSON literals of true, false and null (json.dumps' words for them).
_JSON_LITERAL = {True: "true", False: "false", None: "null"}


def _compact_items(ratings: Iterable[ProviderRating]) -> Iterator[str]:
    """Each rating as `json.dumps(rating_json(rating), separators=(",", ":"))`."""
    from json.encoder import encode_basestring_ascii as text  # json.dumps' own string encoder

    dumps = json.JSONEncoder(separators=(",", ":")).encode
    shared: dict[int, str] = {}

    def once(value: object) -> str:
        encoded = shared.get(id(value))
        if encoded is None:
            encoded = shared[id(value)] = dumps(value)
        return encoded

    def maybe(value: str | None) -> str:
        return "null" if value is None else text(value)

    for r in ratings:  # the keys in rating_json's order
        yield (
            f'{{"provider_id":{text(r.provider_id)},"provider_name":{text(r.provider_name)},'
            f'"rating":{text(r.rating)},"recommended_action":{text(r.recommended_action)},'
            f'"reasons":{once(r.reasons)},"indicators":{once(r.indicators)},'
            f'"board_month":{text(r.board_month)},"service_type":{maybe(r.service_type)},'
            f'"regulated":{_JSON_LITERAL[r.regulated]},'
            f'"commissioned":{_JSON_LITERAL[r.commissioned]},"levels":{once(r.levels)}}}'
        )


def _yes_no(value: object) -> str:
    if value is None:
        return ""
    return "yes" if value else "no"


def ratings_csv(ratings: Iterable[ProviderRating]) -> str:
    """The ratings as CSV: a header row of FRAME_COLUMNS, one row per provider (`rating_row`),
    yes/no for true/false, blank for not recorded; text a spreadsheet would run as a formula is
    neutralised (sgoversight.formulas)."""
    import csv
    import io

    from sgoversight.formulas import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(name) for name in FRAME_COLUMNS])
    for rating in ratings:
        row = rating_row(rating)
        for column in ("regulated", "commissioned", "rising_trend"):
            row[column] = _yes_no(row[column])
        writer.writerow([neutralise(row[name]) for name in FRAME_COLUMNS])
    return buffer.getvalue()


def ratings_table(ratings: Iterable[ProviderRating]) -> str:
    """The Board's table as aligned text: a summary line, then one line per provider (rating,
    name, id, service type, recommended action) with its reasons indented beneath."""
    ratings = list(ratings)
    if not ratings:
        return "No providers in the register.\n"
    tally = ", ".join(f"{sum(r.rating == level for r in ratings)} {level}" for level in RATINGS)
    heading = ("Rating", "Provider", "ID", "Service type", "Recommended action")
    rows = [
        (r.rating, r.provider_name, r.provider_id, SERVICE_TYPE.label(r.service_type),
         r.recommended_action)
        for r in ratings
    ]  # fmt: skip
    widths = [max(len(str(row[i])) for row in [heading, *rows]) for i in range(len(heading))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(f"{cell:<{w}}" for cell, w in zip(cells, widths, strict=True)).rstrip()

    lines = [f"Provider ratings for {ratings[0].board_month}: {tally}", "", line(heading)]
    lines.append(line(tuple("-" * w for w in widths)))
    for rating, row in zip(ratings, rows, strict=True):
        lines.append(line(row))
        lines += [f"{'':{widths[0]}}  - {reason}" for reason in rating.reasons]
    return "\n".join(lines) + "\n"


def render_ratings(ratings: Iterable[ProviderRating], fmt: str, indent: int | None = None) -> str:
    """The ratings in one of FORMATS (`table`, `csv`, `json`; JSON indented by `indent` when
    given) as text for stdout."""
    if fmt == "json":
        return ratings_json(ratings, indent)
    if fmt == "csv":
        return ratings_csv(ratings)
    if fmt == "table":
        return ratings_table(ratings)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
