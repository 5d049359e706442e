"""Column mappings for case-system extracts whose headers differ from the contract's.

A council maps its own headers once, in `config/import_mappings.toml`:

    [concerns]
    "Date received" = "received_on"
    "Client ref" = "person_id"

Rules: a section is an import kind (CONTRACT.md section 1); each key is a header as it appears in
the council's file (matched like contract headers: trimmed, case-insensitive, spaces and
underscores alike); each value is a column of that kind's contract file. A mapping may not name an
unknown kind or column, map two headers to one column, or map a header that is already a contract
column to a different one. A broken mapping is refused with a message naming the key, before any
file is read. Headers a file has that the mapping does not name are read as they are, so a file
using the contract's own headers still imports.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sgoversight.db import PROJECT_ROOT
from sgoversight.errors import BadInput
from sgoversight.schemas import ROW_SCHEMAS

DEFAULT_PATH = PROJECT_ROOT / "config" / "import_mappings.toml"

#: The longest header a mapping may name.
LONGEST_HEADER = 1_000

#: kind -> {normalised council header -> contract column}
ColumnMapping = dict[str, dict[str, str]]


def header_key(text: str) -> str:
    """A header as a column key: trimmed, lower case, runs of spaces and underscores as one `_`."""
    return "_".join(text.replace("\ufeff", "").replace("_", " ").lower().split())


def validate_mapping(raw: Mapping[str, Any], source: str = "import mappings") -> ColumnMapping:
    """Check a parsed mapping against the contract's files; return it with normalised headers.

    Raises BadInput listing every problem as `SOURCE: [kind] "header": message`.
    """
    problems: list[str] = []
    mapping: ColumnMapping = {}
    for kind, section in raw.items():
        schema = ROW_SCHEMAS.get(kind)
        if schema is None:
            problems.append(
                f"{source}: [{kind}]: unknown import kind; one of {', '.join(ROW_SCHEMAS)}"
            )
            continue
        if not isinstance(section, Mapping):
            problems.append(f"{source}: [{kind}]: must be a table of header = column pairs")
            continue
        columns = schema.columns()
        targets: dict[str, str] = {}
        kind_mapping: dict[str, str] = {}
        for header, column in section.items():
            where = f'{source}: [{kind}] "{header}"'
            key = header_key(str(header))
            if not key:
                problems.append(f"{where}: the header is blank")
                continue
            if len(str(header)) > LONGEST_HEADER:
                problems.append(f"{where}: longer than {LONGEST_HEADER:,} characters")
                continue
            if not isinstance(column, str) or column not in columns:
                problems.append(
                    f"{where}: maps to {column!r}, which is not a column of {kind}.csv "
                    f"({', '.join(columns)})"
                )
                continue
            if key in columns and key != column:
                problems.append(
                    f"{where}: is itself the contract column '{key}' and cannot be mapped to "
                    f"'{column}'"
                )
                continue
            if column in targets:
                problems.append(
                    f'{where}: maps to \'{column}\', which "{targets[column]}" already maps to'
                )
                continue
            if key in kind_mapping:
                problems.append(f"{where}: the same header is mapped twice")
                continue
            targets[column] = str(header)
            kind_mapping[key] = column
        mapping[kind] = kind_mapping
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise BadInput(f"{source}: {len(problems)} {noun} in the column mapping", problems)
    return mapping


def load_mapping(path: Path | str | None = None) -> ColumnMapping:
    """The validated mapping from `path` (default config/import_mappings.toml); none if absent."""
    path = Path(path) if path is not None else DEFAULT_PATH
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path.name}: not valid TOML: {exc}") from exc
    return validate_mapping(raw, path.name)


def apply_mapping(header: list[Any], kind_mapping: Mapping[str, str]) -> list[Any]:
    """The header with every mapped council header replaced by its contract column."""
    if not kind_mapping:
        return list(header)
    renamed: list[Any] = []
    for cell in header:
        text = str(cell) if cell is not None else ""
        # A header longer than any mapped one is left as it is (and never split into words).
        key = header_key(text) if len(text) <= LONGEST_HEADER else ""
        renamed.append(kind_mapping.get(key, cell))
    return renamed
