"""An import run in a child process, so a slow or hostile file never holds the web app.

Rules:
- The file is checked (and, when asked, imported) by `python -m sgoversight.intake.import_jobs` in a
  process of its own, with the import's limits (sgoversight.intake.sheets.ImportLimits). The web app
  only watches it: the child reports its progress and, at the end, its report, one JSON line each.
- The child is held to its budget from outside as well: it is killed when it runs past the time
  budget (plus a grace period for writing) or its resident memory passes the memory budget, and
  the job then ends with a problem naming the budget. A killed import writes nothing (its
  transaction dies with it).
- The child runs at a lower CPU priority (CHILD_NICENESS), so on a busy server people's pages
  are served before a long check.
- `cancel()` asks the child to stop (it stops at its next check and rolls back), and kills it if
  it has not stopped within a few seconds.
- The uploaded bytes are written to a private temporary file, removed when the job ends. What
  the child writes to stderr (a traceback, if it fails) goes to the app's log, never the page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sgoversight.auth import Actor, Role
from sgoversight.intake.importing import CANCELLED, ImportReport, Problem
from sgoversight.intake.sheets import DEFAULT_LIMITS, WHOLE, ImportLimits
from sgoversight.store.db import PROJECT_ROOT

#: How much lower than the web app's the child's CPU priority is (a Unix nice increment).
CHILD_NICENESS = 10
#: Seconds a job may run past its time budget (connecting, comparing and writing).
WRITE_GRACE_SECONDS = 300.0
#: Seconds a cancelled child has to stop on its own before it is killed.
CANCEL_GRACE_SECONDS = 5.0
#: Resident memory a child may hold beyond the budget: Python, SQLAlchemy, pydantic themselves.
BASE_MEMORY_MIB = 200
_POLL_SECONDS = 0.2
_LOG = logging.getLogger(__name__)


@dataclass
class JobStatus:
    """What the web app shows of a job: how far it has got, and its report once finished."""

    fraction: float = 0.0
    message: str = "Starting the check"
    report: ImportReport | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> bool:
        return self.report is not None


class ImportJob:
    """One import running in a child process (see the module's rules)."""

    def __init__(
        self,
        database_url: str,
        kind: str,
        data: bytes,
        *,
        filename: str,
        actor: Actor,
        dry_run: bool,
        today: dt.date | None = None,
        limits: ImportLimits = DEFAULT_LIMITS,
    ) -> None:
        self.kind, self.filename, self.dry_run, self.limits = kind, filename, dry_run, limits
        self._status = JobStatus(message=f"Reading {filename}")
        self._lock = threading.Lock()
        self._cancelled = False
        handle, path = tempfile.mkstemp(prefix="sgoversight-import-", suffix=Path(filename).suffix)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        self._path = Path(path)
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the job ends)
        order = {
            "database_url": database_url,
            "kind": kind,
            "path": str(self._path),
            "filename": filename,
            "actor": {
                "username": actor.username,
                "roles": sorted(role.value for role in actor.roles),
                "provider_id": actor.provider_id,
            },
            "dry_run": dry_run,
            "today": today.isoformat() if today else None,
            "limits": dataclasses.asdict(limits),
        }
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "sgoversight.intake.import_jobs"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                cwd=PROJECT_ROOT,
                text=True,
            )
        except OSError:
            self._path.unlink(missing_ok=True)
            self._errors.close()
            raise
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(order) + "\n")
        self._process.stdin.flush()
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="import-job")
        self._watcher.start()

    # --- what the page asks ----------------------------------------------------------------------

    def status(self) -> JobStatus:
        """A copy of the job's status now."""
        with self._lock:
            return dataclasses.replace(self._status)

    def cancel(self) -> None:
        """Ask the child to stop; it is killed if it has not stopped within the grace period."""
        with self._lock:
            if self._status.finished or self._cancelled:
                return
            self._cancelled = True
            self._status.message = "Cancelling…"
        self._signal(signal.SIGTERM)

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the job has finished (or `timeout` seconds passed); its status."""
        self._watcher.join(timeout)
        return self.status()

    # --- the watcher thread ----------------------------------------------------------------------

    def _watch(self) -> None:
        """Read the child's lines; hold it to its budget; record its end."""
        reader = threading.Thread(target=self._read, daemon=True, name="import-job-output")
        reader.start()
        cancelled_at: float | None = None
        deadline = time.monotonic() + self.limits.seconds + WRITE_GRACE_SECONDS
        try:
            while self._process.poll() is None:
                reader.join(_POLL_SECONDS)
                with self._lock:
                    cancelled = self._cancelled
                if cancelled and cancelled_at is None:
                    cancelled_at = time.monotonic()
                ending = self._over_budget(deadline)
                late = cancelled_at is not None and time.monotonic() - cancelled_at
                if ending is None and late and late > CANCEL_GRACE_SECONDS:
                    ending = CANCELLED
                if ending is not None:
                    self._process.kill()
                    self._process.wait()
                    self._finish(ending)
                    return
            reader.join(5)
            with self._lock:
                finished = self._status.finished
            if not finished:
                self._log_errors()
                self._finish(
                    CANCELLED
                    if self._cancelled
                    else "the check stopped unexpectedly: nothing was written; try again, or "
                    "split the file into parts"
                )
        finally:
            self._path.unlink(missing_ok=True)
            self._errors.close()

    def _log_errors(self) -> None:
        """Log the tail of what a child that ended without a report wrote to stderr."""
        self._errors.seek(0)
        text = self._errors.read()[-4000:].decode("utf-8", "replace").strip()
        _LOG.error(
            "import check of %s ended without a report (exit %s): %s",
            self.filename,
            self._process.returncode,
            text or "no output",
        )

    def _over_budget(self, deadline: float) -> str | None:
        if time.monotonic() > deadline:
            return (
                f"the import took longer than {self.limits.seconds + WRITE_GRACE_SECONDS:,.0f} "
                "seconds and was stopped: nothing was written; split the file into parts"
            )
        resident = _resident_mib(self._process.pid)
        if resident is not None and resident > self.limits.memory_mib + BASE_MEMORY_MIB:
            return (
                f"the import needed more than {self.limits.memory_mib:,} MiB of memory and was "
                "stopped: nothing was written; split the file into parts"
            )
        return None

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                if message.get("report") is not None:
                    self._status.report = _report_from(message["report"])
                    self._status.fraction = 1.0
                    self._status.message = self._status.report.summary()
                elif not self._cancelled:
                    self._status.fraction = float(message.get("fraction", 0.0))
                    self._status.message = str(message.get("message", ""))

    def _finish(self, problem: str) -> None:
        report = ImportReport(kind=self.kind, filename=self.filename, dry_run=self.dry_run)
        report.problems = [Problem(self.filename, 1, WHOLE, problem)]
        with self._lock:
            if self._status.report is None:
                self._status.report = report
                self._status.fraction = 1.0
                self._status.message = report.summary()

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            self._process.send_signal(number)


