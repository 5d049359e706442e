"""The settings of the Board's RAG rating: `[scoring]` of config/rag_thresholds.toml.

Rules: every setting is required (the file states the contract's defaults; nothing falls back to a
default silently). The file is read through the one loader, sgoversight.config_file.read_section:
a missing file, a file that is not TOML, a missing `[scoring]` section or one that is not a table
is refused in its format. Within the section, a missing key, a wrong type (a quoted number or a 1
for true is refused, not guessed at), amber not below red, an unknown indicator or any other
unknown key is refused, every broken key named at once (missing keys first), e.g.
"config/rag_thresholds.toml: scoring.indicators.alerts_3m.red: must be above amber (6) (got 5)".
Other sections of the file (such as `[weekly]`) belong to other reports and are not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sgoversight.config_file import CONFIG_DIR, Section, read_section
from sgoversight.vocabulary import CQC_RATING

CONFIG_PATH = CONFIG_DIR / "rag_thresholds.toml"
CONFIG_SECTION = "scoring"


# Plain frozen dataclasses; `scoring_config_from` checks a `[scoring]` table strictly (a quoted
# number or a 1 for true is refused, not guessed at) and closed to unknown keys (a misspelt
# threshold is reported instead of silently falling back to its default).


@dataclass(frozen=True)
class CountThresholds:
    """When a count indicator turns amber and red: the value at which it does, or None for no such
    level (written `false` in the file). Amber must be below red when both exist."""

    amber: int | None
    red: int | None


@dataclass(frozen=True)
class CqcThresholds:
    """The CQC ratings (codes or labels of CONTRACT.md section 1) that make `cqc_rating` amber and
    red; an empty list for no such level. A rating may not be both."""

    amber: tuple[str, ...]
    red: tuple[str, ...]


@dataclass(frozen=True)
class TrendRule:
    """`rising_trend` (amber): alerts_3m + provider_concerns_3m is at least `min_sum` and at least
    `factor` times the same sum in the previous window."""

    min_sum: int
    factor: float


@dataclass(frozen=True)
class IndicatorThresholds:
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


@dataclass(frozen=True)
class RecommendedActions:
    """The recommended action shown for each overall rating."""

    green: str = "Routine contract monitoring"
    amber: str = "Enhanced monitoring"
    red: str = "Improvement plan required"

    def for_rating(self, rating: str) -> str:
        """The wording for an overall rating ("Red", "Amber" or "Green"): the setting named
        after it."""
        return getattr(self, rating.lower())


@dataclass(frozen=True)
class ScoringConfig:
    """`[scoring]` of config/rag_thresholds.toml. The defaults are the contract's.

    - window_months: length of the window and of the previous window (3);
    - unresolved_after_days: an alert open this many days or more is unresolved (28);
    - reds_from_ambers: this many amber indicators make the rating Red (3);
    - indicators: each indicator's amber and red thresholds;
    - recommended_action: the wording for Green, Amber and Red.
    """

    window_months: int = 3
    unresolved_after_days: int = 28
    reds_from_ambers: int = 3
    indicators: IndicatorThresholds = field(default_factory=IndicatorThresholds)
    recommended_action: RecommendedActions = field(default_factory=RecommendedActions)


def load_scoring_config(path: Path | str | None = None) -> ScoringConfig:
    """Read and validate `[scoring]` (default file: config/rag_thresholds.toml) by the rules of
    this module; BadInput naming the file and each broken key."""
    section = read_section(
        path, default=CONFIG_PATH, section=CONFIG_SECTION, section_required=True
    )
    config, problems = _checked(section.values)
    if config is None:
        raise section.invalid(problems)
    return config


class _Invalid(ValueError):
    """One broken setting: the words, and whether to show the value given ("(got …)")."""

    def __init__(self, message: str, *, show_value: bool = True) -> None:
        super().__init__(message)
        self.show_value = show_value


_LEVEL_WORDS = "must be a whole number of 1 or more, or false for no such level"


def _whole(value: object, *, at_least: int | None = None, at_most: int | None = None) -> int:
    """A whole number (never text, a fraction or true/false) within the bounds given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("Input should be a valid integer")
    if at_least is not None and value < at_least:
        raise _Invalid(f"Input should be greater than or equal to {at_least}")
    if at_most is not None and value > at_most:
        raise _Invalid(f"Input should be less than or equal to {at_most}")
    return value


