"""`score --month`, `weekly-report --week` and `standards --quarter` on the large borough (SQLite),
each against a plain pandas script computing the same figures from the CSV files.

Both are timed as commands (a new Python process each: `python -m sgoversight ...` against
`python benchmarks/plain_*.py ...`, with the peak memory of each) and in-process (the domain
function against the script's `compute`). The figures are checked equal first, so the comparison
is of the same work. A command that misses its target gets a profile in the report.

Targets: each command as a whole process at most COMMAND_SHARE of its plain script's time, and
under COMMAND_PEAK_MIB of memory; in process, no slower than the script. Beside them, the floor:
a new interpreter that imports nothing (`python -c pass`), which no command can beat.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine

from benchmarks import plain_score, plain_standards, plain_weekly
from benchmarks.conftest import MONTH, QUARTER, WEEK, Borough, Database
from benchmarks.measure import (
    PROJECT_ROOT,
    best_of,
    best_process_run,
    environment,
    profile_top,
    python,
)
from benchmarks.report import Results, mib, seconds
from sgoversight.auth import SYSTEM
from sgoversight.board.read import score_from_database
from sgoversight.board.rules import INDICATORS
from sgoversight.standards.read import scorecard_from_database
from sgoversight.weekly.read import report_for_week

pytestmark = pytest.mark.benchmark

SECTION = "Commands"
#: A command's whole process may take at most this share of its plain script's.
COMMAND_SHARE = 0.5
#: A command's peak memory at the large-borough scale.
COMMAND_PEAK_MIB = 150
#: The libraries the app's pages and imports are built on (the commands above load none of them
#: on SQLite); the plain scripts load pandas.
STACK = "pandas, sqlalchemy.orm, pydantic"
PLAIN_STACK = "pandas"
MEMORY = "Peak memory"
REPEATS = 2


def _score_agrees(ours: list[Any], plain: Any) -> None:
    """Every indicator and the rating of every provider."""
    assert len(ours) == len(plain)
    for rating in ours:
        row = plain.loc[rating.provider_id]
        for name in INDICATORS:
            expected = row[name]
            if name == "cqc_rating" and expected != expected:  # NaN: not rated
                expected = None
            assert rating.indicators[name] == expected, (rating.provider_id, name)
        assert rating.rating == row["rating"], rating.provider_id


def _weekly_agrees(ours: Any, plain: dict[str, Any]) -> None:
    """Every headline count, both breakdowns and the providers flagged."""
    for name, expected in plain.items():
        value = getattr(ours, name)
        if name.startswith("concerns_by_"):
            value = {code: count for code, count in value.items() if count}
        if name == "providers_flagged":
            value = sorted(flag.provider_id for flag in value)
        assert value == expected, name


def _standards_agree(ours: list[Any], plain: dict[str, tuple[int, int | None]]) -> None:
    """Every measure's numerator and denominator."""
    assert {r.measure_id: (r.numerator, r.denominator) for r in ours} == plain


def _score_cli_agrees(output: str, plain: Any) -> None:
    ratings = json.loads(output)
    assert len(ratings) == len(plain)
    assert sum(r["rating"] == "Red" for r in ratings) == (plain["rating"] == "Red").sum()


def _weekly_cli_agrees(output: str, plain: dict[str, Any]) -> None:
    report = json.loads(output)
    assert report["concerns_received"] == plain["concerns_received"]
    assert report["open_alerts"] == plain["open_alerts"]


def _standards_cli_agree(output: str, plain: dict[str, tuple[int, int | None]]) -> None:
    measures = {m["measure_id"]: m for m in json.loads(output)}
    assert measures["PROP-1"]["value"] == plain["PROP-1"][0]
    assert measures["ACC-1"]["numerator"] == plain["ACC-1"][0]


@dataclass(frozen=True)
class Command:
    """A command, the domain function behind it and its plain pandas script."""

    name: str
    period: str
    arguments: tuple[str, ...]
    function: str
    ours: Callable[[Engine, str], Any]
    plain: ModuleType
    agree: Callable[[Any, Any], None]
    cli_agrees: Callable[[str, Any], None]


