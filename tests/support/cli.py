"""Run the command line of CONTRACT.md section 2 in a new process against a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sgoversight.db import PROJECT_ROOT


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
