"""Free-text search of the app's long tables: one matching rule for every list.

Rule: a search is split into words at its spaces, and each word is folded the way enumerated
values are (sgoversight.vocabulary.fold: case, accents, apostrophes and punctuation do not count,
so "PRV-0012" reads as "prv 0012" and "Don't" as "dont"). A row matches when every word, so
folded, appears somewhere inside at least one of the row's searched fields, folded the same way;
different words may be found in different fields. A word that folds to nothing (only punctuation
or symbols) is left out, and a search with no words left matches every row. The search is
plain text: Markdown, regular-expression characters and wildcards are never interpreted, and only
the first MAX_SEARCH characters count.

Which fields are searched is each caller's choice, and only ever fields the person may already
see: the lists are scoped in the domain reads before they are searched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from sgoversight.vocabulary import fold

#: The longest search read, in characters (a longer one is cut here).
MAX_SEARCH = 200

Row = TypeVar("Row")


def search_words(search: str | None) -> tuple[str, ...]:
    """The folded words of `search` (see the module's rule): split at spaces, each folded, the
    empty ones dropped, duplicates kept once, in the order typed."""
    words: list[str] = []
    for typed in (search or "")[:MAX_SEARCH].split():
        word = fold(typed)
        if word and word not in words:
            words.append(word)
    return tuple(words)


def fields_match(words: Sequence[str], fields: Iterable[object]) -> bool:
    """Rule: every one of `words` (already folded, as from search_words) appears inside at least
    one of `fields` after folding; a missing field (None) is blank text. No words: a match."""
    if not words:
        return True
    return folded_match(words, [fold_field(str(value)) for value in fields if value is not None])


def folded_match(words: Sequence[str], folded: Sequence[str]) -> bool:
    """fields_match for fields already folded (fold_field, fold_column)."""
    return all(any(word in text for text in folded) for word in words)


_SEPARATOR = "\x1f"  # the "unit separator": never typed, and never part of a folded word
#: Plain ASCII folded by one byte lookup per character: letters lowered, digits kept, every other
#: character a space (apostrophes are dropped first): vocabulary.fold's rule for text that has no
#: accents.
_ASCII_FOLD = bytes(
    code if chr(code).isalnum() or chr(code) == _SEPARATOR else ord(" ") for code in range(256)
).lower()
_APOSTROPHES = b"'`"


def _fold_ascii(text: str) -> str:
    return text.encode("ascii").translate(_ASCII_FOLD, _APOSTROPHES).decode("ascii")


def fold_field(text: str) -> str:
    """The same text as sgoversight.vocabulary.fold, reached quicker for plain ASCII text (most
    of what a table holds), which has no accents to remove and folds case by lowering."""
    if not text.isascii():
        return fold(text)
    return " ".join(_fold_ascii(text).split())


def fold_column(texts: Sequence[str]) -> list[str]:
    """fold_field of each of `texts`, in one pass over a column that is all plain ASCII text (a
    long table's search folds thousands of cells on every run)."""
    if not texts:
        return []
    joined = _SEPARATOR.join(text.replace(_SEPARATOR, " ") for text in texts)
    if not joined.isascii():
        return [fold_field(text) for text in texts]
    folded = _fold_ascii(joined)
    return [" ".join(part.split()) for part in folded.split(_SEPARATOR)]


def matching(
    rows: Iterable[Row], search: str | None, fields: Callable[[Row], Iterable[object]]
) -> list[Row]:
    """The rows, in their order, whose `fields(row)` match `search` by the module's rule."""
    words = search_words(search)
    if not words:
        return list(rows)
    return [row for row in rows if fields_match(words, fields(row))]


def is_active(search: str | None) -> bool:
    """Whether `search` narrows a list at all: it has at least one word after folding."""
    return bool(search_words(search))