COMMANDS = (
    Command(
        "score",
        MONTH,
        ("score", "--month", MONTH, "--format", "json"),
        "scoring_read.score_from_database",
        partial(score_from_database, actor=SYSTEM),
        plain_score,
        _score_agrees,
        _score_cli_agrees,
    ),
    Command(
        "weekly-report",
        WEEK,
        ("weekly-report", "--week", WEEK, "--format", "json"),
        "weekly_read.report_for_week",
        report_for_week,
        plain_weekly,
        _weekly_agrees,
        _weekly_cli_agrees,
    ),
    Command(
        "standards",
        QUARTER,
        ("standards", "--quarter", QUARTER, "--format", "json"),
        "standards_read.scorecard_from_database",
        partial(scorecard_from_database, actor=SYSTEM),
        plain_standards,
        _standards_agree,
        _standards_cli_agree,
    ),
)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_command_against_plain_pandas(
    command: Command, borough: Borough, large_sqlite: Database, results: Results
) -> None:
    engine = large_sqlite.engine
    directory: Path = borough.directory
    in_process, ours = best_of(REPEATS, lambda: command.ours(engine, command.period))
    plain_in_process, plain = best_of(
        REPEATS, lambda: command.plain.compute(directory, command.period)
    )
    command.agree(ours, plain)

    env = environment(DATABASE_URL=large_sqlite.url)
    cli = best_process_run(python("-m", "sgoversight", *command.arguments), env, REPEATS)
    script = Path(command.plain.__file__).relative_to(PROJECT_ROOT)
    plain_cli = best_process_run(python(str(script), str(directory), command.period), None, REPEATS)
    command.cli_agrees(cli.stdout, plain)

    shown = " ".join(command.arguments[:3])
    share = cli.seconds / plain_cli.seconds
    results.add(
        SECTION,
        f"`{shown}` (new process)",
        f"{seconds(cli.seconds)} ({share:.2f}× the script)",
        f"`python {script}`: {seconds(plain_cli.seconds)}",
        f"≤ {COMMAND_SHARE}× baseline",
        share <= COMMAND_SHARE,
    )
    results.add(
        SECTION,
        f"`{command.function}` (in-process)",
        seconds(in_process),
        f"`{command.plain.__name__.rsplit('.', 1)[-1]}.compute`: {seconds(plain_in_process)}",
        "≤ baseline",
        in_process <= plain_in_process,
    )
    results.add(
        MEMORY,
        f"`{shown}`",
        mib(cli.peak_mib),
        f"plain script: {mib(plain_cli.peak_mib)}",
        f"< {COMMAND_PEAK_MIB} MiB",
        cli.peak_mib < COMMAND_PEAK_MIB,
    )
    if in_process > plain_in_process or share > COMMAND_SHARE:
        profile = profile_top(lambda: command.ours(engine, command.period))
        results.note(
            SECTION,
            f"Profile of `{command.function}` ({shown}), top entries by cumulative time:\n\n"
            f"```\n{profile}\n```",
        )


def test_start_up_of_the_stack(results: Results) -> None:
    """What a new process pays before reading a row: nothing at all (the floor), the libraries
    the app's pages and imports are built on (which the commands above no longer load), and the
    one library the plain scripts load."""
    stack = best_process_run(python("-c", f"import {STACK}"), None, REPEATS + 1)
    plain = best_process_run(python("-c", f"import {PLAIN_STACK}"), None, REPEATS + 1)
    floor = best_process_run(python("-c", "pass"), None, REPEATS + 1)
    results.add(
        SECTION,
        "the floor: a new interpreter importing nothing (`python -c pass`)",
        seconds(floor.seconds),
        "no command can start faster",
    )
    results.add(
        SECTION,
        f"start-up of the stack: `python -c 'import {STACK}'` (new process, nothing else)",
        seconds(stack.seconds),
        f"`python -c 'import {PLAIN_STACK}'`: {seconds(plain.seconds)}",
    )
