"""Reading one section of a settings file in config/: the one loader every capability uses.

Rules (one policy and one message format for every settings file):
- The file is named in messages as a council would recognise it: relative to the project when it
  is inside it (`config/rag_thresholds.toml`), else as given.
- A file that does not exist is an error ("<file>: configuration file not found"), unless the
  settings all have defaults (`defaults_when_absent=True`), when it means "every default".
- A file that is not TOML is an error ("<file>: not valid TOML: <the parser's words>").
- A section that is not there: an error when the section's settings have no defaults
  (`section_required=True`: "<file>: [<section>]: missing (the [<section>] section)"); otherwise
  every setting takes its default. A section that is not a table of settings is an error
  ("<file>: [<section>] must be a table of settings").
- A file that holds one capability's settings only (config/standards.toml) is read whole
  (`section=None`): its top-level keys are the settings.
- Within a section, each capability's plain validator decides which keys have defaults; it lists
  every broken key, and `invalid` joins them in one message: "<file>: <problem>; <problem>".
  The checks of a single value that several capabilities share (`whole_number`, `true_or_false`)
  raise `Invalid` with the words a council has always read for them; `unknown_keys` lists the
  keys nobody reads, in the order they are written.
- A file whose problems name their lines (config/import_mappings.toml) finds each key's line with
  `key_lines` over the text the section was read from (`Section.text`).
Other sections of the same file belong to other capabilities and are not read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sgoversight.errors import BadInput
from sgoversight.paths import PROJECT_ROOT

#: Where the settings files live.
CONFIG_DIR = PROJECT_ROOT / "config"


def shown_path(path: Path) -> str:
    """The path as a council would recognise it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Section:
    """One section of a settings file, as read: its settings and the file as messages name it."""

    values: dict[str, Any]
    shown: str
    text: str = ""  # the whole file as read, for messages that name a line (key_lines)

    def invalid(self, problems: Iterable[str]) -> BadInput:
        """The one error for broken settings: the file, then every problem, joined by '; '."""
        return BadInput(f"{self.shown}: " + "; ".join(problems))


def read_section(
    path: Path | str | None,
    *,
    default: Path,
    section: str | None,
    section_required: bool = False,
    defaults_when_absent: bool = False,
) -> Section:
    """Read `[section]` of the TOML file at `path` (or `default`), by the rules of this module;
    `section=None` reads the whole file as the settings.

    Returns the section's table (empty when it is absent and not required) with the file's name
    as messages show it; raises BadInput for a missing file, a file that is not TOML, a required
    section that is absent, or a section that is not a table.
    """
    source = Path(path) if path is not None else default
    shown = shown_path(source)
    try:
        text = source.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except FileNotFoundError as exc:
        if defaults_when_absent:
            return Section({}, shown)
        raise BadInput(f"{shown}: configuration file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{shown}: not valid TOML: {exc}") from exc
    if section is None:
        return Section(document, shown, text)
    if section not in document:
        if section_required:
            raise BadInput(f"{shown}: [{section}]: missing (the [{section}] section)")
        return Section({}, shown, text)
    values = document[section]
    if not isinstance(values, dict):
        raise BadInput(f"{shown}: [{section}] must be a table of settings")
    return Section(values, shown, text)


#: Where each `[section]` and `key = value` line of a settings file is.
KeyLines = dict[tuple[str, str], int]


def key_lines(text: str) -> KeyLines:
    """Where each `[section]` and `key = value` line of a settings file is: (section, key) -> line
    number (a section's own line under the key ""). A line that is not one simple key is skipped
    (its problems are then named without a line)."""
    found: KeyLines = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            parsed: Any = tomllib.loads(stripped)
        except tomllib.TOMLDecodeError:
            continue
        if stripped.startswith("["):
            path: list[str] = []
            while isinstance(parsed, dict) and len(parsed) == 1:
                name, parsed = next(iter(parsed.items()))
                path.append(name)
            section = ".".join(path)
            found.setdefault((section, ""), number)
        elif len(parsed) == 1 and not isinstance(next(iter(parsed.values())), dict):
            found.setdefault((section, next(iter(parsed))), number)
    return found


class Invalid(ValueError):
    """One broken value, in the words its problem is reported with."""


def whole_number(value: object, *, at_least: int | None = None, at_most: int | None = None) -> int:
    """A whole number (never text, a decimal or true/false) within the bounds given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("Input should be a valid integer")
    if at_least is not None and value < at_least:
        raise Invalid(f"Input should be greater than or equal to {at_least}")
    if at_most is not None and value > at_most:
        raise Invalid(f"Input should be less than or equal to {at_most}")
    return value


def true_or_false(value: object) -> bool:
    """true or false as TOML writes them (never 1, 0 or text)."""
    if not isinstance(value, bool):
        raise Invalid("Input should be a valid boolean")
    return value


def unknown_keys(values: Mapping[str, Any], known: Iterable[str]) -> list[str]:
    """The keys of `values` that are not settings, in the order they are written."""
    names = set(known)
    return [str(key) for key in values if key not in names]
