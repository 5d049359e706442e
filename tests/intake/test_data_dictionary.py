"""The data dictionary (docs/data-formats.md, the Data imports page) is generated from the import
schemas, and each file's template imports as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sgoversight.auth import SYSTEM
from sgoversight.intake import data_dictionary, schemas
from sgoversight.intake.importing import import_file

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 6)


def test_committed_document_is_what_the_schemas_generate() -> None:
    committed = (ROOT / "docs" / "data-formats.md").read_text(encoding="utf-8")
    assert committed == data_dictionary.markdown(), (
        "docs/data-formats.md differs from the import schemas: regenerate it with "
        "`python -m sgoversight.intake.data_dictionary > docs/data-formats.md`"
    )


def test_every_file_and_column_is_described_and_nothing_else() -> None:
    assert set(data_dictionary.FILES) == set(schemas.ROW_SCHEMAS)
    for kind, schema in schemas.ROW_SCHEMAS.items():
        assert set(data_dictionary.FILES[kind].columns) == set(schema.columns()), kind


@pytest.mark.parametrize("kind", list(schemas.ROW_SCHEMAS))
def test_every_column_appears_with_its_accepted_values(kind: str) -> None:
    text = data_dictionary.markdown()
    schema = schemas.ROW_SCHEMAS[kind]
    for column in schema.columns():
        assert f"| `{column}` |" in text
        cell = schema.cell(column)
        if isinstance(cell, schemas.Code):
            for code, label in cell.vocabulary.labels.items():
                assert f"`{code}` ({label})" in text


def test_conditional_requirement_is_stated_from_the_rule() -> None:
    text = data_dictionary.markdown()
    assert "| `closed_on` | when status is `closed` |" in text
    assert "| `provider_id` | when source_of_risk is `service_provider` |" in text


@pytest.mark.parametrize("kind", list(schemas.ROW_SCHEMAS))
def test_template_has_the_header_and_an_example_row_the_schema_accepts(kind: str) -> None:
    lines = data_dictionary.template_csv(kind).decode("utf-8").splitlines()
    assert lines[0].split(",") == list(schemas.ROW_SCHEMAS[kind].columns())
    assert len(lines) == 2
    data_dictionary.check_example(kind, TODAY)


def test_every_template_imports_in_order(sqlite_engine: Engine) -> None:
    for kind in ("providers", "alerts", "concerns", "plans", "actions", "training"):
        report = import_file(
            sqlite_engine,
            kind,
            data_dictionary.template_csv(kind),
            filename=f"{kind}-template.csv",
            actor=SYSTEM,
            today=TODAY,
        )
        assert not report.problems, (kind, [str(p) for p in report.problems])
        assert report.created == 1, kind
