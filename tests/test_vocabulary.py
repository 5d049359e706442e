"""Enumerated values read forgivingly but exactly: case, accents, apostrophes, punctuation,
underscores, hyphens, brackets and repeated spaces do not count, and a value reads as a code only
when exactly one code matches."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgoversight import vocabulary as v

VOCABULARIES = [value for value in vars(v).values() if isinstance(value, v.Vocabulary)]
NAMED = [(voc.name, code, text) for voc in VOCABULARIES for code, label in voc.labels.items()
         for text in (code, label)]


@pytest.mark.parametrize(
    "written",
    [
        "Care Home - Residential",
        "care home (residential)",
        "Care home residential",
        "care_home_residential",
        "CARE-HOME-RESIDENTIAL",
        "  Care   home:  residential ",
        "Care home – residential",
        "[Care home] residential",
    ],
)
def test_every_spelling_of_a_location_reads_as_its_code(written: str) -> None:
    assert v.LOCATION.normalise(written) == "care_home_residential"


def test_accents_and_curly_apostrophes_do_not_count() -> None:
    assert v.SEVERITY.normalise("Médium") == "medium"
    assert v.OUTCOMES_ASKED.normalise("Don’t know") == "dont_know"
    assert v.LACKED_CAPACITY.normalise("dont know") == "dont_know"


def test_an_unknown_value_lists_the_codes() -> None:
    with pytest.raises(ValueError, match=r"'urgent' is not one of: low, medium, high, critical"):
        v.SEVERITY.normalise("urgent")


def test_a_fold_shared_by_two_codes_is_an_error_naming_both() -> None:
    clash = v.Vocabulary("clash_test", {"care_home": "Care home", "care-home": "Care home (old)"})
    with pytest.raises(ValueError, match=r"could be any of: care_home, care-home"):
        clash.normalise("Care Home")
    assert clash.normalise("care home old") == "care-home"


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda voc: voc.name)
def test_no_two_codes_of_a_contract_vocabulary_fold_alike(vocabulary: v.Vocabulary) -> None:
    for code, label in vocabulary.labels.items():
        assert vocabulary.normalise(code) == code
        assert vocabulary.normalise(label) == code


_SEPARATORS = st.sampled_from([" ", "  ", "_", "-", " - ", "–", "(", ")", "[", "]", ":", ", ", "/"])


@st.composite
def _mangled(draw: st.DrawFn) -> tuple[v.Vocabulary, str, str]:
    """A contract code or label, mangled: case changed, accents added, separators swapped or
    added between words, brackets and spaces around it."""
    name, code, text = draw(st.sampled_from(NAMED))
    vocabulary = next(voc for voc in VOCABULARIES if voc.name == name)
    words = v.fold(text).split(" ")
    out = []
    for word in words:
        chars = []
        for char in word:
            char = char.upper() if draw(st.booleans()) else char
            if char.lower() in "aeiou" and draw(st.integers(0, 5)) == 0:
                char = unicodedata.normalize("NFC", char + "\u0301")  # an acute accent
            chars.append(char)
        out.append("".join(chars))
    joined = out[0]
    for word in out[1:]:
        joined += draw(_SEPARATORS) + word
    return vocabulary, code, draw(st.sampled_from(["", " ", "("])) + joined + draw(
        st.sampled_from(["", " ", ")", "  "])
    )


@settings(max_examples=400, deadline=None)
@given(_mangled())
def test_every_code_and_label_mangled_reads_back_as_itself(
    case: tuple[v.Vocabulary, str, str],
) -> None:
    vocabulary, code, written = case
    assert vocabulary.normalise(written) == code


def test_an_unknown_value_close_to_a_code_suggests_it() -> None:
    with pytest.raises(ValueError, match=r"did you mean care_home_residential\?$"):
        v.LOCATION.normalise("Care Hom Residental")


def test_a_value_close_to_nothing_suggests_nothing() -> None:
    with pytest.raises(ValueError) as caught:
        v.SEVERITY.normalise("zzz")
    assert "did you mean" not in str(caught.value)
    assert v.SEVERITY.closest("zzz") == []
