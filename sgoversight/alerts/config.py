"""The alerts' settings: `[alerts]` of config/alerts.toml.

Rules: `response_days` (default 20, 1 to 365) is the response time an alert should be closed in;
`duplicate_window_days` (default 7, 1 to 90) is how far back possible duplicates are looked for;
`[alerts.raise_concern]` (optional; every part required when given) is where a safeguarding
concern is raised. Unknown or wrongly typed keys are reported, never silently defaulted.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sgoversight.config_file import CONFIG_DIR, read_section

CONFIG_PATH = CONFIG_DIR / "alerts.toml"
CONFIG_SECTION = "alerts"


class ConcernContact(BaseModel):
    """`[alerts.raise_concern]`: where a safeguarding concern is raised, shown to everyone who
    logs or reads an alert saying someone is at risk of harm. Every part is required."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    team: str = Field(min_length=2, max_length=120)
    phone: str = Field(min_length=6, max_length=40, pattern=r"^\+?[0-9][0-9 ()-]{4,}[0-9]$")
    email: str = Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: str = Field(min_length=5, max_length=300)

    def in_words(self) -> str:
        """One sentence: who, phone, e-mail and address."""
        return f"{self.team}: phone {self.phone}, e-mail {self.email}, or write to {self.address}"


class AlertConfig(BaseModel):
    """`[alerts]` of config/alerts.toml. Strict and closed to unknown keys, so a misspelt or quoted
    setting is reported rather than silently replaced by its default. `raise_concern` is optional
    (a council's file from before it existed still loads); without it the warning can only say
    "the council's adult social care team"."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    response_days: int = Field(default=20, ge=1, le=365)
    duplicate_window_days: int = Field(default=7, ge=1, le=90)
    raise_concern: ConcernContact | None = None

    def where_to_raise_a_concern(self) -> str:
        """Where a safeguarding concern is raised, in words."""
        if self.raise_concern is None:
            return "the council's adult social care team"
        return self.raise_concern.in_words()


def load_alert_config(path: Path | str | None = None) -> AlertConfig:
    """Read and validate `[alerts]` (default file config/alerts.toml) through the one settings
    loader (sgoversight.config_file.read_section). Rules: the file must exist; a missing section
    or key takes its default; every broken key is named, "[alerts] <key> = <value>: <why>", in one
    BadInput that names the file."""
    section = read_section(path, default=CONFIG_PATH, section=CONFIG_SECTION)
    try:
        return AlertConfig.model_validate(section.values)
    except ValidationError as exc:
        raise section.invalid(
            f"[{CONFIG_SECTION}] {'.'.join(str(p) for p in e['loc'])} = {e['input']!r}: {e['msg']}"
            for e in exc.errors()
        ) from exc
