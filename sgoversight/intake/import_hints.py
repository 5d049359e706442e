"""What to add to config/import_mappings.toml so a rejected extract imports: one hint per
unknown header and per unknown value, with the closest column or code and the mapping line.

Rules:
- An unknown value is a non-blank text in a column of listed values (codes, yes/no) that names
  no single code (sgoversight.vocabulary). It is listed once per column and folded text
  (`vocabulary.fold`: how a mapping matches it), as first written, with the number of rows
  holding it and the first such row.
- Its suggestion is the one or two closest codes (`Vocabulary.closest`, rapidfuzz), or, for a
  value that could mean several codes, those codes. Its mapping line maps it to the first
  suggestion, under `[KIND.values.COLUMN]`; with no suggestion the code is left blank for a
  person to choose.
- An unknown header is listed once; its suggestion is the closest column of the file that the
  header row lacks (required ones first), by rapidfuzz's weighted ratio of at least
  HEADER_CUTOFF out of 100, and its mapping line goes under `[KIND]`.
- At most MOST_VALUES different unknown values are listed per file (a damaged file may hold
  millions); the rest are counted as `more`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sgoversight.intake.mappings import column_vocabulary, header_key, mapping_line, values_section
from sgoversight.intake.schemas import SPREADSHEET_ERRORS
from sgoversight.vocabulary import fold

#: Different unknown values listed for one file.
MOST_VALUES = 1_000
#: A longer text names no code (and is refused for its length, not listed here).
LONGEST_VALUE = 100
#: How close (0 to 100, rapidfuzz's weighted ratio) a column must be to an unknown header.
HEADER_CUTOFF = 70


@dataclass(frozen=True)
class UnknownText:
    """An unknown header (`column` blank) or an unknown value of `column`, once, with its hint."""

    text: str
    column: str = ""
    rows: int = 0
    first_row: int = 1
    suggestions: list[str] = field(default_factory=list)
    section: str = ""
    line: str = ""

    @property
    def is_header(self) -> bool:
        return not self.column

    def __str__(self) -> str:
        """`FILE`-less hint: what it is, how often, the suggestion and the line to add."""
        if self.is_header:
            what = f'unknown header "{self.text}"'
        else:
            rows = f"{self.rows:,} row" + ("" if self.rows == 1 else "s")
            what = (
                f'{self.column}: unknown value "{self.text}" in {rows} (first row {self.first_row})'
            )
        if not self.suggestions:
            return f"{what}; no close match"
        return (
            f"{what}; did you mean {' or '.join(self.suggestions)}? "
            f"Add under {self.section}: {self.line}"
        )


@dataclass
class ValueTally:
    """Unknown values as rows are checked: (column, folded text) -> [text, rows, first row]."""

    found: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    more: int = 0

    def add(self, column: str, raw: Iterable[Any], numbers: Sequence[int]) -> None:
        """Count the unknown values among one batch's invalid cells of `column` (`raw`, with
        their spreadsheet row numbers)."""
        for value, number in zip(raw, numbers, strict=True):
            text = unknown_text(value)
            if text is None:
                continue
            key = (column, fold(text))
            entry = self.found.get(key)
            if entry is not None:
                entry[1] += 1
            elif len(self.found) < MOST_VALUES:
                self.found[key] = [text, 1, number]
            else:
                self.more += 1


def unknown_text(value: Any) -> str | None:
    """The text of a cell that could name a code but does not (see the module's rules): None
    for a blank, an over-long text, a spreadsheet error, a formula or a non-text cell."""
    if type(value) is not str:
        return None
    text = " ".join(value.split())
    if not text or len(text) > LONGEST_VALUE or text.upper() in SPREADSHEET_ERRORS:
        return None
    if not fold(text):
        return None
    return text


def value_hints(kind: str, tally: ValueTally) -> list[UnknownText]:
    """One hint per unknown value counted, most frequent first."""
    hints = []
    for (column, _folded), (text, rows, first_row) in tally.found.items():
        vocabulary = column_vocabulary(kind, column)
        if vocabulary is None:
            continue
        suggestions = list(vocabulary.matches(text)) or vocabulary.closest(text)
        hints.append(
            UnknownText(
                text=text,
                column=column,
                rows=rows,
                first_row=first_row,
                suggestions=suggestions,
                section=values_section(kind, column),
                line=mapping_line(text, suggestions[0] if suggestions else ""),
            )
        )
    return sorted(hints, key=lambda h: (h.column, -h.rows, h.first_row))


def header_hints(
    unknown: Sequence[str], missing: Sequence[str], absent: Sequence[str], kind: str
) -> list[UnknownText]:
    """One hint per unknown header: the closest of the `missing` required columns, else of the
    other `absent` columns (see the module's rules)."""
    from rapidfuzz import fuzz, process  # loaded only for a rejected file

    hints = []
    for header in unknown:
        spoken = header_key(header).replace("_", " ")
        best = None
        for choices in (missing, absent):
            found = process.extractOne(
                spoken,
                {c: c.replace("_", " ") for c in choices},
                scorer=fuzz.WRatio,
                score_cutoff=HEADER_CUTOFF,
            )
            if found:
                best = found[2]
                break
        hints.append(
            UnknownText(
                text=header,
                suggestions=[best] if best else [],
                section=f"[{kind}]",
                line=mapping_line(header, best or ""),
            )
        )
    return hints


def mapping_block(hints: Sequence[UnknownText]) -> str:
    """The lines to add to config/import_mappings.toml for every hint with a suggestion, under
    their section headers (a section already in the file takes only its lines)."""
    sections: dict[str, list[str]] = {}
    for hint in hints:
        if hint.suggestions:
            sections.setdefault(hint.section, []).append(hint.line)
    return "\n\n".join(f"{section}\n" + "\n".join(lines) for section, lines in sections.items())


def with_lines_added(text: str, hints: Sequence[UnknownText]) -> str:
    """Rule: the mapping file's `text` with every suggested line added at the end of its section
    (a section the file lacks is added at the end), so the result is one valid mapping file."""
    from sgoversight.config_file import key_lines

    wanted: dict[str, list[str]] = {}
    for hint in hints:
        if hint.suggestions:
            wanted.setdefault(hint.section, []).append(hint.line)
    lines = text.splitlines()
    starts = sorted(
        (number - 1, name) for (name, key), number in key_lines(text).items() if not key
    )
    # Insert from the bottom up, so the line numbers above stay right.
    for index in range(len(starts) - 1, -1, -1):
        start, name = starts[index]
        added = wanted.pop(f"[{name}]", None)
        if added is None:
            continue
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = added
    for section, added in wanted.items():
        lines += ["", section, *added]
    return "\n".join(lines) + "\n"