def _level(value: object) -> int | None:
    """A count level: false for none, else a whole number of 1 or more."""
    if value is False:
        return None
    if value is True:
        raise _Invalid(_LEVEL_WORDS)
    number = _whole(value)
    if number < 1:
        raise _Invalid(_LEVEL_WORDS)
    return number


def _ratings(value: object) -> tuple[str, ...]:
    """A list of CQC ratings (codes or labels) as codes."""
    if not isinstance(value, list | tuple):
        raise _Invalid('must be a list of CQC ratings, e.g. ["inadequate"] (or [] for none)')
    codes = []
    for item in value:
        if not isinstance(item, str):
            raise _Invalid(f"{item!r} is not a CQC rating")
        try:
            codes.append(CQC_RATING.normalise(item))
        except ValueError as exc:
            raise _Invalid(str(exc)) from exc
    return tuple(codes)


def _factor(value: object) -> float:
    """A number above 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid("Input should be a valid number")
    if not value > 1:
        raise _Invalid("Input should be greater than 1")
    return float(value)


def _wording(value: object) -> str:
    """Text with something in it once spaces are trimmed."""
    if not isinstance(value, str):
        raise _Invalid("Input should be a valid string")
    text = value.strip()
    if not text:
        raise _Invalid("String should have at least 1 character")
    return text


class _Checker:
    """Collects every broken key of a `[scoring]` table, in the order of the settings."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def table(self, data: object, key: str, names: Iterable[str]) -> Mapping[str, Any] | None:
        """`data` as a table of settings with every one of `names`, else None (reported)."""
        if not isinstance(data, Mapping):
            self.problems.append(f"{key}: must be a table of settings (got {data!r})")
            return None
        names = tuple(names)
        self.problems += [f"{key}.{name}: missing" for name in names if name not in data]
        return data

    def unknown(self, data: Mapping[str, Any], key: str, names: Iterable[str]) -> None:
        known = set(names)
        self.problems += [f"{key}.{name}: unknown key" for name in data if name not in known]

    def value(self, data: Mapping[str, Any], key: str, name: str, check: Callable[[object], Any]):
        """`check(data[name])`, or None when missing (reported already) or broken (reported)."""
        if name not in data:
            return None
        try:
            return check(data[name])
        except _Invalid as exc:
            value = data[name]
            shown = f" (got {value!r})" if exc.show_value and not isinstance(value, Mapping) else ""
            self.problems.append(f"{key}.{name}: {exc}{shown}")
            return None


def _missing_first(problems: list[str]) -> list[str]:
    """Missing keys first, then every other problem, each group in the settings' order."""
    missing = [p for p in problems if p.endswith(": missing")]
    return missing + [p for p in problems if not p.endswith(": missing")]


def _count_thresholds(check: _Checker, data: object, key: str) -> CountThresholds | None:
    table = check.table(data, key, ("amber", "red"))
    if table is None:
        return None
    amber = check.value(table, key, "amber", _level)
    amber_ok = "amber" in table and (amber is not None or table["amber"] is False)
    red = check.value(table, key, "red", _level)
    if red is not None and amber is not None and amber >= red:
        check.problems.append(f"{key}.red: must be above amber ({amber}) (got {table['red']!r})")
        red = None
    check.unknown(table, key, ("amber", "red"))
    red_ok = "red" in table and (red is not None or table["red"] is False)
    return CountThresholds(amber=amber, red=red) if amber_ok and red_ok else None


