"""The safeguarding standards' settings: config/standards.toml, a target for every measure and the
windows the measures use (CONTRACT.md section 5).

Rules:
- Read through the one loader (sgoversight.config_file), the whole file being the settings: a
  missing file or a file that is not TOML is an error.
- Every setting is required (no defaults), so a missing or misspelt key is reported by name
  instead of silently taking a value nobody chose: the four windows are whole numbers (at least 0
  for the working-day windows, at least 1 for the others); `targets` lists every measure once, each
  a percentage from 0 to 100 or "trend" (the counts PROP-1 and PROP-2 always "trend");
  `required_training` lists every contract role once, each requiring at least one known training
  type, none twice.
- Every broken key is named in one message ("<file>: <problem>; <problem>"): `key: missing`,
  `key = value: what is wrong`, settings in their order and unknown ones (`key: unknown setting`)
  last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sgoversight.config_file import (
    CONFIG_DIR,
    Invalid,
    read_section,
    unknown_keys,
    whole_number,
)
from sgoversight.errors import BadInput
from sgoversight.vocabulary import TRAINING_ROLE, TRAINING_TYPE

CONFIG_PATH = CONFIG_DIR / "standards.toml"

#: The target of a measure reported without one; also its status code in the rules.
TREND = "trend"

#: Every measure id in contract order, with its standard.
MEASURE_STANDARDS: dict[str, str] = {
    "EMP-1": "Empowerment",
    "EMP-2": "Empowerment",
    "EMP-3": "Empowerment",
    "PREV-1": "Prevention",
    "PREV-2": "Prevention",
    "PROT-1": "Protection",
    "PROP-1": "Proportionality",
    "PROP-2": "Proportionality",
    "PROP-3": "Proportionality",
    "ACC-1": "Accountability",
    "ACC-2": "Accountability",
    "ACC-3": "Accountability",
    "ACC-4": "Accountability",
    "ACC-5": "Accountability",
    "ACC-6": "Accountability",
    "PART-1": "Partnership",
    "PART-2": "Partnership",
    "PART-3": "Partnership",
}
MEASURE_IDS: tuple[str, ...] = tuple(MEASURE_STANDARDS)
#: Measures whose value is a count, not a percentage.
COUNT_MEASURES = frozenset({"PROP-1", "PROP-2"})


@dataclass(frozen=True)
class StandardsConfig:
    """config/standards.toml: a target for every measure and the windows the measures use.

    Strict, closed to unknown keys and with no defaults (see `standards_config_from`), so a
    misspelt or missing setting is reported by name instead of silently taking a value nobody
    chose. A target is a percentage, or None for a measure reported without one ("trend").
    """

    acc1_working_days: int
    acc2_working_days: int
    repeat_window_days: int
    training_window_days: int
    targets: dict[str, int | float | None]
    required_training: dict[str, list[str]]

    def target(self, measure_id: str) -> int | float | None:
        """The measure's target percentage, or None for a trend measure."""
        return self.targets[measure_id]


#: The settings, in the order they are checked and reported: whole numbers with their least value.
_WINDOWS = {
    "acc1_working_days": 0,
    "acc2_working_days": 0,
    "repeat_window_days": 1,
    "training_window_days": 1,
}
_SETTINGS = (*_WINDOWS, "targets", "required_training")


def _target(value: object) -> int | float | None:
    """A target: a percentage from 0 to 100, or the text "trend" for a measure with none."""
    if value == TREND:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid('must be a percentage from 0 to 100 or "trend"')
    if not 0 <= value <= 100:
        raise Invalid("must be from 0 to 100")
    return value


def _shown_problem(key: str, value: object, message: str) -> str:
    """`key = value: message`, or `key: message` for a table or a list (too long to repeat)."""
    if isinstance(value, dict | list):
        return f"{key}: {message}"
    return f"{key} = {value!r}: {message}"


def _targets(value: object, problems: list[str]) -> dict[str, int | float | None] | None:
    """Every measure once, each a valid target; counts only "trend"."""
    if not isinstance(value, dict):
        problems.append(_shown_problem("targets", value, "Input should be a valid dictionary"))
        return None
    found = []
    unknown = unknown_keys(value, MEASURE_STANDARDS)
    if unknown:
        found.append(
            f"unknown measure id {', '.join(unknown)} (measure ids: {', '.join(MEASURE_IDS)})"
        )
    missing = [key for key in MEASURE_IDS if key not in value]
    if missing:
        found.append(f"missing measure id {', '.join(missing)}")
    if found:
        problems.append("targets: " + "; ".join(found))
        return None
    targets: dict[str, int | float | None] = {}
    broken = False
    for key in MEASURE_IDS:
        try:
            targets[key] = _target(value[key])
        except Invalid as exc:
            problems.append(_shown_problem(f"targets.{key}", value[key], str(exc)))
            broken = True
    if broken:
        return None
    counted = [key for key in sorted(COUNT_MEASURES) if targets[key] is not None]
    if counted:
        problems.append(f'targets: {", ".join(counted)} is a count: its target must be "trend"')
        return None
    return targets


