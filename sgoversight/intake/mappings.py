"""Header and value mappings for case-system extracts that differ from the contract's files.

A council maps its own headers and values once, in `config/import_mappings.toml`:

    [concerns]
    "Date received" = "received_on"
    "Client ref" = "person_id"

    [concerns.values.location]
    "Care Home (Res)" = "care_home_residential"

Rules for headers: a section is an import kind (CONTRACT.md section 1); each key is a header as it
appears in the council's file (matched like contract headers: trimmed, case-insensitive, spaces
and underscores alike); each value is a column of that kind's contract file. A mapping may not
name an unknown kind or column, map two headers to one column, or map a header that is already a
contract column to a different one. Headers a file has that the mapping does not name are read as
they are, so a file using the contract's own headers still imports.

Rules for values: a section `[KIND.values.COLUMN]` maps the extract's own values of one column to
that column's codes. A value is matched after the same folding as any enumerated value
(sgoversight.vocabulary.fold: case, accents, punctuation, brackets and spaces do not count). The
column must hold a listed value (a code or yes/no); each code must be one of that column's; one
value may not be mapped twice (two keys that fold alike), nor may a value that already reads as
a code be mapped to a different one. A value the mapping does not name is read as usual.

A broken mapping is refused before any file is read, with a message naming the file's line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sgoversight.config_file import CONFIG_DIR, KeyLines, key_lines, read_section
from sgoversight.errors import BadInput
from sgoversight.intake.schemas import ROW_SCHEMAS, Code, YesNo
from sgoversight.vocabulary import YES_NO, Vocabulary, fold

DEFAULT_PATH = CONFIG_DIR / "import_mappings.toml"

#: The longest header a mapping may name.
LONGEST_HEADER = 1_000

#: The key of a kind's section holding its value mappings: `[KIND.values.COLUMN]`.
VALUES_KEY = "values"

#: kind -> {normalised council header -> contract column}
ColumnMapping = dict[str, dict[str, str]]
#: kind -> {column -> {folded council value -> code}}
ValueMapping = dict[str, dict[str, dict[str, str]]]
#: (section as written between brackets, key) -> line number of the mapping file
_Lines = KeyLines  # (section, key) -> line number


@dataclass(frozen=True)
class ImportMappings:
    """A council's header mappings and value mappings, validated."""

    headers: ColumnMapping = field(default_factory=dict)
    values: ValueMapping = field(default_factory=dict)


