"""`standards` gives, byte for byte, the outputs recorded under tests/fixtures/golden/standards/.

The recorded files were written by the command as it stood before the measures moved from pandas
frames to plain rows, so any change of a figure, a word or a byte of the output shows here. Two
boroughs: the demo borough (a fixed seed and as-of date) over quarters before, across and after
its history; and a boundary borough built by hand (tests/support/golden_standards.py) with rows on
every quarter edge, screening and enquiry times on their working-day limits around bank holidays,
repeats on the look-back's edge, training on its window's edge and a value rounded onto its
target. Every format, with and without small-number suppression. JSON is compared after parsing
(its layout is not part of the contract); CSV and the table byte for byte.

Set SGO_WRITE_GOLDEN=1 to record the files again (only when a change of output is intended).
"""

from __future__ import annotations

import json

import pytest

from tests.support import golden
from tests.support.golden import load_demo, run_command, same_as_recorded
from tests.support.golden_standards import build_boundary

GOLDEN = golden.GOLDEN / "standards"
FORMATS = ("table", "csv", "json")

QUARTERS = (
    "2025-Q1",  # before both boroughs' history: no data
    "2025-Q3",
    "2025-Q4",
    "2026-Q1",
    "2026-Q2",  # Easter
    "2026-Q3",  # the boundary borough's training window edge
    "2026-Q4",  # Christmas; the demo's as-of quarter
    "2027-Q1",  # after the demo's history
    "2027-Q2",  # the boundary borough's ACC-5 rounds onto its target
)


@pytest.fixture(scope="module")
def boroughs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("standards-golden")
    urls = {name: f"sqlite:///{folder / name}.db" for name in ("demo", "boundary")}
    load_demo(urls["demo"])
    build_boundary(urls["boundary"])
    return urls


def _name(borough: str, quarter: str, output_format: str, suppress: bool) -> str:
    extension = "txt" if output_format == "table" else output_format
    return f"{borough}-{quarter}{'-suppressed' if suppress else ''}.{extension}"


CASES = [
    (borough, quarter, output_format, suppress)
    for borough in ("demo", "boundary")
    for quarter in QUARTERS
    for output_format in FORMATS
    for suppress in (False, True)
]


@pytest.mark.parametrize(("borough", "quarter", "output_format", "suppress"), CASES)
def test_the_command_gives_the_recorded_output(
    boroughs: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    borough: str,
    quarter: str,
    output_format: str,
    suppress: bool,
) -> None:
    args = ["--quarter", quarter, "--format", output_format] + (["--suppress"] if suppress else [])
    output = run_command(boroughs[borough], "standards", *args, monkeypatch=monkeypatch)
    path = GOLDEN / _name(borough, quarter, output_format, suppress)
    same_as_recorded(output, path, output_format)


def _measures(name: str) -> dict[str, dict[str, object]]:
    rows = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    return {row["measure_id"]: row for row in rows}


def test_the_boundary_borough_says_what_its_rows_were_built_to_say() -> None:
    """The recorded boundary quarters show the edges the rows were built on (so the files
    themselves are checked, not only repeated)."""
    q2 = _measures("boundary-2027-Q2.json")
    assert (q2["ACC-5"]["numerator"], q2["ACC-5"]["denominator"]) == (16, 107)
    assert (q2["ACC-5"]["value"], q2["ACC-5"]["status"]) == (15.0, "met")
    q3 = _measures("boundary-2026-Q3.json")
    # S1 (on the window's first day), S3 and S8 (asc_staff, both types), S6 (all_staff until
    # promoted after the quarter); not S2 (a day early), S4 (enquiry training after the quarter),
    # S5 (asc_staff and manager the same day: a manager, without the managers' training).
    assert (q3["ACC-6"]["numerator"], q3["ACC-6"]["denominator"]) == (4, 7)
    assert _measures("boundary-2025-Q1.json")["PROP-1"]["value"] == 0
    assert _measures("boundary-2025-Q1.json")["EMP-1"]["status"] == "no_data"
    suppressed = _measures("boundary-2025-Q1-suppressed.json")
    assert suppressed["PROP-1"]["value"] == "<5"
