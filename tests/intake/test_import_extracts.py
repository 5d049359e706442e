"""Real extracts import as they come: value mappings, hints for a rejected file, and the
encodings and separators real exports are written in.

Rules: sgoversight.intake.mappings (value mappings, refused before any file is read, naming the
line), sgoversight.intake.import_hints (each unknown header and value once, with a suggestion and
the mapping line), sgoversight.intake.sheets.csv_encoding (UTF-8 with or without BOM,
Windows-1252, UTF-16 with a BOM; comma, semicolon or tab from the header line).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.errors import BadInput
from sgoversight.intake.import_hints import with_lines_added
from sgoversight.intake.import_jobs import _report_from, _report_to
from sgoversight.intake.mappings import DEFAULT_PATH, ImportMappings, load_mappings, toml_string
from sgoversight.intake.sheets import ImportLimits
from sgoversight.store.models import Provider, SafeguardingConcern
from tests.fixtures.importing import counts, csv_bytes, good_row, run, seed
from tests.support.cli import run_cli


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Engine:
    seed(sqlite_engine)
    return sqlite_engine


def _mappings(tmp_path: Path, text: str) -> ImportMappings:
    path = tmp_path / "import_mappings.toml"
    path.write_text(text, encoding="utf-8")
    return load_mappings(path)


def _locations(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(SafeguardingConcern.location).order_by(SafeguardingConcern.concern_id)
            )
        )


# --- value mappings -------------------------------------------------------------------------------


def test_mapped_values_import_as_their_codes_whatever_the_spelling(
    seeded: Engine, tmp_path: Path
) -> None:
    mappings = _mappings(
        tmp_path,
        '[concerns.values.location]\n"Care Home (Res)" = "care_home_residential"\n'
        '[concerns.values.action_taken]\n"Y" = "yes"\n',
    )
    rows = [
        good_row("concerns", 1, location="Care Home (Res)", action_taken="Y"),
        good_row("concerns", 2, location="care home - RES", action_taken="y"),
        good_row("concerns", 3, location="Own home"),  # not mapped: read as usual
    ]
    report = run(seeded, "concerns", csv_bytes(rows), mapping=mappings)
    assert report.ok, [str(p) for p in report.problems]
    assert _locations(seeded) == ["care_home_residential", "care_home_residential", "own_home"]


def test_the_shipped_mapping_reads_the_case_systems_wording(seeded: Engine) -> None:
    rows = [good_row("concerns", location="Care Home (Nurs)")]
    report = run(seeded, "concerns", csv_bytes(rows), mapping=load_mappings(DEFAULT_PATH))
    assert report.ok, [str(p) for p in report.problems]
    assert _locations(seeded) == ["care_home_nursing"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[concerns.values.locaton]\n"Res" = "care_home_residential"\n',
            "import_mappings.toml line 1: [concerns.values.locaton]: 'locaton' is not a column",
        ),
        (
            '[concerns]\n"Client ref" = "person_id"\n\n[concerns.values.person_id]\n"X" = "y"\n',
            "import_mappings.toml line 4: [concerns.values.person_id]: the column person_id "
            "holds no listed values",
        ),
        (
            '[concerns.values.location]\n"Own" = "own_home"\n"Res" = "residential"\n',
            'import_mappings.toml line 3: [concerns.values.location] "Res": maps to '
            "'residential', which is not a code of location",
        ),
        (
            '[concerns.values.location]\n"Care Home (Res)" = "care_home_residential"\n'
            '"care home - res" = "care_home_nursing"\n',
            'import_mappings.toml line 3: [concerns.values.location] "care home - res": the same '
            'value as "Care Home (Res)"',
        ),
        (
            '[concerns.values.location]\n"Own home" = "community"\n',
            'import_mappings.toml line 2: [concerns.values.location] "Own home": already reads '
            "as the code 'own_home'",
        ),
        (
            '[complaints.values.location]\n"Res" = "care_home_residential"\n',
            "import_mappings.toml line 1: [complaints]: unknown import kind",
        ),
    ],
    ids=[
        "unknown-column",
        "no-vocabulary",
        "unknown-code",
        "mapped-twice",
        "reads-as-other",
        "kind",
    ],
)
def test_a_broken_value_mapping_is_refused_naming_its_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(BadInput) as caught:
        _mappings(tmp_path, text)
    # The file is named as every settings file is: as given, when outside the project.
    named = [p.removeprefix(f"{tmp_path}/") for p in caught.value.problems]
    assert any(problem.startswith(expected) for problem in named), caught.value.problems


def test_a_broken_mapping_is_refused_before_the_file_is_read(
    seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sgoversight.auth import SYSTEM
    from sgoversight.intake import mappings
    from sgoversight.intake.importing import import_file

    broken = tmp_path / "import_mappings.toml"
    broken.write_text('[concerns.values.location]\n"Res" = "nowhere"\n', encoding="utf-8")
    monkeypatch.setattr(mappings, "DEFAULT_PATH", broken)
    before = counts(seeded)
    # The file does not exist: had it been read first, the report would say so instead.
    with pytest.raises(BadInput) as caught:
        import_file(seeded, "concerns", tmp_path / "absent.csv", actor=SYSTEM)
    assert caught.value.problems[0].startswith(
        f"{broken} line 2: [concerns.values.location] \"Res\": maps to 'nowhere'"
    )
    assert counts(seeded) == before


# --- hints for a rejected file --------------------------------------------------------------------


def _rejected_extract() -> bytes:
    """Concerns where three rows say a location the app does not know, two of them alike."""
    rows = [
        good_row("concerns", 1, location="Residential care home"),
        good_row("concerns", 2, location="residential  CARE home"),
        good_row("concerns", 3, location="Hosp - acute"),
        good_row("concerns", 4, location="Moon base", gender="F"),
        good_row("concerns", 5),
    ]
    return csv_bytes(rows)


def test_each_unknown_value_is_listed_once_with_its_rows_and_mapping_line(
    seeded: Engine,
) -> None:
    before = counts(seeded)
    report = run(seeded, "concerns", _rejected_extract(), mapping={})
    assert not report.ok and counts(seeded) == before
    found = {(u.column, u.text): u for u in report.unknowns}
    assert set(found) == {
        ("gender", "F"),
        ("location", "Residential care home"),
        ("location", "Hosp - acute"),
        ("location", "Moon base"),
    }
    residential = found["location", "Residential care home"]
    assert (residential.rows, residential.first_row) == (2, 2)
    assert residential.suggestions[0] == "care_home_residential"
    assert residential.section == "[concerns.values.location]"
    assert residential.line == '"Residential care home" = "care_home_residential"'
    assert found["gender", "F"].suggestions == ["female"]
    assert found["location", "Moon base"].suggestions == []
    assert found["location", "Moon base"].line == '"Moon base" = ""'


def test_the_mapping_lines_pasted_into_the_file_make_it_import(
    seeded: Engine, tmp_path: Path
) -> None:
    data = csv_bytes([r for r in _rows_without_moon_base()])
    rejected = run(seeded, "concerns", data, mapping={})
    assert not rejected.ok
    # The shipped file already has [concerns.values.location]: the lines go into it.
    text = with_lines_added(DEFAULT_PATH.read_text(encoding="utf-8"), rejected.unknowns)
    assert text.splitlines().count("[concerns.values.location]") == 1
    report = run(seeded, "concerns", data, mapping=_mappings(tmp_path, text))
    assert report.ok, [str(p) for p in report.problems]
    assert _locations(seeded) == [
        "care_home_residential",
        "care_home_residential",
        "hospital_acute",
        "care_home_residential",
    ]


def _rows_without_moon_base() -> list[dict[str, str]]:
    return [
        good_row("concerns", 1, location="Residential care home"),
        good_row("concerns", 2, location="residential  CARE home"),
        good_row("concerns", 3, location="Hosp - acute"),
        good_row("concerns", 5),
    ]


def test_an_unknown_header_is_suggested_the_missing_column_it_resembles(seeded: Engine) -> None:
    row = good_row("concerns")
    row["Date received"] = row.pop("received_on")
    row["Colour"] = "blue"
    report = run(seeded, "concerns", csv_bytes([row]), mapping={})
    assert not report.ok
    hints = {u.text: u for u in report.unknowns if u.is_header}
    assert hints["Date received"].suggestions == ["received_on"]
    assert hints["Date received"].line == '"Date received" = "received_on"'
    assert hints["Colour"].suggestions == []
    assert report.mapping_text() == '[concerns]\n"Date received" = "received_on"'


def test_hints_survive_the_trip_from_the_import_process(seeded: Engine) -> None:
    report = run(seeded, "concerns", _rejected_extract(), mapping={})
    again = _report_from(_report_to(report))
    assert again.unknowns == report.unknowns
    assert again.hint_lines() == report.hint_lines()


def test_the_mapping_lines_are_valid_toml_whatever_the_value() -> None:
    for text in ['Say "hi"', "back\\slash", "tab\there", "del\x7f", "£ café"]:
        assert tomllib.loads(f"x = {toml_string(text)}") == {"x": text}


def test_the_command_line_prints_the_hints_after_the_problems(tmp_path: Path) -> None:
    database = tmp_path / "sgoversight.db"
    assert run_cli(database, "init-db").returncode == 0
    providers = tmp_path / "providers.csv"
    providers.write_bytes(
        csv_bytes([good_row("providers", service_type="Care-home (residential)")])
    )
    result = run_cli(database, "import", "providers", str(providers))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "providers.csv:2:service_type: 'Care-home (residential)' is not one of"
    )
    hint = next(i for i, line in enumerate(lines) if "unknown value" in line)
    assert hint > 0
    assert lines[hint].startswith(
        'providers.csv: service_type: unknown value "Care-home (residential)" in 1 row '
        "(first row 2); did you mean care_home or nursing_home?"
    )
    assert "Lines to add to config/import_mappings.toml:" in lines
    assert "[providers.values.service_type]" in lines
    assert lines[-1] == "providers.csv: rejected, 1 problem in 1 row; nothing written"


# --- encodings and separators ---------------------------------------------------------------------

NAME = "Café Rosé £ Lodge"  # a £ and accents, as Excel's "CSV" exports write them


def _providers_text(delimiter: str = ",", headers: dict[str, str] | None = None) -> str:
    rows = [good_row("providers", 1, name=NAME), good_row("providers", 2, name="Ash; Tab\tHouse")]
    renamed = [{(headers or {}).get(c, c): v for c, v in row.items()} for row in rows]
    return csv_bytes(renamed, delimiter=delimiter).decode("utf-8")


def _names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Provider.name).order_by(Provider.provider_id)))


ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "windows-1252": lambda text: text.encode("cp1252"),
    "utf-16-le-bom": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "utf-16-be-bom": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_every_encoding_and_separator_reads_the_same_rows(
    sqlite_engine: Engine, encoding: str, delimiter: str
) -> None:
    data = ENCODINGS[encoding](_providers_text(delimiter))
    report = run(sqlite_engine, "providers", data, mapping={})
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 2
    assert _names(sqlite_engine) == [NAME, "Ash; Tab\tHouse"]


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_the_separator_is_found_from_mapped_headers_too(
    sqlite_engine: Engine, delimiter: str, tmp_path: Path
) -> None:
    headers = {"provider_id": "Provider ref", "name": "Provider name", "regulated": "CQC reg"}
    mappings = _mappings(
        tmp_path,
        '[providers]\n"Provider ref" = "provider_id"\n"Provider name" = "name"\n'
        '"CQC reg" = "regulated"\n',
    )
    text = _providers_text(delimiter, headers)
    report = run(sqlite_engine, "providers", text.encode("cp1252"), mapping=mappings)
    assert report.ok, [str(p) for p in report.problems]
    assert _names(sqlite_engine) == [NAME, "Ash; Tab\tHouse"]


def test_a_header_naming_no_known_column_is_split_at_its_separator(sqlite_engine: Engine) -> None:
    report = run(sqlite_engine, "providers", b"Ref;Title;Kind\r\nP1;Ash;care_home\r\n", mapping={})
    assert report.unknown_columns == ["Ref", "Title", "Kind"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00\x00p\x00\x00\x00", "the file is UTF-32 text"),
        (b"\xff\xfep\x00r\x00o", "ends in half a character"),
        ("provider_id\r\nP1".encode("utf-16-le"), "UTF-16 text without a byte order mark"),
        (b"\xff\xfe" + "provider_id\r\nP".encode("utf-16-le") + b"\x00\xdc", "not readable"),
    ],
    ids=["utf-32", "utf-16-cut", "utf-16-no-mark", "utf-16-lone-surrogate"],
)
def test_other_encodings_get_one_clear_message(
    sqlite_engine: Engine, data: bytes, message: str
) -> None:
    before = counts(sqlite_engine)
    report = run(sqlite_engine, "providers", data, mapping={})
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    assert message in report.problems[0].message
    assert report.problems[0].message.endswith("save it as 'CSV UTF-8'")
    assert counts(sqlite_engine) == before


def test_a_hostile_utf16_file_is_refused_at_the_limit(sqlite_engine: Engine) -> None:
    # One line of a million separators, and a file of more rows than allowed: both in UTF-16.
    wide = "provider_id," + "," * 1_000_000 + "\r\n"
    limits = ImportLimits(columns=100)
    report = run(sqlite_engine, "providers", b"\xff\xfe" + wide.encode("utf-16-le"), limits=limits)
    assert [str(p) for p in report.problems] == [
        "providers.csv:1:-: line 1 has more than 100 cells, the most columns one import reads"
    ]
    tall = "provider_id,name\r\n" + "P,N\r\n" * 5_000
    report = run(
        sqlite_engine,
        "providers",
        b"\xfe\xff" + tall.encode("utf-16-be"),
        limits=ImportLimits(rows=1_000),
    )
    assert len(report.problems) == 1
    assert report.problems[0].row == 1_001
    assert "more than 1,000 rows" in report.problems[0].message


def test_lines_for_a_section_the_file_lacks_are_added_as_a_new_section(seeded: Engine) -> None:
    row = good_row("concerns", gender="F")
    row["Feedback to referrer"] = row.pop("feedback_to_referrer_on")
    rejected = run(seeded, "concerns", csv_bytes([row]), mapping={})
    current = (
        '[concerns]\n"Client reference" = "person_id"\n\n'
        '[concerns.values.location]\n"R" = "own_home"\n'
    )
    text = with_lines_added(current, rejected.unknowns)
    assert tomllib.loads(text) == {
        "concerns": {
            "Client reference": "person_id",
            "Feedback to referrer": "feedback_to_referrer_on",
            "values": {"location": {"R": "own_home"}, "gender": {"F": "female"}},
        }
    }


def test_an_unknown_values_problem_names_the_closest_code(seeded: Engine) -> None:
    rows = [good_row("concerns", location="Residential care home")]
    report = run(seeded, "concerns", csv_bytes(rows), mapping={})
    (problem,) = report.problems
    assert problem.column == "location"
    assert problem.message.endswith("; did you mean care_home_residential or own_home?")