def _required_training_of(value: object, problems: list[str]) -> dict[str, list[str]] | None:
    """Every contract role once, each requiring at least one known training type, none twice."""
    key = "required_training"
    if not isinstance(value, dict):
        problems.append(_shown_problem(key, value, "Input should be a valid dictionary"))
        return None
    shaped = True
    for role, types in value.items():
        if not isinstance(types, list):
            problems.append(_shown_problem(f"{key}.{role}", types, "Input should be a valid list"))
            shaped = False
            continue
        for position, item in enumerate(types):
            if not isinstance(item, str):
                problems.append(
                    _shown_problem(
                        f"{key}.{role}.{position}", item, "Input should be a valid string"
                    )
                )
                shaped = False
    if not shaped:
        return None
    found = []
    unknown = unknown_keys(value, TRAINING_ROLE.codes)
    if unknown:
        found.append(f"unknown role {', '.join(unknown)} (roles: {', '.join(TRAINING_ROLE.codes)})")
    missing = [role for role in TRAINING_ROLE.codes if role not in value]
    if missing:
        found.append(f"missing role {', '.join(missing)}")
    for role, types in value.items():
        bad = [t for t in types if t not in TRAINING_TYPE.codes]
        if not types:
            found.append(f"{role} must require at least one training type")
        elif bad:
            found.append(
                f"{role}: unknown training type {', '.join(bad)} "
                f"(types: {', '.join(TRAINING_TYPE.codes)})"
            )
        elif len(set(types)) != len(types):
            found.append(f"{role}: a training type is listed twice")
    if found:
        problems.append(f"{key}: " + "; ".join(found))
        return None
    return {role: list(types) for role, types in value.items()}


def standards_config_from(document: Mapping[str, Any], source: str = "config") -> StandardsConfig:
    """Validate a parsed standards configuration; BadInput naming every broken key otherwise
    (`key: missing`, `key: unknown setting`, `key = value: what is wrong`), settings in their
    order and unknown ones last."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key in _SETTINGS:
        if key not in document:
            problems.append(f"{key}: missing")
            continue
        value = document[key]
        if key in _WINDOWS:
            try:
                values[key] = whole_number(value, at_least=_WINDOWS[key])
            except Invalid as exc:
                problems.append(_shown_problem(key, value, str(exc)))
        elif key == "targets":
            values[key] = _targets(value, problems)
        else:
            values[key] = _required_training_of(value, problems)
    problems += [f"{key}: unknown setting" for key in unknown_keys(document, _SETTINGS)]
    if problems:
        raise BadInput(f"{source}: " + "; ".join(problems), problems)
    return StandardsConfig(**values)


#: The contract's own settings (CONTRACT.md section 5); config/standards.toml ships with these.
CONTRACT_DEFAULTS = standards_config_from(
    {
        "acc1_working_days": 1,
        "acc2_working_days": 20,
        "repeat_window_days": 365,
        "training_window_days": 730,
        "targets": {
            "EMP-1": 90,
            "EMP-2": 80,
            "EMP-3": 80,
            "PREV-1": TREND,
            "PREV-2": TREND,
            "PROT-1": 90,
            "PROP-1": TREND,
            "PROP-2": TREND,
            "PROP-3": 30,
            "ACC-1": 90,
            "ACC-2": 80,
            "ACC-3": TREND,
            "ACC-4": 90,
            "ACC-5": 15,
            "ACC-6": 90,
            "PART-1": 90,
            "PART-2": 90,
            "PART-3": TREND,
        },
        "required_training": {
            "all_staff": ["corporate_mandatory"],
            "asc_staff": ["corporate_mandatory", "asc_awareness"],
            "practitioner": ["corporate_mandatory", "asc_awareness", "asc_enquiry"],
            "operational_manager": ["corporate_mandatory", "asc_awareness", "asc_managers"],
        },
    },
    source="the contract's settings",
)


def load_standards_config(path: Path | str | None = None) -> StandardsConfig:
    """Read and validate config/standards.toml (or `path`), the whole file being the settings,
    through the one settings loader; BadInput naming the file and every broken key otherwise."""
    settings = read_section(path, default=CONFIG_PATH, section=None)
    return standards_config_from(settings.values, source=settings.shown)


def given_or_shipped(config: StandardsConfig | None) -> StandardsConfig:
    """The configuration given, else the one in config/standards.toml."""
    return config if config is not None else load_standards_config()
