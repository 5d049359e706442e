"""The one loader of settings files: its missing-file, missing-section and error-format rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgoversight.config_file import CONFIG_DIR, read_section, shown_path
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