def _resident_mib(pid: int) -> float | None:
    """A process's resident memory in MiB (Linux), else None."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- reports as JSON ------------------------------------------------------------------------------


def _report_to(report: ImportReport) -> dict[str, Any]:
    values = dataclasses.asdict(report)
    values["created_ids"] = values["updated_ids"] = []
    return values


def _report_from(values: dict[str, Any]) -> ImportReport:
    problems = [Problem(**problem) for problem in values.pop("problems")]
    return ImportReport(**values, problems=problems)


# --- the child ------------------------------------------------------------------------------------


def _child() -> int:
    """Run the import described on stdin; write progress and the report to stdout."""
    with contextlib.suppress(OSError):  # a system that cannot lower it runs it as it is
        os.nice(CHILD_NICENESS)
    from sgoversight.intake.importing import import_file
    from sgoversight.store.db import make_engine

    order = json.loads(sys.stdin.readline())
    cancel = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: cancel.set())
    last = [0.0]

    def say(values: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(values) + "\n")
        sys.stdout.flush()

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= _POLL_SECONDS:
            last[0] = now
            say({"fraction": fraction, "message": message})

    actor = Actor(
        username=order["actor"]["username"],
        roles=frozenset(Role(role) for role in order["actor"]["roles"]),
        provider_id=order["actor"]["provider_id"],
    )
    engine = make_engine(order["database_url"])
    try:
        report = import_file(
            engine,
            order["kind"],
            Path(order["path"]),
            filename=order["filename"],
            actor=actor,
            dry_run=order["dry_run"],
            progress=progress,
            today=dt.date.fromisoformat(order["today"]) if order["today"] else None,
            limits=ImportLimits(**order["limits"]),
            cancel=cancel,
        )
    finally:
        engine.dispose()
    say({"report": _report_to(report)})
    return 0


if __name__ == "__main__":
    sys.exit(_child())
