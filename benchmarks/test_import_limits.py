"""Hostile spreadsheets against the import limits, beside a legitimate large CSV, in one run.

Each file of the attack sweep (issue 16, section 1) is generated full size on disk, then checked
(`import_file(..., dry_run=True)`) in a child process of its own, whose wall time and peak resident
memory are measured (benchmarks.measure.run_process). Every hostile file must be refused within
its time budget and under PEAK_MEMORY_MIB; the legitimate 440,000-row, 50 MB alerts file must be
accepted, checked and imported, fast. The XLSX bombs are refused from the zip directory by the
compression ratio, so each is also run with the zip directory checks (ratio and unpacked size)
switched off, to show the limits that hold while reading (rows, problems, shared strings, text
length) stop it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import IMPORT_ROWS_PER_SECOND, PEAK_MEMORY_MIB, new_sqlite
from benchmarks.measure import environment, python, run_process
from benchmarks.report import Results, mib, rate, seconds
from tests.fixtures.importing import (
    GOOD,
    add_providers,
    good_row,
    header_row_xml,
    large_alerts_csv,
    repeated,
    write_xlsx,
)

pytestmark = pytest.mark.benchmark

SECTION = "Import limits"
#: A hostile file must be refused within this many seconds (the default budget is 300).
HOSTILE_SECONDS = 60.0
LEGITIMATE_ROWS = 440_000
#: The checks made from the zip directory before unpacking, switched off.
NO_RATIO = {"compression_ratio": 10**9, "unpacked_bytes": 2**40}
OUTCOMES = {0: "accepted", 2: "refused"}

# Runs one import in the child: KIND FILE LIMITS(JSON) [--write]; exit 0 accepted, 2 refused.
_CHILD = """
import json, sys
from sgoversight.auth import SYSTEM
from sgoversight.store.db import make_engine
from sgoversight.intake.importing import import_file
from sgoversight.intake.sheets import ImportLimits
kind, path, limits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
engine = make_engine()
report = import_file(
    engine, kind, path, actor=SYSTEM, dry_run="--write" not in sys.argv,
    limits=ImportLimits(**limits),
)
print(report.summary())
# The problem that stopped the file (about the whole file or row), else the first one.
whole = [problem for problem in report.problems if problem.column == "-"]
for problem in (whole or report.problems)[:1]:
    print(problem)
sys.exit(0 if report.ok else 2)
"""

# The floor a loader can reach, for the legitimate file: pandas read_csv + to_sql into SQLite.
_PANDAS = """
import sqlite3, sys
import pandas as pd
frame = pd.read_csv(sys.argv[1])
with sqlite3.connect(sys.argv[2]) as connection:
    frame.to_sql("alerts", connection, index=False)
