"""The weekly report's settings: `[weekly]` of config/rag_thresholds.toml, when a provider is
flagged (CONTRACT.md section 4).

Rules:
- Read through the one loader (sgoversight.config_file): a missing file, a file that is not TOML
  or a `[weekly]` that is not a table is an error; a missing `[weekly]` section or key takes the
  contract's value; other sections belong to other reports and are not read.
- min_alerts_plus_provider_concerns is a whole number (not text, a decimal or true/false) of 1 or
  more; each flag_ switch is true or false (not 1 or text); no other key is allowed, so a misspelt
  threshold is reported instead of silently falling back to its default.
- Every broken key is named in one message, in the order of the settings, then unknown keys as
  written, each as "[weekly] <key> = <value>: <what is wrong>".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from sgoversight.config_file import (
    CONFIG_DIR,
    Invalid,
    read_section,
    true_or_false,
    unknown_keys,
    whole_number,
)
from sgoversight.errors import BadInput

CONFIG_PATH = CONFIG_DIR / "rag_thresholds.toml"
CONFIG_SECTION = "weekly"


@dataclass(frozen=True)
class WeeklyConfig:
    """`[weekly]` of config/rag_thresholds.toml: when the report flags a provider.

    Strict, so a quoted number or a 1 for true is refused rather than guessed at, and closed to
    unknown keys (weekly_config_from). Built directly, the same checks apply.
    """

    min_alerts_plus_provider_concerns: int = 3
    flag_critical_alert: bool = True
    flag_organisational_abuse: bool = True
    flag_cqc_rating_fell: bool = True

    def __post_init__(self) -> None:
        problems = _config_problems(asdict(self))
        if problems:
            raise BadInput("config: " + "; ".join(problems))


_CONFIG_KEYS: tuple[str, ...] = tuple(f.name for f in fields(WeeklyConfig))


def load_weekly_config(path: Path | str | None = None) -> WeeklyConfig:
    """Read and validate `[weekly]` (default file: config/rag_thresholds.toml), by the rules above;
    BadInput naming the file and every broken key otherwise."""
    section = read_section(path, default=CONFIG_PATH, section=CONFIG_SECTION)
    return weekly_config_from(section.values, section.shown)


def weekly_config_from(section: Mapping[str, Any], source: str = "config") -> WeeklyConfig:
    """Validate the keys of a `[weekly]` table by the rules above; BadInput naming `source` and
    every broken key otherwise."""
    problems = _config_problems(section)
    if problems:
        raise BadInput(f"{source}: " + "; ".join(problems))
    return _built(section)


def _built(section: Mapping[str, Any]) -> WeeklyConfig:
    return WeeklyConfig(**{key: section[key] for key in _CONFIG_KEYS if key in section})


def _config_problems(section: Mapping[str, Any]) -> list[str]:
    """Every broken key: the settings in their order, then unknown keys as written."""
    problems = []
    for key in _CONFIG_KEYS:
        if key not in section:
            continue
        value = section[key]
        try:
            if key == "min_alerts_plus_provider_concerns":
                whole_number(value, at_least=1)
            else:
                true_or_false(value)
        except Invalid as exc:
            problems.append(_config_problem(key, value, str(exc)))
    problems += [
        _config_problem(key, section[key], "Extra inputs are not permitted")
        for key in unknown_keys(section, _CONFIG_KEYS)
    ]
    return problems


def _config_problem(key: str, value: object, message: str) -> str:
    return f"[{CONFIG_SECTION}] {key} = {value!r}: {message}"
