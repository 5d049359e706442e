"""The settings of the Care Quality Commission (CQC) ratings feed: `[cqc]` of config/cqc.toml.

Rules (read through the one loader, sgoversight.config_file):
- Every setting has a default: a missing key takes it, a missing `[cqc]` section takes them all,
  and so does a missing config/cqc.toml; a file named explicitly that does not exist is an error.
- The section is strict and closed: a misspelt key, a value of the wrong kind, a category or
  severity that is not a code of the alert vocabularies, or an inspection age outside 1 to 20
  years is refused, every broken key named in one message.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sgoversight import vocabulary as v
from sgoversight.config_file import CONFIG_DIR, read_section

CONFIG_PATH = CONFIG_DIR / "cqc.toml"
CONFIG_SECTION = "cqc"


class CqcConfig(BaseModel):
    """`[cqc]` of config/cqc.toml (see the comments there). Strict and closed to unknown keys;
    codes are checked against the alert vocabularies."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    local_authority: str = ""
    gap_location_types: tuple[str, ...] = ("Social Care Org",)
    alert_category: str = "other"
    alert_severity: str = "high"
    inadequate_severity: str = "critical"
    inspection_older_than_years: int = Field(default=2, ge=1, le=20)

    @field_validator("alert_category")
    @classmethod
    def _category(cls, value: str) -> str:
        return _config_code(value, v.ALERT_CATEGORY)

    @field_validator("alert_severity", "inadequate_severity")
    @classmethod
    def _severity(cls, value: str) -> str:
        return _config_code(value, v.SEVERITY)


def _config_code(value: str, vocabulary: v.Vocabulary) -> str:
    if value not in vocabulary.codes:
        raise ValueError(f"'{value}' is not one of: {', '.join(vocabulary.codes)}")
    return value


def load_cqc_config(path: Path | str | None = None) -> CqcConfig:
    """Read and validate `[cqc]` (default file config/cqc.toml) by the module's rules; a broken
    value raises BadInput naming the file and every broken key."""
    section = read_section(
        path, default=CONFIG_PATH, section=CONFIG_SECTION, defaults_when_absent=path is None
    )
    values = dict(section.values)
    if isinstance(values.get("gap_location_types"), list):
        values["gap_location_types"] = tuple(values["gap_location_types"])
    try:
        return CqcConfig.model_validate(values)
    except ValidationError as exc:
        raise section.invalid(
            f"[{CONFIG_SECTION}] {'.'.join(str(p) for p in e['loc'])} = {e['input']!r}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        ) from exc
