"""`score --month` at England-wide scale: 30,000 providers on PostgreSQL.

The register is the size of England's regulated adult social care market (about 30,000 services)
and the records are a year of England's volume: about 50,000 safeguarding concerns a month (the
Safeguarding Adults Collection counts about 600,000 a year) and 10,000 quality alerts a month, with
3,000 improvement plans. It is built with `demo.borough.build_borough`, imported with
`import_file` into a throwaway PostgreSQL cluster (tests/support/postgres.py), then scored
in-process and as a command, beside the plain pandas script reading the same CSV files. Skipped
when no cluster can start.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, text
from streamlit.testing.v1 import AppTest

from benchmarks import plain_score
from benchmarks.conftest import AS_OF, MONTH, PAGE_TODAY, SEED
from benchmarks.measure import (
    PROJECT_ROOT,
    best_of,
    environment,
    profile_top,
    python,
    run_process,
    timed,
)
from benchmarks.report import Results, mib, rate, seconds
from benchmarks.test_commands import _score_agrees
from benchmarks.test_pages import ADMIN, TIMEOUT, WARM_RUNS, _clear_streamlit_caches
from sgoversight.auth import SYSTEM
from sgoversight.board.read import score_from_database
from sgoversight.demo.borough import build_borough
from sgoversight.demo.files import KINDS, write_csv
from sgoversight.demo.scale import BoroughScale
from sgoversight.intake.importing import import_file
from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from tests.support.postgres import Cluster

pytestmark = pytest.mark.benchmark

SECTION = "National scale"
PART_ROWS = 150_000
NATIONAL = BoroughScale(
    providers=30_000,
    months=12,
    concerns_per_month=50_000.0,
    alerts_per_month=10_000.0,
    staff=1_500,
    plans=3_000,
)


@dataclass
class National:
    """The national data set as CSV files and in a PostgreSQL database."""

    directory: Path
    rows: dict[str, int]
    url: str
    engine: Engine
    version: str


@pytest.fixture(scope="module")
def national(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory, results: Results
) -> Iterator[National]:
    built, frames = timed(lambda: build_borough(SEED, AS_OF, NATIONAL))
    directory = tmp_path_factory.mktemp("national")
    write_csv(frames, directory)  # whole files, for the plain pandas script
    rows = {kind: len(frames[kind]) for kind in KINDS}
    admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE national"))
        version = str(connection.execute(text("SHOW server_version")).scalar_one()).split()[0]
    admin.dispose()
    url = cluster.url("national")
    engine = make_engine(url)
    upgrade(engine)
    for kind in KINDS:
        # A file may be at most 50 MB (importing.MAX_FILE_BYTES), so a national extract is
        # imported in parts, as a council would split it.
        elapsed = 0.0
        for part, start in enumerate(range(0, rows[kind], PART_ROWS), start=1):
            data = frames[kind].iloc[start : start + PART_ROWS].to_csv(index=False).encode()
            name = f"{kind}-{part}.csv"
            seconds_taken, report = timed(
                lambda data=data, kind=kind, name=name: import_file(
                    engine, kind, data, filename=name, actor=SYSTEM
                )
            )
            assert report.ok, report.problems[:5]
            elapsed += seconds_taken
        if kind in ("alerts", "concerns"):
            results.add(
                SECTION,
                f"import {kind} ({rows[kind]:,} rows in files of up to {PART_ROWS:,}), "
                f"PostgreSQL {version}, import_file",
                f"{rate(rows[kind], elapsed)} ({seconds(elapsed)})",
            )
    del frames
    gc.collect()
    results.note(
        SECTION,
        "National data set: `BoroughScale(providers=30_000, months=12, concerns_per_month="
        "50_000, alerts_per_month=10_000, staff=1_500, plans=3_000)`, "
        + ", ".join(f"{rows[k]:,} {k}" for k in KINDS)
        + f"; built in {built:.0f} s. Scored for month {MONTH} on PostgreSQL {version} "
        "(the throwaway cluster of tests/support/postgres.py: local socket, fsync off).",
    )
    gc.collect()
    yield National(directory, rows, url, engine, version)
    engine.dispose()


@pytest.mark.timeout(1_800)
def test_score_thirty_thousand_providers_on_postgresql(
    national: National, results: Results
) -> None:
    in_process, ratings = timed(lambda: score_from_database(national.engine, MONTH, actor=SYSTEM))
    assert len(ratings) == national.rows["providers"]
    cli = run_process(
        python("-m", "sgoversight", "score", "--month", MONTH, "--format", "json"),
        environment(DATABASE_URL=national.url),
    ).check()
    script = Path(plain_score.__file__).relative_to(PROJECT_ROOT)
    plain = run_process(python(str(script), str(national.directory), MONTH)).check()
    expected = pd.DataFrame(json.loads(plain.stdout)).set_index("provider_id")
    _score_agrees(ratings, expected)
    assert len(json.loads(cli.stdout)) == len(expected)

    levels = ("Red", "Amber", "Green")
    tally = ", ".join(f"{sum(r.rating == level for r in ratings):,} {level}" for level in levels)
    results.add(
        SECTION,
        f"`score --month {MONTH}`, 30,000 providers, PostgreSQL (new process)",
        f"{seconds(cli.seconds)}, peak {mib(cli.peak_mib)}",
        f"`python {script}`: {seconds(plain.seconds)}, peak {mib(plain.peak_mib)}",
        "≤ baseline",
        cli.seconds <= plain.seconds,
    )
    results.add(
        SECTION,
        "`scoring_read.score_from_database`, 30,000 providers, PostgreSQL (in-process)",
        seconds(in_process),
        f"ratings: {tally}",
    )
    if cli.seconds > plain.seconds:
        profile = profile_top(lambda: score_from_database(national.engine, MONTH, actor=SYSTEM))
        results.note(
            SECTION,
            "Profile of `scoring_read.score_from_database` at national scale, top entries by "
            f"cumulative time:\n\n```\n{profile}\n```",
        )


@pytest.mark.timeout(1_800)
def test_board_page_at_national_scale(
    national: National, results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Board page on the national database, as an administrator, timed as the large
    borough's pages are (benchmarks/test_pages.py): cold after the caches are cleared, with the
    server's start-up imports done, then warm."""
    monkeypatch.setenv("DATABASE_URL", national.url)
    monkeypatch.setenv("SGO_TODAY", PAGE_TODAY.isoformat())
    warm_up = AppTest.from_string("from ui.warmup import warm_imports\nwarm_imports()\n")
    warm_up.run(timeout=TIMEOUT)
    _clear_streamlit_caches()
    app = AppTest.from_file(str(PROJECT_ROOT / "pages/board.py"), default_timeout=TIMEOUT)
    app.session_state["sgo_user"] = dict(ADMIN)
    cold, _ = timed(lambda: app.run(timeout=TIMEOUT))
    failed = [str(e.message) for e in app.exception]
    warm, _ = best_of(WARM_RUNS, lambda: app.run(timeout=TIMEOUT))
    failed += [str(e.message) for e in app.exception]
    results.add(
        SECTION,
        "`pages/board.py` (Provider Oversight Board), 30,000 providers, PostgreSQL"
        + (" — raised an exception" if failed else ""),
        f"cold {seconds(cold)}, warm {seconds(warm)}",
        "",
        "cold < 3 s, warm < 1 s",
        cold < 3 and warm < 1 and not failed,
    )
    assert not failed, failed
