"""Column mappings for case-system extracts (config/import_mappings.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.errors import BadInput
from sgoversight.intake.mappings import DEFAULT_PATH, apply_mapping, load_mapping, validate_mapping
from sgoversight.store.models import SafeguardingConcern
from tests.fixtures.importing import counts, csv_bytes, good_row, run, seed

COUNCIL_HEADERS = {
    "concern_id": "Concern ID",
    "person_id": "Client reference",
    "received_on": "Date concern received",
    "provider_id": "Provider reference",
}


def _council_extract(**changes: str) -> bytes:
    """A concerns extract whose headers are the council's own for four columns."""
    row = good_row("concerns", **changes)
    renamed = {COUNCIL_HEADERS.get(column, column): value for column, value in row.items()}
    return csv_bytes([renamed])


def test_shipped_mapping_is_valid_and_names_concerns() -> None:
    mapping = load_mapping(DEFAULT_PATH)
    assert mapping["concerns"]["date_concern_received"] == "received_on"
    assert mapping["concerns"]["client_reference"] == "person_id"


def test_council_headers_import_through_the_mapping(engine: Engine) -> None:
    seed(engine)
    report = run(engine, "concerns", _council_extract(), mapping=load_mapping(DEFAULT_PATH))
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 1
    with Session(engine) as session:
        concern = session.scalars(select(SafeguardingConcern)).one()
    assert concern.person_id == good_row("concerns")["person_id"]


def test_without_the_mapping_council_headers_are_missing_columns(engine: Engine) -> None:
    seed(engine)
    before = counts(engine)
    report = run(engine, "concerns", _council_extract(), mapping={})
    assert not report.ok
    missing = {p.column for p in report.problems if p.message == "required column is missing"}
    # "Concern ID" reads as concern_id without any mapping; the others do not.
    assert {"person_id", "received_on"} <= missing
    assert counts(engine)["safeguarding_concerns"] == before["safeguarding_concerns"]


def test_problems_in_mapped_files_name_the_row_and_contract_column(engine: Engine) -> None:
    seed(engine)
    report = run(
        engine,
        "concerns",
        _council_extract(received_on="2099-01-01"),
        mapping=load_mapping(DEFAULT_PATH),
    )
    assert [(p.row, p.column) for p in report.problems] == [(2, "received_on")]


def test_headers_match_whatever_the_case_and_spacing() -> None:
    mapping = validate_mapping({"concerns": {"  Date  Concern received ": "received_on"}})
    assert apply_mapping(["DATE CONCERN_RECEIVED", "person_id"], mapping["concerns"]) == [
        "received_on",
        "person_id",
    ]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"complaints": {"A": "received_on"}}, "[complaints]: unknown import kind"),
        ({"concerns": {"Date": "recieved_on"}}, "[concerns] \"Date\": maps to 'recieved_on'"),
        (
            {"concerns": {"Date in": "received_on", "Date received": "received_on"}},
            "[concerns] \"Date received\": maps to 'received_on', which \"Date in\" already",
        ),
        ({"concerns": {"person_id": "concern_id"}}, "is itself the contract column 'person_id'"),
        ({"concerns": {"  ": "received_on"}}, "the header is blank"),
        ({"concerns": "received_on"}, "[concerns]: must be a table"),
        ({"concerns": {"Date": 3}}, "[concerns] \"Date\": maps to 3"),
    ],
)
def test_broken_mappings_are_refused_naming_the_key(raw: dict, fragment: str) -> None:
    with pytest.raises(BadInput) as caught:
        validate_mapping(raw, "import_mappings.toml")
    assert any(fragment in problem for problem in caught.value.problems), caught.value.problems


def test_broken_mapping_file_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    broken = tmp_path / "import_mappings.toml"
    broken.write_text('[concerns]\n"Client reference" = "client"\n', encoding="utf-8")
    before = counts(engine)
    with pytest.raises(BadInput):
        run(engine, "concerns", _council_extract(), mapping=load_mapping(broken))
    assert counts(engine) == before


def test_mapping_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "import_mappings.toml"
    broken.write_text("[concerns\n", encoding="utf-8")
    with pytest.raises(BadInput, match="not valid TOML"):
        load_mapping(broken)


def test_missing_mapping_file_means_no_mapping(tmp_path: Path) -> None:
    assert load_mapping(tmp_path / "absent.toml") == {}