def _cqc_thresholds(check: _Checker, data: object, key: str) -> CqcThresholds | None:
    table = check.table(data, key, ("amber", "red"))
    if table is None:
        return None
    amber = check.value(table, key, "amber", _ratings)
    red = check.value(table, key, "red", _ratings)
    if red is not None:
        both = [code for code in red if code in (amber or ())]
        if both:
            check.problems.append(
                f"{key}.red: {', '.join(both)} is also amber (got {table['red']!r})"
            )
            red = None
    check.unknown(table, key, ("amber", "red"))
    return None if amber is None or red is None else CqcThresholds(amber=amber, red=red)


def _trend_rule(check: _Checker, data: object, key: str) -> TrendRule | None:
    table = check.table(data, key, ("min_sum", "factor"))
    if table is None:
        return None
    min_sum = check.value(table, key, "min_sum", lambda v: _whole(v, at_least=1))
    factor = check.value(table, key, "factor", _factor)
    check.unknown(table, key, ("min_sum", "factor"))
    return None if min_sum is None or factor is None else TrendRule(min_sum, factor)


def scoring_config_from(section: Mapping[str, Any], source: str = "config") -> ScoringConfig:
    """Validate a whole `[scoring]` table read from `source`; BadInput naming every missing or
    broken key (missing keys first), e.g.
    "config: scoring.indicators.alerts_3m.red: must be above amber (6) (got 5)"."""
    config, problems = _checked(section)
    if config is None:
        raise Section(dict(section), source).invalid(problems)
    return config


def _checked(section: Mapping[str, Any]) -> tuple[ScoringConfig | None, list[str]]:
    """The settings of a `[scoring]` table, or None with every problem (missing keys first)."""
    check = _Checker()
    top = tuple(f.name for f in fields(ScoringConfig))
    check.table(section, CONFIG_SECTION, top)
    window = check.value(section, CONFIG_SECTION, "window_months",
                         lambda v: _whole(v, at_least=1, at_most=12))  # fmt: skip
    unresolved = check.value(section, CONFIG_SECTION, "unresolved_after_days",
                             lambda v: _whole(v, at_least=1))  # fmt: skip
    reds = check.value(section, CONFIG_SECTION, "reds_from_ambers",
                       lambda v: _whole(v, at_least=2))  # fmt: skip
    indicators = None
    key = f"{CONFIG_SECTION}.indicators"
    names = tuple(f.name for f in fields(IndicatorThresholds))
    table = section.get("indicators") if "indicators" in section else None
    if "indicators" in section and (table := check.table(table, key, names)) is not None:
        parsed: dict[str, Any] = {}
        for name in names:
            if name not in table:
                continue
            if name == "cqc_rating":
                parsed[name] = _cqc_thresholds(check, table[name], f"{key}.{name}")
            elif name == "rising_trend":
                parsed[name] = _trend_rule(check, table[name], f"{key}.{name}")
            else:
                parsed[name] = _count_thresholds(check, table[name], f"{key}.{name}")
        check.unknown(table, key, names)
        if len(parsed) == len(names) and None not in parsed.values():
            indicators = IndicatorThresholds(**parsed)
    wording = None
    key = f"{CONFIG_SECTION}.recommended_action"
    words = tuple(f.name for f in fields(RecommendedActions))
    if (
        "recommended_action" in section
        and (table := check.table(section["recommended_action"], key, words)) is not None
    ):
        given = {name: check.value(table, key, name, _wording) for name in words}
        check.unknown(table, key, words)
        if None not in given.values():
            wording = RecommendedActions(**given)
    check.unknown(section, CONFIG_SECTION, top)
    parts = (window, unresolved, reds, indicators, wording)
    if check.problems or None in parts:
        return None, _missing_first(check.problems)
    return ScoringConfig(*parts), []
