"""Property: whatever bytes arrive, import either succeeds or reports problems; it never raises and
never writes part of a file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from sgoversight.intake.importing import ImportReport
from sgoversight.intake.schemas import ROW_SCHEMAS
from sgoversight.store.models import Provider, QualityAlert, SafeguardingConcern, TrainingRecord
from tests.fixtures.importing import GOOD, counts, run, seed

KINDS = ("providers", "alerts", "concerns", "training")
TABLE_OF = {
    "providers": Provider.__tablename__,
    "alerts": QualityAlert.__tablename__,
    "concerns": SafeguardingConcern.__tablename__,
    "training": TrainingRecord.__tablename__,
}
PROBLEM = re.compile(r"^[^:\n]+:\d+:[a-z_-]+: [^\n]+$")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def seeded(sqlite_engine: Engine) -> Iterator[Engine]:
    seed(sqlite_engine)
    yield sqlite_engine


def _check(engine: Engine, kind: str, data: bytes) -> ImportReport:
    """Import `data`; the table grows by exactly `created` rows on success, by none otherwise."""
    before = counts(engine)
    report = run(engine, kind, data)
    after = counts(engine)
    table = TABLE_OF[kind]
    if report.ok:
        assert after[table] - before[table] == report.created
        assert report.created + report.updated + report.unchanged == report.rows
    else:
        assert after == before
        assert all(PROBLEM.match(str(p)) for p in report.problems), report.problems
        assert report.summary().endswith("nothing written")
    return report


_NASTY = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(["", " ", "\x00", '"', ",", "\n", "\r\n", "2025-02-30", "9" * 30, "-1"])


def _cells(kind: str) -> st.SearchStrategy[dict[str, str]]:
    """A row mostly of valid values, with some columns replaced by anything at all."""
    good = GOOD[kind]
    return st.fixed_dictionaries(
        {c: st.sampled_from([v] * 30 + ["nasty"]).flatmap(_nasty_or) for c, v in good.items()}
    )


def _nasty_or(value: str) -> st.SearchStrategy[str]:
    return _NASTY if value == "nasty" else st.just(value)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(KINDS))
    columns = list(ROW_SCHEMAS[kind].columns())
    header = draw(st.permutations(columns))
    header = header[: len(header) - draw(st.sampled_from([0, 0, 0, 0, 1, 2]))]
    extra = ["notes", "", "Colour", "notes", "", "Colour", columns[0]]
    header += draw(st.lists(st.sampled_from(extra), max_size=2))
    rows = draw(st.lists(_cells(kind), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for number, row in enumerate(rows):
        row = dict(row)
        if draw(st.integers(0, 9)):
            row[columns[0]] = f"{row[columns[0]]}{number}"
        writer.writerow([row.get(c, "") for c in header])
    text = out.getvalue()
    if draw(st.integers(0, 3)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return kind, text.encode("utf-8")


@FUZZ
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=600))
def test_random_bytes_never_raise_or_half_write(seeded: Engine, kind: str, data: bytes) -> None:
    _check(seeded, kind, data)


@FUZZ
@given(kind=st.sampled_from(KINDS), text=st.text(max_size=400))
def test_random_text_never_raises_or_half_writes(seeded: Engine, kind: str, text: str) -> None:
    _check(seeded, kind, text.encode("utf-8", "surrogatepass"))


@settings(FUZZ, max_examples=150)
@given(file=csv_files())
def test_random_csv_files_never_raise_or_half_write(
    seeded: Engine, file: tuple[str, bytes]
) -> None:
    kind, data = file
    report = _check(seeded, kind, data)
    event("accepted" if report.ok else "rejected")


@settings(FUZZ, max_examples=40)
@given(file=csv_files())
def test_random_csv_files_on_both_backends(engine: Engine, file: tuple[str, bytes]) -> None:
    """PostgreSQL is stricter than SQLite (NUL, lengths, integer range): the same must hold."""
    if not counts(engine)["providers"]:
        seed(engine)
    kind, data = file
    _check(engine, kind, data)