"""


@dataclass(frozen=True)
class Case:
    """One file to check: what it is, how to build it, and whether it must be refused."""

    what: str
    build: Any  # (directory) -> Path
    hostile: bool = True
    limits: dict[str, Any] = field(default_factory=dict)
    write: bool = False


ALERT_COLUMNS = list(GOOD["alerts"])


def _declared_dimensions(directory: Path) -> Path:
    """1.6 KB: a sheet declaring A1:XFD1048576, with a value in its very last cell."""
    rows = [header_row_xml(ALERT_COLUMNS), '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>']
    return write_xlsx(directory / "dimensions.xlsx", rows, dimension="A1:XFD1048576")


def _twenty_million_rows(directory: Path) -> Path:
    rows = repeated("<row><c><v>1</v></c></row>", 20_000_000, per_block=100_000)
    return write_xlsx(directory / "rows.xlsx", [header_row_xml(ALERT_COLUMNS), *rows], level=9)


def _twenty_million_blank_rows(directory: Path) -> Path:
    rows = repeated('<row><c t="inlineStr"><is><t> </t></is></c></row>', 20_000_000, 100_000)
    return write_xlsx(
        directory / "blank-rows.xlsx", [header_row_xml(ALERT_COLUMNS), *rows], level=9
    )


def _thirty_million_strings(directory: Path) -> Path:
    strings = repeated("<si><t>x</t></si>", 30_000_000, per_block=100_000)
    return write_xlsx(
        directory / "strings.xlsx", [header_row_xml(ALERT_COLUMNS)], shared_strings=strings, level=9
    )


def _one_gigabyte_string(directory: Path) -> Path:
    text = repeated("a", 2**30, per_block=2**24)
    return write_xlsx(
        directory / "huge-string.xlsx",
        [header_row_xml(ALERT_COLUMNS)],
        shared_strings=["<si><t>", *text, "</t></si>"],
        level=9,
    )


def _blank_lines(directory: Path) -> Path:
    path = directory / "blank-lines.csv"
    header = ",".join(ALERT_COLUMNS) + "\n" + ",".join(good_row("alerts").values()) + "\n"
    with path.open("wb") as out:
        out.write(header.encode())
        for _ in range(40):
            out.write(b"\n" * 1_000_000)
    return path


def _legitimate(directory: Path) -> Path:
    return large_alerts_csv(directory / "alerts.csv", LEGITIMATE_ROWS)


CASES = (
    Case("1.6 KB XLSX declaring A1:XFD1048576, a value in its last cell", _declared_dimensions),
    Case("XLSX of 20 million rows", _twenty_million_rows),
    Case("XLSX of 20 million rows, zip directory checks off", _twenty_million_rows, True, NO_RATIO),
    Case("XLSX of 20 million blank rows", _twenty_million_blank_rows),
    Case(
        "XLSX of 20 million blank rows, zip directory checks off",
        _twenty_million_blank_rows,
        True,
        NO_RATIO,
    ),
    Case("XLSX of 30 million shared strings", _thirty_million_strings),
    Case(
        "XLSX of 30 million shared strings, zip directory checks off",
        _thirty_million_strings,
        True,
        NO_RATIO,
    ),
    Case("XLSX holding one 1 GiB shared string", _one_gigabyte_string),
    Case(
        "XLSX holding one 1 GiB shared string, zip directory checks off",
        _one_gigabyte_string,
        True,
        NO_RATIO,
    ),
    Case("40 MB CSV of blank lines", _blank_lines),
    Case(f"valid alerts CSV of {LEGITIMATE_ROWS:,} rows, checked", _legitimate, hostile=False),
    Case(
        f"valid alerts CSV of {LEGITIMATE_ROWS:,} rows, imported into SQLite",
        _legitimate,
        hostile=False,
        write=True,
    ),
)


def test_hostile_files_are_refused_within_budget(results: Results, tmp_path: Path) -> None:
    """Each hostile file refused within HOSTILE_SECONDS and PEAK_MEMORY_MIB; the legitimate file
    accepted under PEAK_MEMORY_MIB, its rate shown against the import target and pandas."""
    url, engine = new_sqlite(tmp_path / "limits.db")
    add_providers(engine, 1_000)
    engine.dispose()
    env = environment(DATABASE_URL=url)
    built: dict[Any, Path] = {}
    failures = []
    for case in CASES:
        if case.build not in built:
            built[case.build] = case.build(tmp_path)
        path = built[case.build]
        run = run_process(
            python("-c", _CHILD, "alerts", str(path), json.dumps(case.limits))
            + (["--write"] if case.write else []),
            env,
        )
        lines = run.stdout.strip().splitlines() or [""]
        said = lines[-1].split(": ", 1)[-1] if case.hostile else lines[0]
        outcome = f"{OUTCOMES.get(run.returncode, 'FAILED')} in {seconds(run.seconds)}"
        what = f"{case.what} ({path.stat().st_size / 2**20:,.1f} MiB on disk)"
        if case.hostile:
            met = (
                run.returncode == 2
                and run.seconds < HOSTILE_SECONDS
                and run.peak_mib < PEAK_MEMORY_MIB
            )
            results.add(
                SECTION,
                what,
                f"{outcome}, peak {mib(run.peak_mib)}: {said[:160]}",
                "",
                f"refused in < {HOSTILE_SECONDS:.0f} s, < {PEAK_MEMORY_MIB} MiB",
                met,
            )
        else:
            met = run.returncode == 0 and run.peak_mib < PEAK_MEMORY_MIB
            baseline = run_process(
                python("-c", _PANDAS, str(path), str(tmp_path / f"pandas-{case.write}.db"))
            ).check()
            results.add(
                SECTION,
                what,
                f"{outcome} ({rate(LEGITIMATE_ROWS, run.seconds)}), peak {mib(run.peak_mib)}",
                f"pandas read_csv + to_sql: {seconds(baseline.seconds)}, peak "
                f"{mib(baseline.peak_mib)}",
                f"≥ {IMPORT_ROWS_PER_SECOND:,} rows/s, < {PEAK_MEMORY_MIB} MiB",
                met and LEGITIMATE_ROWS / run.seconds >= IMPORT_ROWS_PER_SECOND,
            )
        if not met:
            failures.append(f"{case.what}: exit {run.returncode}, {run.stderr[-500:]}")
    assert not failures, failures
