"""Recorded outputs of the commands (tests/fixtures/golden/COMMAND/), to show that restating a
rule changed no figure: run a command in process on a database, and compare what it printed with
the recorded file. JSON is compared after parsing (its layout may change, its content may not);
CSV and tables byte for byte. With SGO_WRITE_GOLDEN=1 the files are recorded again (only when a
change of output is intended)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from sgoversight import cli
from sgoversight.demo import load as demo_load
from sgoversight.demo.scale import BoroughScale
from sgoversight.store.db import PROJECT_ROOT, get_engine, make_engine
from sgoversight.store.migrate import upgrade

GOLDEN = PROJECT_ROOT / "tests" / "fixtures" / "golden"
WRITE = os.environ.get("SGO_WRITE_GOLDEN") == "1"
#: A small demo borough: every figure of the recorded weeks and quarters, quickly built.
DEMO_AS_OF = dt.date(2026, 11, 20)
DEMO_SCALE = BoroughScale(
    providers=40, months=16, concerns_per_month=120, alerts_per_month=40, staff=40
)


def load_demo(url: str) -> None:
    """The small demo borough, in a new database at `url`."""
    engine = make_engine(url)
    upgrade(engine)
    demo_load.load_demo(engine, seed=2026, as_of=DEMO_AS_OF, scale=DEMO_SCALE)
    engine.dispose()


def run_command(url: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `python -m sgoversight ARGS` prints on the database at `url` (run in this process;
    no engine is kept from one database to the next)."""
    monkeypatch.setenv("DATABASE_URL", url)
    get_engine.cache_clear()
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            code = cli.main(list(args))
    finally:
        get_engine.cache_clear()
    assert code == cli.EXIT_OK
    return out.getvalue()


def same_as_recorded(output: str, path: Path, output_format: str) -> None:
    """`output` equals the file at `path` (recorded first with SGO_WRITE_GOLDEN=1)."""
    if WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(output.encode("utf-8"))
    recorded = path.read_bytes().decode("utf-8")
    if output_format == "json":
        assert json.loads(output) == json.loads(recorded)
    else:
        assert output == recorded
