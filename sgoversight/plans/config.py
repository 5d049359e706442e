"""config/provider_staff.toml [provider_staff]: what provider staff see beyond their own plan.

- `show_monthly_rating` (true or false, default false): whether they also see their service's
  monthly rating for the last complete month, with its reasons.
- A missing file or section means the defaults; an unknown key, or a value that is not true or
  false, is refused naming the key (config_file.read_section's one message format).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sgoversight.config_file import CONFIG_DIR, read_section, unknown_keys

PROVIDER_STAFF_CONFIG = CONFIG_DIR / "provider_staff.toml"
SECTION = "provider_staff"


@dataclass(frozen=True)
class ProviderStaffConfig:
    """config/provider_staff.toml [provider_staff]: what provider staff see beyond their plan."""

    show_monthly_rating: bool = False


def load_provider_staff_config(path: Path | str | None = None) -> ProviderStaffConfig:
    """The [provider_staff] settings; a missing file or section means the defaults (rating not
    shown); an unknown key or a value of the wrong kind is BadInput naming the key."""
    section = read_section(
        path, default=PROVIDER_STAFF_CONFIG, section=SECTION, defaults_when_absent=True
    )
    known = {"show_monthly_rating"}
    problems = [
        f"[{SECTION}] {key}: unknown setting (the settings are {', '.join(sorted(known))})"
        for key in unknown_keys(section.values, known)
    ]
    show = section.values.get("show_monthly_rating", False)
    if not isinstance(show, bool):
        problems.insert(0, f"[{SECTION}] show_monthly_rating: must be true or false, not {show!r}")
    if problems:
        raise section.invalid(problems)
    return ProviderStaffConfig(show_monthly_rating=show)
