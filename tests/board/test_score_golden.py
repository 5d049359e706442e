"""`score --format json|csv` gives, byte for byte, the outputs recorded before the rules were
restated (tests/fixtures/golden/score/, written by tests/support/golden_score.py): on the demo
borough and on a boundary borough whose records sit on every threshold and window edge, for ten
or more Board months each. JSON is compared after parsing (its layout may change, its content
may not); CSV byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.golden import run_command, same_as_recorded
from tests.support.golden_score import BUILDERS, FORMATS, MONTHS, golden_path, run_score

CASES = [
    (borough, month, fmt) for borough in BUILDERS for month in MONTHS[borough] for fmt in FORMATS
]


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("golden-score")
    built = {}
    for borough, build in BUILDERS.items():
        built[borough] = folder / f"{borough}.db"
        build(built[borough])
    return built


@pytest.mark.parametrize(("borough", "month", "fmt"), CASES)
def test_the_command_gives_the_recorded_output(
    databases: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    borough: str,
    month: str,
    fmt: str,
) -> None:
    url = f"sqlite:///{databases[borough]}"
    output = run_command(url, "score", "--month", month, "--format", fmt, monkeypatch=monkeypatch)
    same_as_recorded(output, golden_path(borough, month, fmt), fmt)


def test_the_boroughs_cover_the_ratings_and_the_edges() -> None:
    """The recorded outputs are worth comparing with: every rating and every indicator at amber
    and at red appears on each borough (so a wrong count or threshold would show)."""
    for borough in BUILDERS:
        levels: set[tuple[str, str]] = set()
        ratings: set[str] = set()
        for month in MONTHS[borough]:
            for row in json.loads(golden_path(borough, month, "json").read_text()):
                ratings.add(row["rating"])
                levels |= {(name, level) for name, level in row["levels"].items()}
        assert ratings == {"Red", "Amber", "Green"}, borough
        if borough == "boundary":
            assert {level for _, level in levels} == {"Red", "Amber", "Green"}
            named = {name for name, level in levels if level != "Green"}
            assert len(named) == 11


@pytest.mark.parametrize("borough", list(BUILDERS))
def test_a_whole_process_gives_the_recorded_csv(databases: dict[str, Path], borough: str) -> None:
    month = MONTHS[borough][-1]
    result = run_score(databases[borough], month, "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == golden_path(borough, month, "csv").read_text(encoding="utf-8")
