"""The one loader of settings files: its missing-file, missing-section and error-format rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgoversight.config_file import (
    CONFIG_DIR,
    Invalid,
    key_lines,
    read_section,
    shown_path,
    true_or_false,
    unknown_keys,
    whole_number,
)
from sgoversight.errors import BadInput


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_only_the_named_section(tmp_path: Path) -> None:
    path = _file(tmp_path, "[weekly]\na = 1\n[other]\nb = 2\n")
    section = read_section(path, default=path, section="weekly")
    assert section.values == {"a": 1}
    assert section.shown == str(path)


def test_a_file_inside_the_project_is_named_from_the_project() -> None:
    assert shown_path(CONFIG_DIR / "alerts.toml") == "config/alerts.toml"


def test_a_missing_file_is_an_error_unless_every_setting_has_a_default(tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    with pytest.raises(BadInput, match=r"absent\.toml: configuration file not found$"):
        read_section(absent, default=absent, section="x")
    section = read_section(absent, default=absent, section="x", defaults_when_absent=True)
    assert section.values == {}


def test_the_default_file_is_used_when_no_path_is_given(tmp_path: Path) -> None:
    path = _file(tmp_path, "[x]\nk = true\n")
    assert read_section(None, default=path, section="x").values == {"k": True}


@pytest.mark.parametrize(
    ("text", "required", "message"),
    [
        ("[x\n", False, "not valid TOML"),
        ("x = 3\n", False, r"\[x\] must be a table of settings"),
        ("[y]\n", True, r"\[x\]: missing \(the \[x\] section\)"),
    ],
)
def test_broken_files_name_the_file_and_the_section(
    tmp_path: Path, text: str, required: bool, message: str
) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(BadInput, match=rf"^{path}: {message}"):
        read_section(path, default=path, section="x", section_required=required)


def test_an_absent_optional_section_means_every_default(tmp_path: Path) -> None:
    path = _file(tmp_path, "[y]\nk = 1\n")
    assert read_section(path, default=path, section="x").values == {}


def test_every_problem_is_listed_in_one_message(tmp_path: Path) -> None:
    path = _file(tmp_path, "[x]\n")
    error = read_section(path, default=path, section="x").invalid(["a: missing", "b: unknown"])
    assert str(error) == f"{path}: a: missing; b: unknown"


def test_a_whole_file_is_read_as_the_settings_when_no_section_is_named(tmp_path: Path) -> None:
    path = _file(tmp_path, "a = 1\n[b]\nc = 2\n")
    assert read_section(path, default=path, section=None).values == {"a": 1, "b": {"c": 2}}
    with pytest.raises(BadInput, match="not valid TOML"):
        read_section(_file(tmp_path, "a = [\n"), default=path, section=None)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("3", "Input should be a valid integer"),
        (2.0, "Input should be a valid integer"),
        (True, "Input should be a valid integer"),
        ([1], "Input should be a valid integer"),
        (0, "Input should be greater than or equal to 1"),
        (13, "Input should be less than or equal to 12"),
    ],
)
def test_a_whole_number_is_checked_in_the_words_councils_know(value: object, words: str) -> None:
    with pytest.raises(Invalid) as raised:
        whole_number(value, at_least=1, at_most=12)
    assert str(raised.value) == words


def test_a_whole_number_within_its_bounds_is_kept() -> None:
    assert whole_number(1, at_least=1, at_most=12) == 1
    assert whole_number(12, at_least=1, at_most=12) == 12
    assert whole_number(-5) == -5


@pytest.mark.parametrize("value", [1, 0, "yes", "true", None])
def test_only_true_or_false_is_a_switch(value: object) -> None:
    with pytest.raises(Invalid, match=r"^Input should be a valid boolean$"):
        true_or_false(value)


def test_a_switch_is_kept() -> None:
    assert true_or_false(True) is True
    assert true_or_false(False) is False


def test_unknown_keys_are_listed_in_the_order_written() -> None:
    assert unknown_keys({"z": 1, "a": 2, "b": 3, "y": 4}, ("a", "b")) == ["z", "y"]
    assert unknown_keys({"a": 1}, ("a", "b")) == []


def test_key_lines_name_the_line_of_each_section_and_key(tmp_path: Path) -> None:
    path = _file(tmp_path, '# a comment\n[alerts.headers]\n"Date raised" = "raised_on"\n\nx = 1\n')
    section = read_section(path, default=path, section=None)
    assert key_lines(section.text) == {
        ("alerts.headers", ""): 2,
        ("alerts.headers", "Date raised"): 3,
        ("alerts.headers", "x"): 5,
    }


def test_a_file_that_is_not_text_is_not_valid_toml(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"\xff\xfe[x]\n")
    with pytest.raises(BadInput, match="not valid TOML"):
        read_section(path, default=path, section="x")