def column_vocabulary(kind: str, column: str) -> Vocabulary | None:
    """The vocabulary of a contract column holding listed values (yes/no included); else None."""
    schema = ROW_SCHEMAS.get(kind)
    if schema is None or column not in schema.model_fields:
        return None
    cell = schema.cell(column)
    if isinstance(cell, Code):
        return cell.vocabulary
    if isinstance(cell, YesNo):
        return YES_NO
    return None


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (quoted, with TOML's escapes), ready to paste."""
    # JSON's escapes are TOML's; TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def mapping_line(key: str, value: str) -> str:
    """One `"key" = "value"` line of the mapping file."""
    return f"{toml_string(key)} = {toml_string(value)}"


def values_section(kind: str, column: str) -> str:
    """The section header under which a column's value mappings go: `[concerns.values.location]`."""
    return f"[{kind}.{VALUES_KEY}.{column}]"


def header_key(text: str) -> str:
    """A header as a column key: trimmed, lower case, runs of spaces and underscores as one `_`."""
    return "_".join(text.replace("\ufeff", "").replace("_", " ").lower().split())


def validate_mapping(raw: Mapping[str, Any], source: str = "import mappings") -> ColumnMapping:
    """Check a parsed mapping's header mappings; return them with normalised headers.

    Raises BadInput listing every problem (see `validate_mappings`).
    """
    return validate_mappings(raw, source).headers


def validate_mappings(
    raw: Mapping[str, Any], source: str = "import mappings", lines: _Lines | None = None
) -> ImportMappings:
    """Check a parsed mapping file against the contract's files (see the module's rules).

    Raises BadInput listing every problem as `SOURCE line N: [section] "key": message` (the line
    when `lines`, from `key_lines`, knows it).
    """
    lines = lines or {}
    problems: list[str] = []
    headers: ColumnMapping = {}
    values: ValueMapping = {}

    def where(section: str, key: str | None = None) -> str:
        line = lines.get((section, key if key is not None else ""))
        if line is None and key is None:
            # A section known only by its subsections ([complaints.values.location]): the first.
            inner = [
                n for (name, k), n in lines.items() if not k and name.startswith(section + ".")
            ]
            line = min(inner, default=None)
        place = f"{source} line {line}" if line else source
        return f"{place}: [{section}]" + (f" {toml_string(key)}" if key is not None else "")

    for kind, section in raw.items():
        if ROW_SCHEMAS.get(kind) is None:
            problems.append(f"{where(kind)}: unknown import kind; one of {', '.join(ROW_SCHEMAS)}")
            continue
        if not isinstance(section, Mapping):
            problems.append(f"{where(kind)}: must be a table of header = column pairs")
            continue
        value_tables = section.get(VALUES_KEY)
        has_values = isinstance(value_tables, Mapping)
        pairs = {k: c for k, c in section.items() if not (has_values and k == VALUES_KEY)}
        headers[kind] = _header_mapping(kind, pairs, where, problems)
        if has_values:
            found = _value_mapping(kind, value_tables, where, problems)
            if found:
                values[kind] = found
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise BadInput(f"{source}: {len(problems)} {noun} in the import mappings", problems)
    return ImportMappings(headers, values)


def _header_mapping(
    kind: str, section: Mapping[str, Any], where: Callable[..., str], problems: list[str]
) -> dict[str, str]:
    """Rule: each header maps to a column of the kind's file (see the module's rules)."""
    columns = ROW_SCHEMAS[kind].columns()
    targets: dict[str, str] = {}
    kind_mapping: dict[str, str] = {}
    for header, column in section.items():
        at = where(kind, str(header))
        key = header_key(str(header))
        if not key:
            problems.append(f"{at}: the header is blank")
            continue
        if len(str(header)) > LONGEST_HEADER:
            problems.append(f"{at}: longer than {LONGEST_HEADER:,} characters")
            continue
        if not isinstance(column, str) or column not in columns:
            problems.append(
                f"{at}: maps to {column!r}, which is not a column of {kind}.csv "
                f"({', '.join(columns)})"
            )
            continue
        if key in columns and key != column:
            problems.append(
                f"{at}: is itself the contract column '{key}' and cannot be mapped to '{column}'"
            )
            continue
        if column in targets:
            problems.append(
                f"{at}: maps to '{column}', which \"{targets[column]}\" already maps to"
            )
            continue
        if key in kind_mapping:
            problems.append(f"{at}: the same header is mapped twice")
            continue
        targets[column] = str(header)
        kind_mapping[key] = column
    return kind_mapping


def _value_mapping(
    kind: str, tables: Mapping[str, Any], where: Callable[..., str], problems: list[str]
) -> dict[str, dict[str, str]]:
    """Rule: each `[KIND.values.COLUMN]` maps values to codes of that column (module's rules)."""
    found: dict[str, dict[str, str]] = {}
    columns = ROW_SCHEMAS[kind].columns()
    for column, table in tables.items():
        section = f"{kind}.{VALUES_KEY}.{column}"
        if column not in columns:
            problems.append(
                f"{where(section)}: '{column}' is not a column of {kind}.csv ({', '.join(columns)})"
            )
            continue
        vocabulary = column_vocabulary(kind, column)
        if vocabulary is None:
            problems.append(
                f"{where(section)}: the column {column} holds no listed values (codes), so its "
                "values cannot be mapped"
            )
            continue
        if not isinstance(table, Mapping):
            problems.append(f"{where(section)}: must be a table of value = code pairs")
            continue
        mapped: dict[str, str] = {}
        first: dict[str, str] = {}
        for value, code in table.items():
            at = where(section, str(value))
            key = fold(str(value))
            if not key:
                problems.append(f"{at}: the value is blank (or only punctuation)")
                continue
            if not isinstance(code, str) or code not in vocabulary.codes:
                problems.append(
                    f"{at}: maps to {code!r}, which is not a code of {column} "
                    f"({', '.join(vocabulary.codes)})"
                )
                continue
            if key in first:
                problems.append(
                    f"{at}: the same value as {toml_string(first[key])} (case, accents, "
                    "punctuation and spaces do not count): map it once"
                )
                continue
            try:
                already: str | None = vocabulary.normalise(str(value))
            except ValueError:
                already = None
            if already is not None and already != code:
                problems.append(
                    f"{at}: already reads as the code '{already}' and cannot be mapped to '{code}'"
                )
                continue
            first[key] = str(value)
            mapped[key] = code
        if mapped:
            found[column] = mapped
    return found


def load_mappings(path: Path | str | None = None) -> ImportMappings:
    """The validated mappings from `path` (default config/import_mappings.toml); none if absent.

    Raises BadInput naming the file's line for a broken mapping, before any file is read. The
    file is read through the one settings loader (config_file.read_section), whole: each of its
    sections is an import kind, an unknown one is an error, and every problem names its line
    (config_file.key_lines).
    """
    settings = read_section(path, default=DEFAULT_PATH, section=None, defaults_when_absent=True)
    if not settings.text:
        return ImportMappings()
    return validate_mappings(settings.values, settings.shown, key_lines(settings.text))


def load_mapping(path: Path | str | None = None) -> ColumnMapping:
    """The validated header mappings from `path` (default config/import_mappings.toml)."""
    return load_mappings(path).headers


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
