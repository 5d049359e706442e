"""Measuring: the wall time of a function, and the wall time and peak memory of a child process.

Rules: wall time is `time.perf_counter` around the work and nothing else; a repeated measurement
keeps the best (least disturbed) run, since every disturbance on a shared machine only adds time.
A child's peak memory is its own maximum resident set size (`ru_maxrss`), read with `os.wait4`
when it ends (`resource.getrusage(RUSAGE_CHILDREN)` would give the largest of all children so
far), by a small launcher process (see _LAUNCHER).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True)
class ProcessRun:
    """One finished child process: wall seconds, its peak resident memory and its output."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> ProcessRun:
        """Self, or AssertionError with the child's stderr when it failed."""
        assert self.returncode == 0, f"exit {self.returncode}: {self.stderr[-2000:]}"
        return self


# Runs the command as its own child and reports that child's wall time and peak memory. Why a
# launcher: a child's maxrss starts at the size of the process it was forked from (the kernel
# carries the parent's high-water mark across fork and exec), and the benchmark process holds the
# large borough; the launcher is small, so its child's figure is the command's own.
_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
elapsed = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    report.write(f"{elapsed} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def run_process(args: Sequence[str], env: Mapping[str, str] | None = None) -> ProcessRun:
    """Run `args` from the project directory to completion and measure it."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".txt") as report,
    ):
        launcher = [sys.executable, "-c", _LAUNCHER, report.name, *args]
        child = subprocess.run(launcher, stdout=out, stderr=err, env=env, cwd=PROJECT_ROOT)
        elapsed, max_rss_kib = report.read().split()
        out.seek(0)
        err.seek(0)
        return ProcessRun(
            seconds=float(elapsed),
            peak_mib=int(max_rss_kib) * 1024 / MIB,  # Linux reports kilobytes
            returncode=child.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def best_process_run(
    args: Sequence[str], env: Mapping[str, str] | None = None, repeats: int = 2
) -> ProcessRun:
    """The fastest of `repeats` successful runs, with the highest peak memory seen."""
    runs = [run_process(args, env).check() for _ in range(repeats)]
    fastest = min(runs, key=lambda run: run.seconds)
    return ProcessRun(
        seconds=fastest.seconds,
        peak_mib=max(run.peak_mib for run in runs),
        returncode=0,
        stdout=fastest.stdout,
        stderr=fastest.stderr,
    )


def python(*args: str) -> list[str]:
    """A command line running this interpreter (the project's virtual environment)."""
    return [sys.executable, *args]


def environment(**overrides: str) -> dict[str, str]:
    """This process's environment with `overrides` (e.g. DATABASE_URL) for a child."""
    env = dict(os.environ)
    env.update(overrides)
    return env


def timed(function: Callable[[], T]) -> tuple[float, T]:
    """(wall seconds, result) of one call."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def timed_with_cpu(function: Callable[[], T]) -> tuple[float, float, T]:
    """(wall seconds, CPU seconds of this process, result) of one call: wall time well above CPU
    time means the machine was busy with other work (or the database server was)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - start, time.process_time() - cpu, result


def best_of(repeats: int, function: Callable[[], T]) -> tuple[float, T]:
    """(fastest wall seconds, last result) over `repeats` calls."""
    best, result = timed(function)
    for _ in range(repeats - 1):
        seconds, result = timed(function)
        best = min(best, seconds)
    return best, result


def profile_top(function: Callable[[], object], entries: int = 12) -> str:
    """cProfile of one call: the top `entries` by cumulative time, as text."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        function()
    finally:
        profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("cumulative").print_stats(entries)
    lines = buffer.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    site = sysconfig.get_paths()["purelib"] + "/"
    root = f"{PROJECT_ROOT}/"
    shown = (line.replace(site, "").replace(root, "") for line in lines[start:])
    return "\n".join(line for line in shown if line.strip())
