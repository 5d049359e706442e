"""The Care Quality Commission (CQC) ratings import at full national size (320,000 rows), XLSX
and ODS, beside reading the same file with pandas' default Excel engine, in the same run.

Each import is `python -m sgoversight import cqc-ratings FILE` in a child process (so its peak
memory is its own) into a new SQLite database holding the demo borough's provider register (250
providers, the regulated ones with a CQC location id, all of them in the file). The baseline is
`pandas.read_excel(FILE, sheet_name="Locations")` in a child process too: openpyxl for XLSX, and
for ODS pandas' default, odfpy, when it is installed (else pandas' calamine engine); beside it,
python-calamine alone reading the whole sheet.

Run: `.venv/bin/python -m pytest benchmarks/bench_cqc_import.py -m benchmark -s -p no:cacheprovider`
or `.venv/bin/python -m benchmarks.bench_cqc_import` (the file name keeps it out of `make bench`,
which takes minutes without it: writing the two files alone takes one or two).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import tempfile
from pathlib import Path

import pytest

from benchmarks.measure import ProcessRun, environment, python, run_process
from benchmarks.report import Results, mib, seconds
from sgoversight.demo.borough import build_borough
from tests.fixtures.cqc_ratings import NATIONAL_ROWS, demo_locations, write_ratings_file

pytestmark = pytest.mark.benchmark

SECTION = "CQC ratings import"
SECONDS_TARGET = 30.0
MEMORY_TARGET_MIB = 600.0
SEED, AS_OF = 2026, dt.date(2026, 11, 20)

_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name("Locations").iter_rows()
print(sum(1 for _ in rows))
"""
_PANDAS = """
import sys
import pandas as pd
frame = pd.read_excel(sys.argv[1], sheet_name="Locations", engine=sys.argv[2] or None)
print(len(frame))
"""


def _register(folder: Path) -> tuple[Path, list[dict]]:
    """The demo borough's providers.csv (and its rows)."""
    frames = build_borough(SEED, AS_OF)
    path = folder / "providers.csv"
    frames["providers"].to_csv(path, index=False)
    return path, frames["providers"].to_dict("records")


def _database(folder: Path, name: str, providers: Path) -> Path:
    database = folder / f"{name}.db"
    env = environment(DATABASE_URL=f"sqlite:///{database}")
    for command in (["init-db"], ["import", "providers", str(providers)]):
        run_process(python("-m", "sgoversight", *command), env).check()
    return database


def _import(database: Path, ratings: Path) -> ProcessRun:
    env = environment(DATABASE_URL=f"sqlite:///{database}")
    return run_process(python("-m", "sgoversight", "import", "cqc-ratings", str(ratings)), env)


def _pandas(ratings: Path, engine: str = "") -> ProcessRun:
    return run_process(python("-c", _PANDAS, str(ratings), engine))


def _calamine(ratings: Path) -> ProcessRun:
    return run_process(python("-c", _CALAMINE, str(ratings)))


def measure(results: Results, folder: Path) -> None:
    """Write both files, import each into a new database and read each with pandas."""
    providers, rows = _register(folder)
    locations = demo_locations(rows, dt.date(2024, 6, 1))
    for suffix in ("xlsx", "ods"):
        ratings = folder / f"latest-ratings.{suffix}"
        started = dt.datetime.now()
        write_ratings_file(ratings, NATIONAL_ROWS, locations)
        written = (dt.datetime.now() - started).total_seconds()
        size = ratings.stat().st_size / 2**20
        results.note(
            SECTION,
            f"{ratings.name}: {NATIONAL_ROWS:,} rows, 21 columns, {size:.1f} MiB, "
            f"{len(locations)} of the demo borough's providers among them; written in "
            f"{written:.0f} s.",
        )
        run = _import(_database(folder, suffix, providers), ratings).check()
        if suffix == "xlsx":
            baseline = _pandas(ratings)
            how = "pandas.read_excel (openpyxl)"
        elif importlib.util.find_spec("odf") is not None:
            baseline = _pandas(ratings)
            how = "pandas.read_excel (odfpy)"
        else:
            baseline = _pandas(ratings, "calamine")
            how = "pandas.read_excel (calamine; odfpy, pandas' default for ODS, not installed)"
        shown = (
            f"{how}: {seconds(baseline.seconds)}, {mib(baseline.peak_mib)}"
            if baseline.returncode == 0
            else f"{how}: failed ({baseline.stderr.strip().splitlines()[-1:]})"
        )
        whole = _calamine(ratings).check()
        shown += (
            f"; python-calamine reading the whole sheet: {seconds(whole.seconds)}, "
            f"{mib(whole.peak_mib)}"
        )
        results.add(
            SECTION,
            f"import cqc-ratings {ratings.name}: time",
            seconds(run.seconds),
            shown,
            f"< {SECONDS_TARGET:.0f} s",
            run.seconds < SECONDS_TARGET,
        )
        results.add(
            SECTION,
            f"import cqc-ratings {ratings.name}: peak memory",
            mib(run.peak_mib),
            "",
            f"< {MEMORY_TARGET_MIB:.0f} MiB",
            run.peak_mib < MEMORY_TARGET_MIB,
        )
        print(run.stdout.splitlines()[0])
        print(f"{ratings.name}: import {run.seconds:.1f} s, {run.peak_mib:.0f} MiB; {shown}")


@pytest.mark.timeout(3600)  # writing the two files takes minutes on a busy machine
def test_cqc_ratings_import_at_national_size(
    results: Results, tmp_path_factory: pytest.TempPathFactory
) -> None:
    measure(results, tmp_path_factory.mktemp("cqc-national"))


if __name__ == "__main__":
    from benchmarks.report import table

    collected = Results()
    folder = Path(tempfile.mkdtemp(prefix="cqc-national-"))
    try:
        measure(collected, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(table(collected))
    for text in collected.notes.get(SECTION, []):
        print(text)
