"""Run the command line of CONTRACT.md section 2 in a new process against a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sgoversight.store.db import PROJECT_ROOT


def run_cli(
    database: Path,
    *args: str,
    stdin: str | None = None,
    timeout: float = 120,
    python_flags: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """`python [PYTHON_FLAGS] -m sgoversight ARGS` with DATABASE_URL pointing at `database`,
    outside production mode and with the project's own users file, `stdin` typed in if given;
    never raises on a non-zero exit (tests read returncode, stdout and stderr)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("SGO_ENV", None)
    env.pop("SGO_USERS_FILE", None)
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "sgoversight", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=timeout,
        check=False,
    )


#: Libraries a lean command must not load (the app's pages and imports are built on them).
HEAVY = frozenset(
    {"pandas", "numpy", "pyarrow", "sqlalchemy", "pydantic", "streamlit", "psycopg", "altair"}
)


def run_cli_importing(
    database: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """run_cli with Python's import log on: the result, and the top-level packages imported."""
    result = run_cli(database, *args, python_flags=("-X", "importtime"))
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return result, names
