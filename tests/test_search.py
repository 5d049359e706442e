"""The one free-text search rule of the long tables: every word typed appears, folded, in at
least one searched field; Markdown, regular-expression characters and wildcards are plain text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sgoversight.search import (
    MAX_SEARCH,
    fields_match,
    fold_column,
    fold_field,
    is_active,
    matching,
    search_words,
)
from sgoversight.vocabulary import fold

ROWS = [
    ("PRV-0012", "Ash Lodge", "Medication errors on two night shifts"),
    ("PRV-0048", "Kestrelwell Care Home", "Staffing: agency use above 40%"),
    ("PRV-0101", "Café Ñandú", "Don't know who the manager is"),
    ("PRV-0200", "Birch [House](http://evil.example)", "*urgent* review"),
]


def _ids(search: str) -> list[str]:
    return [row[0] for row in matching(ROWS, search, lambda row: row)]


def test_a_word_matches_inside_any_field_ignoring_case() -> None:
    assert _ids("ash") == ["PRV-0012"]
    assert _ids("MEDICATION") == ["PRV-0012"]
    assert _ids("kestrel") == ["PRV-0048"]


def test_every_word_must_appear_but_each_may_be_in_a_different_field() -> None:
    assert _ids("ash night") == ["PRV-0012"]  # name, then what happened
    assert _ids("ash agency") == []  # no row has both
    assert _ids("  care   home  ") == ["PRV-0048"]


def test_accents_apostrophes_and_punctuation_do_not_count() -> None:
    assert _ids("cafe nandu") == ["PRV-0101"]
    assert _ids("dont") == ["PRV-0101"]
    assert _ids("don’t") == ["PRV-0101"]
    assert _ids("prv0012") == []  # a word is not glued to the next one
    assert _ids("prv-0012") == ["PRV-0012"]
    assert _ids("PRV 0012") == ["PRV-0012"]  # two words, both in the id


def test_a_typed_word_keeps_its_own_parts_together() -> None:
    # "prv-0012" is one word: "prv 0012" must appear as such, not "prv" in one place and "0012"
    # anywhere else.
    assert fields_match(search_words("prv-0012"), ["PRV-0099", "0012 places"]) is False
    assert fields_match(search_words("prv 0012"), ["PRV-0099", "0012 places"]) is True


def test_markdown_and_regular_expression_characters_are_plain_text() -> None:
    assert _ids("[House](http://evil.example)") == ["PRV-0200"]
    assert _ids("*urgent*") == ["PRV-0200"]
    assert _ids("40%") == ["PRV-0048"]
    assert _ids(".*") == [row[0] for row in ROWS]  # only punctuation: no words, every row
    assert _ids("(a|b)+$") == []  # "a b" is not in any row: no pattern is run
    assert _ids("^ash") == ["PRV-0012"]
    assert _ids("%") == [row[0] for row in ROWS]
    assert not is_active("*** ... %%%")


def test_no_search_shows_every_row_in_its_order() -> None:
    for search in (None, "", "   ", "\n\t"):
        assert _ids(search) == [row[0] for row in ROWS]
        assert not is_active(search)


def test_a_very_long_search_is_cut_at_the_limit_and_still_runs() -> None:
    words = search_words("ash " * 10_000)
    assert words == ("ash",)
    long = "x" * (MAX_SEARCH + 50)
    assert search_words(long) == ("x" * MAX_SEARCH,)
    assert _ids("medication " + "z" * (MAX_SEARCH * 3)) == []  # no row holds the z's
    assert _ids("z" * (MAX_SEARCH * 3) + " medication") == []  # the limit cuts "medication" off


def test_missing_fields_are_blank_and_numbers_and_dates_are_text() -> None:
    assert fields_match(search_words("none"), [None, 12]) is False
    assert fields_match(search_words("12"), [None, 12]) is True


@given(st.text(max_size=60), st.lists(st.text(max_size=40), max_size=4))
def test_a_field_always_matches_itself_typed_back(typed: str, others: list[str]) -> None:
    # Whatever was stored, searching for it exactly as shown finds the row that holds it.
    assert fields_match(search_words(typed), [*others, typed])


@given(st.text(max_size=40), st.text(max_size=40))
def test_adding_a_word_never_finds_more(first: str, second: str) -> None:
    narrower = matching(ROWS, f"{first} {second}", lambda row: row)
    assert all(row in matching(ROWS, first, lambda row: row) for row in narrower)


@given(st.text(max_size=80))
def test_the_quick_fold_for_fields_is_the_vocabulary_fold(text: str) -> None:
    assert fold_field(text) == fold(text)
    assert fold_field(text.encode("ascii", "ignore").decode()) == fold(
        text.encode("ascii", "ignore").decode()
    )


@given(st.lists(st.text(max_size=30) | st.text(alphabet=st.characters(max_codepoint=127))))
def test_a_column_folds_cell_by_cell_the_same(texts: list[str]) -> None:
    assert fold_column(texts) == [fold(text) for text in texts]
