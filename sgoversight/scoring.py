"""The monthly Provider Oversight Board RAG rating (CONTRACT.md section 3).

The contract's rule, quoted: "Board month M. Window = the 3 calendar months ending with M; previous
window = the 3 months before it; as-of date = last day of M. 'About the provider' = the row's
provider_id is the provider." Each indicator turns amber or red at a threshold of
`[scoring]` in config/rag_thresholds.toml (defaults as the contract's table). "Overall: Red if any
indicator is red or 3 or more are amber; else Amber if any is amber; else Green."

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

`score_month` is the one statement of the rules (pure: frames and a config in, ratings out);
`score_from_database`, the pages, the CLI and the exports all go through it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from sqlalchemy import ColumnElement, Engine, and_, or_
from sqlalchemy.orm import Session

from sgoversight import counts
from sgoversight.auth import Actor, Permission
from sgoversight.db import PROJECT_ROOT
from sgoversight.errors import BadInput
from sgoversight.exporting import neutralise_frame
from sgoversight.models import ImprovementAction, QualityAlert, SafeguardingConcern
from sgoversight.periods import Period, add_months, months_window, parse_month
from sgoversight.periods import month as calendar_month
from sgoversight.queries import (
    dated_between,
    load_actions,
    load_alerts,
    load_concerns,
    load_providers,
    open_on,
)
from sgoversight.vocabulary import CQC_RATING, SERVICE_TYPE

CONFIG_PATH = PROJECT_ROOT / "config" / "rag_thresholds.toml"
CONFIG_SECTION = "scoring"
FORMATS = ("table", "csv", "json")

RED, AMBER, GREEN = "Red", "Amber", "Green"
#: Worst first: the order of the Board's table.
RATINGS: tuple[str, ...] = (RED, AMBER, GREEN)
_LEVELS: tuple[str, ...] = (GREEN, AMBER, RED)  # index = level code 0, 1, 2

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
#: Column of `indicator_values` holding the previous window's alerts + provider concerns.
PREVIOUS_SUM = "previous_alerts_and_provider_concerns"

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


# --- configuration --------------------------------------------------------------------------------


class _Settings(BaseModel):
    """Strict (a quoted number or a 1 for true is refused, not guessed at) and closed to unknown
    keys (a misspelt threshold is reported instead of silently falling back to its default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CountThresholds(_Settings):
    """When a count indicator turns amber and red: the value at which it does, or None for no such
    level (written `false` in the file). Amber must be below red when both exist."""

    amber: int | None
    red: int | None

    @field_validator("amber", "red", mode="before")
    @classmethod
    def _false_means_no_level(cls, value: object) -> object:
        if value is False:
            return None
        if value is True:
            raise ValueError("must be a whole number of 1 or more, or false for no such level")
        return value

    @field_validator("amber", "red")
    @classmethod
    def _at_least_one(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("must be a whole number of 1 or more, or false for no such level")
        return value

    @field_validator("red")
    @classmethod
    def _red_above_amber(cls, red: int | None, info: ValidationInfo) -> int | None:
        amber = info.data.get("amber")
        if red is not None and amber is not None and amber >= red:
            raise ValueError(f"must be above amber ({amber})")
        return red


class CqcThresholds(_Settings):
    """The CQC ratings (codes or labels of CONTRACT.md section 1) that make `cqc_rating` amber and
    red; an empty list for no such level. A rating may not be both."""

    amber: tuple[str, ...] = Field(strict=False)
    red: tuple[str, ...] = Field(strict=False)

    @field_validator("amber", "red", mode="before")
    @classmethod
    def _known_ratings(cls, values: object) -> object:
        if not isinstance(values, list | tuple):
            raise ValueError('must be a list of CQC ratings, e.g. ["inadequate"] (or [] for none)')
        codes = []
        for value in values:
            if not isinstance(value, str):
                raise ValueError(f"{value!r} is not a CQC rating")
            codes.append(CQC_RATING.normalise(value))
        return tuple(codes)

    @field_validator("red")
    @classmethod
    def _not_also_amber(cls, red: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        both = [code for code in red if code in info.data.get("amber", ())]
        if both:
            raise ValueError(f"{', '.join(both)} is also amber")
        return red


class TrendRule(_Settings):
    """`rising_trend` (amber): alerts_3m + provider_concerns_3m is at least `min_sum` and at least
    `factor` times the same sum in the previous window."""

    min_sum: int = Field(ge=1)
    factor: float = Field(gt=1)


class IndicatorThresholds(_Settings):
    """The thresholds of every indicator of CONTRACT.md section 3 (defaults: the contract's table).
    An indicator not in the contract is refused."""

    alerts_3m: CountThresholds = CountThresholds(amber=3, red=6)
    high_alerts_3m: CountThresholds = CountThresholds(amber=1, red=3)
    critical_alerts_3m: CountThresholds = CountThresholds(amber=None, red=1)
    provider_concerns_3m: CountThresholds = CountThresholds(amber=2, red=5)
    open_enquiries: CountThresholds = CountThresholds(amber=1, red=3)
    risk_remains_3m: CountThresholds = CountThresholds(amber=1, red=2)
    organisational_abuse_3m: CountThresholds = CountThresholds(amber=None, red=1)
    cqc_rating: CqcThresholds = CqcThresholds(amber=("requires_improvement",), red=("inadequate",))
    overdue_actions: CountThresholds = CountThresholds(amber=1, red=3)
    unresolved_alerts: CountThresholds = CountThresholds(amber=1, red=3)
    rising_trend: TrendRule = TrendRule(min_sum=3, factor=1.5)


class RecommendedActions(_Settings):
    """The recommended action shown for each overall rating."""

    model_config = ConfigDict(str_strip_whitespace=True)

    green: str = Field(default="Routine contract monitoring", min_length=1)
    amber: str = Field(default="Enhanced monitoring", min_length=1)
    red: str = Field(default="Improvement plan required", min_length=1)

    def for_rating(self, rating: str) -> str:
        return {GREEN: self.green, AMBER: self.amber, RED: self.red}[rating]


class ScoringConfig(_Settings):
    """`[scoring]` of config/rag_thresholds.toml. The defaults are the contract's.

    - window_months: length of the window and of the previous window (3);
    - unresolved_after_days: an alert open this many days or more is unresolved (28);
    - reds_from_ambers: this many amber indicators make the rating Red (3);
    - indicators: each indicator's amber and red thresholds;
    - recommended_action: the wording for Green, Amber and Red.
    """

    window_months: int = Field(default=3, ge=1, le=12)
    unresolved_after_days: int = Field(default=28, ge=1)
    reds_from_ambers: int = Field(default=3, ge=2)
    indicators: IndicatorThresholds = IndicatorThresholds()
    recommended_action: RecommendedActions = RecommendedActions()


def _shown(path: Path) -> str:
    """The path as a council would recognise it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_scoring_config(path: Path | str | None = None) -> ScoringConfig:
    """Read and validate `[scoring]` (default file: config/rag_thresholds.toml).

    Every setting must be in the file: a missing key, a wrong type, amber not below red, an unknown
    indicator or any other unknown key raises BadInput naming the file and each broken key, e.g.
    "config/rag_thresholds.toml: scoring.indicators.alerts_3m.red: must be above amber (6) (got 5)".
    Other sections (such as `[weekly]`) belong to other reports and are not read.
    """
    source = Path(path) if path is not None else CONFIG_PATH
    shown = _shown(source)
    try:
        with source.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise BadInput(f"{shown}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{shown}: not valid TOML: {exc}") from exc
    if CONFIG_SECTION not in document:
        raise BadInput(f"{shown}: {CONFIG_SECTION}: missing (the [{CONFIG_SECTION}] section)")
    section = document[CONFIG_SECTION]
    if not isinstance(section, dict):
        raise BadInput(f"{shown}: {CONFIG_SECTION}: must be a table of settings")
    return scoring_config_from(section, source=shown)


def scoring_config_from(section: Mapping[str, Any], source: str = "config") -> ScoringConfig:
    """Validate a whole `[scoring]` table; BadInput naming every missing or broken key."""
    missing = _missing_keys(ScoringConfig, section, CONFIG_SECTION)
    problems = [f"{key}: missing" for key in missing]
    config = None
    try:
        config = ScoringConfig.model_validate(dict(section))
    except ValidationError as exc:
        problems += [
            _config_problem(error)
            for error in exc.errors()
            if not (error["type"] == "missing" and _error_key(error) in missing)
        ]
    if problems or config is None:
        raise BadInput(f"{source}: " + "; ".join(problems))
    return config


def _missing_keys(model: type[BaseModel], data: Mapping[str, Any], prefix: str) -> list[str]:
    missing = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{name}"
        if name not in data:
            missing.append(key)
            continue
        inner = field.annotation
        nested = isinstance(inner, type) and issubclass(inner, BaseModel)
        if nested and isinstance(data[name], Mapping):
            missing += _missing_keys(inner, data[name], key)
    return missing


def _error_key(error: ErrorDetails) -> str:
    return ".".join([CONFIG_SECTION, *(str(part) for part in error["loc"])])


def _config_problem(error: ErrorDetails) -> str:
    key = _error_key(error)
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    if error["type"] == "model_type":
        return f"{key}: must be a table of settings (got {error['input']!r})"
    message = error["msg"].removeprefix("Value error, ")
    value = error["input"]
    if isinstance(value, Mapping):
        return f"{key}: {message}"
    return f"{key}: {message} (got {value!r})"


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


# --- the indicators ---------------------------------------------------------------------------

_NEEDED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # frame: (columns the rules read, of which dates)
    "providers": (("provider_id", "name", "cqc_rating"), ()),
    "alerts": (("provider_id", "raised_on", "severity", "closed_on"), ("raised_on", "closed_on")),
    "concerns": (
        (
            "provider_id",
            "received_on",
            "source_of_risk",
            "abuse_type",
            "enquiry_started_on",
            "enquiry_concluded_on",
            "risk_outcome",
        ),
        ("received_on", "enquiry_started_on", "enquiry_concluded_on"),
    ),
    "actions": (("provider_id", "due_on", "completed_on"), ("due_on", "completed_on")),
}


#: The concern columns the rules read: loading only these keeps large registers quick.
CONCERN_COLUMNS_READ: tuple[str, ...] = _NEEDED["concerns"][0]


def _needed(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The columns the rules read, dates as datetime64 (python dates and text accepted too)."""
    columns, dates = _NEEDED[kind]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInput(f"the {kind} frame has no column {', '.join(missing)}")
    result = frame[list(columns)]  # a new frame: the caller's is never changed
    for column in dates:
        if not pd.api.types.is_datetime64_any_dtype(result[column]):
            result[column] = pd.to_datetime(result[column])
    return result


def _provider_index(providers: pd.DataFrame) -> pd.Index:
    index = pd.Index(providers["provider_id"], name="provider_id")
    if index.has_duplicates:
        repeated = sorted({str(p) for p in index[index.duplicated()]})
        raise BadInput(f"provider_id repeated in the providers frame: {', '.join(repeated)}")
    return index


def _provider_codes(frame: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """Each row's provider as its position in `index`; -1 for none or one not in the register."""
    return index.get_indexer(frame["provider_id"])


def _per_provider(codes: np.ndarray, mask: pd.Series, size: int) -> np.ndarray:
    """How many rows selected by `mask` each of `size` providers has (0 for none), from
    `_provider_codes`. Counting positions with numpy rather than grouping text keeps a
    30,000-provider register quick, and a test's handful of rows quick too."""
    selected = codes[mask.to_numpy(dtype=bool, na_value=False) & (codes >= 0)]
    return np.bincount(selected, minlength=size).astype(np.int64)


def indicator_values(
    month: Period | str,
    providers: pd.DataFrame,
    alerts: pd.DataFrame,
    concerns: pd.DataFrame,
    actions: pd.DataFrame,
    config: ScoringConfig,
) -> pd.DataFrame:
    """Every indicator's value for every provider, indexed by provider_id in the providers' order.

    Columns: the INDICATORS (counts as int, cqc_rating the code or None, rising_trend bool), then
    PREVIOUS_SUM (alerts + provider concerns in the previous window, which rising_trend compares
    against). Each count follows its rule in CONTRACT.md section 3 as read in the module docstring.
    """
    span = scoring_window(month, config)
    window, previous = span.window, span.previous
    as_of = pd.Timestamp(span.as_of)
    providers = _needed(providers, "providers")
    alerts = _needed(alerts, "alerts")
    concerns = _needed(concerns, "concerns")
    actions = _needed(actions, "actions")
    index = _provider_index(providers)
    size = len(index)
    alert_codes = _provider_codes(alerts, index)
    concern_codes = _provider_codes(concerns, index)
    action_codes = _provider_codes(actions, index)

    def per_alert(mask: pd.Series) -> np.ndarray:
        return _per_provider(alert_codes, mask, size)

    def per_concern(mask: pd.Series) -> np.ndarray:
        return _per_provider(concern_codes, mask, size)

    raised = counts.dated_in_mask(alerts, "raised_on", window)
    severity = alerts["severity"]
    received = counts.dated_in_mask(concerns, "received_on", window)
    from_provider = concerns["source_of_risk"] == SERVICE_PROVIDER
    concluded = counts.dated_in_mask(concerns, "enquiry_concluded_on", window)
    unresolved_by = as_of - pd.Timedelta(days=config.unresolved_after_days)
    closed = alerts["closed_on"]

    values: dict[str, Any] = {
        "alerts_3m": per_alert(raised),
        "high_alerts_3m": per_alert(raised & (severity == HIGH)),
        "critical_alerts_3m": per_alert(raised & (severity == CRITICAL)),
        "provider_concerns_3m": per_concern(received & from_provider),
        "open_enquiries": per_concern(counts.open_enquiries_mask(concerns, span.as_of)),
        "risk_remains_3m": per_concern(concluded & (concerns["risk_outcome"] == REMAINS)),
        "organisational_abuse_3m": per_concern(
            received & (concerns["abuse_type"] == ORGANISATIONAL)
        ),
        # object, not pandas' text dtype, so "not rated" stays None rather than NaN
        "cqc_rating": pd.Series(
            [_optional_text(v) for v in providers["cqc_rating"]], index=index, dtype=object
        ),
        "overdue_actions": _per_provider(
            action_codes, counts.overdue_actions_mask(actions, as_of), size
        ),
        "unresolved_alerts": per_alert(
            (alerts["raised_on"] <= unresolved_by) & (closed.isna() | (closed > as_of))
        ),
    }
    previous_sum = per_alert(counts.dated_in_mask(alerts, "raised_on", previous)) + per_concern(
        counts.dated_in_mask(concerns, "received_on", previous) & from_provider
    )
    current_sum = values["alerts_3m"] + values["provider_concerns_3m"]
    values["rising_trend"] = _rising(current_sum, previous_sum, config.indicators.rising_trend)
    values[PREVIOUS_SUM] = previous_sum
    return pd.DataFrame(values, index=index, columns=[*INDICATORS, PREVIOUS_SUM])


def _rising(current: np.ndarray, previous: np.ndarray, rule: TrendRule) -> np.ndarray:
    """current >= min_sum and current >= factor × previous, in whole numbers so that a factor
    such as 1.1 is not spoilt by binary rounding (the factor as written: 1.5 = 3/2)."""
    factor = Fraction(repr(rule.factor))
    return (current >= rule.min_sum) & (current * factor.denominator >= previous * factor.numerator)


def _count_levels(values: np.ndarray, thresholds: CountThresholds) -> np.ndarray:
    """0 (green), 1 (amber, value >= amber) or 2 (red, value >= red) per value."""
    levels = np.zeros(len(values), dtype=np.int8)
    if thresholds.amber is not None:
        levels[values >= thresholds.amber] = 1
    if thresholds.red is not None:
        levels[values >= thresholds.red] = 2
    return levels


def indicator_levels(values: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Each indicator's level as a code, 0 green, 1 amber, 2 red, for a frame of `indicator_values`.

    Counts: red at or above `red`, else amber at or above `amber`. cqc_rating: red or amber when
    the rating is in that level's list. rising_trend: amber when rising.
    """
    thresholds = config.indicators
    levels = {
        name: _count_levels(values[name].to_numpy(dtype=np.int64), getattr(thresholds, name))
        for name in COUNT_INDICATORS
    }
    cqc = values["cqc_rating"]
    levels["cqc_rating"] = np.where(
        cqc.isin(thresholds.cqc_rating.red),
        2,
        np.where(cqc.isin(thresholds.cqc_rating.amber), 1, 0),
    ).astype(np.int8)
    levels["rising_trend"] = values["rising_trend"].to_numpy(dtype=bool).astype(np.int8)
    return pd.DataFrame(levels, index=values.index, columns=list(INDICATORS))


def overall_levels(levels: pd.DataFrame, config: ScoringConfig) -> np.ndarray:
    """The overall rating per row of `indicator_levels`: Red if any indicator is red or
    `reds_from_ambers` or more are amber; else Amber if any is amber; else Green."""
    matrix = levels.to_numpy()
    any_red = (matrix == 2).any(axis=1)
    ambers = (matrix == 1).sum(axis=1)
    return np.where(
        any_red | (ambers >= config.reds_from_ambers), RED, np.where(ambers > 0, AMBER, GREEN)
    )


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


def _optional_bool(value: object) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _optional_text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def score_month(
    month: Period | str,
    providers: pd.DataFrame,
    alerts: pd.DataFrame,
    concerns: pd.DataFrame,
    actions: pd.DataFrame,
    config: ScoringConfig,
) -> list[ProviderRating]:
    """Every provider's rating for Board month `month` (CONTRACT.md section 3).

    Frames are shaped as sgoversight.queries returns them (load_providers, load_alerts,
    load_concerns, load_actions; only the columns the rules read are needed; dates as datetime64,
    python dates or ISO text). One rating per row of `providers`, those without any record
    included, sorted Red, Amber, Green, then by name (ignoring case), then by provider_id.
    Records about a provider not in `providers` are ignored.
    """
    board_month = as_board_month(month)
    values = indicator_values(board_month, providers, alerts, concerns, actions, config)
    levels = indicator_levels(values, config)
    level_matrix = levels.to_numpy()
    overall = overall_levels(levels, config).tolist()
    red_rows = (level_matrix == 2).any(axis=1).tolist()
    ambers = (level_matrix == 1).sum(axis=1).tolist()
    # Row-wise plain Python values, so building 30,000 results touches no pandas per value.
    value_rows = list(zip(*(values[name].tolist() for name in INDICATORS), strict=True))
    level_rows = np.array(_LEVELS, dtype=object)[level_matrix].tolist()
    current_sums = (values["alerts_3m"] + values["provider_concerns_3m"]).tolist()
    previous_sums = values[PREVIOUS_SUM].tolist()
    names = providers["name"].tolist()
    service_types = _column(providers, "service_type")
    regulated = _column(providers, "regulated")
    commissioned = _column(providers, "commissioned")
    wording = config.recommended_action

    ratings = []
    # One pass over providers to build the result objects; every count was made above, vectorised.
    for row, provider_id in enumerate(values.index.tolist()):
        indicators: dict[str, IndicatorValue] = dict(zip(INDICATORS, value_rows[row], strict=True))
        provider_levels = dict(zip(INDICATORS, level_rows[row], strict=True))
        reasons: dict[str, str] = {}
        if overall[row] != GREEN:
            for name, level in provider_levels.items():
                if level == GREEN:
                    continue
                if name == "rising_trend":
                    reason = trend_reason(current_sums[row], previous_sums[row], config, level)
                else:
                    reason = str(indicator_reason(name, indicators[name], level, config))
                reasons[name] = reason
        sentences = list(reasons.values())
        rating = overall[row]
        if rating == RED and not red_rows[row]:
            sentences.append(ambers_reason(ambers[row], config))
        ratings.append(
            ProviderRating(
                provider_id=str(provider_id),
                provider_name=str(names[row]),
                service_type=_optional_text(service_types[row]),
                regulated=_optional_bool(regulated[row]),
                commissioned=_optional_bool(commissioned[row]),
                rating=rating,
                recommended_action=wording.for_rating(rating),
                reasons=sentences,
                indicators=indicators,
                levels=provider_levels,
                board_month=board_month.label,
                indicator_reasons=reasons,
            )
        )
    return sort_ratings(ratings)


def sort_ratings(ratings: Iterable[ProviderRating]) -> list[ProviderRating]:
    """Red, Amber, Green, then by name ignoring case, then by provider_id."""
    return sorted(
        ratings,
        key=lambda r: (RATINGS.index(r.rating), r.provider_name.casefold(), r.provider_id),
    )


@dataclass(frozen=True)
class RowsRead:
    """Database conditions keeping every row `indicator_values` can count for one month."""

    alerts: ColumnElement[bool]
    concerns: ColumnElement[bool]
    actions: ColumnElement[bool]


def rows_read(month: Period | str, config: ScoringConfig) -> RowsRead:
    """The rows the month's rules can count, so a large register is not read whole.

    A superset, never the count: alerts raised in the previous window or the window (the alert
    counts and the trend) or raised by as-of minus `unresolved_after_days` and not closed by as-of
    (`unresolved_alerts`); concerns received in either window (`provider_concerns_3m`,
    `organisational_abuse_3m`, the trend), concluded in the window (`risk_remains_3m`) or with an
    enquiry open at as-of (`open_enquiries`); actions due before as-of and not completed by it
    (`overdue_actions`). The rules then run on these rows exactly as on every row.
    """
    span = scoring_window(month, config)
    as_of = span.as_of
    unresolved_by = as_of - dt.timedelta(days=config.unresolved_after_days)
    return RowsRead(
        alerts=or_(
            dated_between(QualityAlert.raised_on, span.previous.start, as_of),
            open_on(QualityAlert.raised_on, QualityAlert.closed_on, as_of)
            & (QualityAlert.raised_on <= unresolved_by),
        ),
        concerns=or_(
            dated_between(SafeguardingConcern.received_on, span.previous.start, as_of),
            dated_between(SafeguardingConcern.enquiry_concluded_on, span.window.start, as_of),
            open_on(
                SafeguardingConcern.enquiry_started_on,
                SafeguardingConcern.enquiry_concluded_on,
                as_of,
            ),
        ),
        actions=and_(
            ImprovementAction.due_on < as_of,
            or_(ImprovementAction.completed_on.is_(None), ImprovementAction.completed_on > as_of),
        ),
    )


def score_from_database(
    engine: Engine | Session,
    month: Period | str,
    *,
    actor: Actor,
    config: ScoringConfig | None = None,
    provider_id: str | None = None,
) -> list[ProviderRating]:
    """Load the register and the records the month's rules can count (rows_read) with
    sgoversight.queries, and score `month` (score_month); with `provider_id`, that provider only
    (its rating is the same as in the whole register's: every indicator is the provider's own).

    The actor (the command line passes SYSTEM; there is no default, so no caller is an
    administrator by omission) needs Permission.VIEW_BOARD, else
    PermissionDenied; a provider user's scope limits every frame to their own provider
    (Actor.scope_for: another provider is PermissionDenied). `config`
    defaults to `[scoring]` of config/rag_thresholds.toml. The month is checked before the
    database is touched.
    """
    board_month = as_board_month(month)
    actor.require(Permission.VIEW_BOARD)
    config = config if config is not None else load_scoring_config()
    if isinstance(engine, Engine):
        with Session(engine) as session:
            return score_from_database(
                session, board_month, actor=actor, config=config, provider_id=provider_id
            )
    session, scope, rows = engine, actor.scope_for(provider_id), rows_read(board_month, config)
    return score_month(
        board_month,
        load_providers(session, scope),
        load_alerts(session, scope, where=rows.alerts),
        load_concerns(session, scope, columns=CONCERN_COLUMNS_READ, where=rows.concerns),
        load_actions(session, scope, where=rows.actions),
        config,
    )


def movement(
    current: Iterable[ProviderRating], previous: Iterable[ProviderRating]
) -> dict[str, str]:
    """How each current provider's rating moved since `previous` (e.g. last month's ratings).

    "worse" (Green to Amber or Red, Amber to Red), "better" (the other way), "same", or "new" when
    the provider has no previous rating. Providers only in `previous` are left out.
    """
    before = {r.provider_id: r.rating for r in previous}
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


def ratings_frame(ratings: Iterable[ProviderRating]) -> pd.DataFrame:
    """One row per rating, in the given order: FRAME_COLUMNS, reasons joined with "; " and each
    indicator's value in its own column (counts int, cqc_rating code or None, rising_trend bool)."""
    rows = [
        {
            "board_month": r.board_month,
            "provider_id": r.provider_id,
            "provider_name": r.provider_name,
            "service_type": r.service_type,
            "regulated": r.regulated,
            "commissioned": r.commissioned,
            "rating": r.rating,
            "recommended_action": r.recommended_action,
            "reasons": "; ".join(r.reasons),
            **r.indicators,
        }
        for r in ratings
    ]
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    for name in COUNT_INDICATORS:
        frame[name] = frame[name].astype(np.int64)
    frame["rising_trend"] = frame["rising_trend"].astype(bool)
    return frame


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


def ratings_json(ratings: Iterable[ProviderRating]) -> str:
    """The `score` command's JSON (CONTRACT.md section 2): a list of `rating_json` objects."""
    return json.dumps([rating_json(r) for r in ratings], indent=2) + "\n"


def _yes_no(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return "yes" if value else "no"


def ratings_csv(ratings: Iterable[ProviderRating]) -> str:
    """`ratings_frame` as CSV (header row, one row per provider, yes/no for true/false, blank for
    not recorded); text a spreadsheet would run as a formula is neutralised."""
    frame = ratings_frame(ratings)
    for column in ("regulated", "commissioned", "rising_trend"):
        frame[column] = frame[column].map(_yes_no).astype(object)
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\n")
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


def render_ratings(ratings: Iterable[ProviderRating], fmt: str) -> str:
    """The ratings in one of FORMATS (`table`, `csv`, `json`) as text for stdout."""
    if fmt == "json":
        return ratings_json(ratings)
    if fmt == "csv":
        return ratings_csv(ratings)
    if fmt == "table":
        return ratings_table(ratings)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
