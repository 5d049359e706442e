"""The results of a benchmark run: collected by the benchmarks, printed as one table at the end of
`make bench`, and written up as docs/performance.md when SGO_BENCH_REPORT names a file:

    SGO_BENCH_REPORT=docs/performance.md make bench

Rules: every figure is a measurement of this run, shown beside its baseline from the same run and
its target with "met" or "MISSED". The machine (uname, CPUs, memory, Python, date, load average)
is described from the run too. Text between the FINDINGS markers of an existing report (the
written analysis of the misses) is carried over, so regenerating the figures keeps it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

FINDINGS_START = "<!-- findings: kept when the report is regenerated -->"
FINDINGS_END = "<!-- /findings -->"
REPORT_ENV = "SGO_BENCH_REPORT"
PACKAGES = ("pandas", "numpy", "SQLAlchemy", "pydantic", "streamlit", "psycopg")
MET, MISSED = "met", "MISSED"
#: The order sections are shown in (others follow in the order measured).
SECTION_ORDER = (
    "Data set",
    "Import",
    "Commands",
    "Pages",
    "Landing page",
    "Peak memory",
    "National scale",
)


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline from the same run, and its target (if any)."""

    section: str
    what: str
    value: str
    baseline: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def status(self) -> str:
        return "" if self.met is None else MET if self.met else MISSED


@dataclass
class Results:
    """Everything one run measured, in the order measured."""

    figures: list[Figure] = field(default_factory=list)
    #: Longer text per section: the data set, profiles of misses.
    notes: dict[str, list[str]] = field(default_factory=dict)
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    load_at_start: tuple[float, float, float] = field(default_factory=os.getloadavg)

    def add(
        self,
        section: str,
        what: str,
        value: str,
        baseline: str = "",
        target: str = "",
        met: bool | None = None,
    ) -> Figure:
        figure = Figure(section, what, value, baseline, target, met)
        self.figures.append(figure)
        return figure

    def note(self, section: str, text: str) -> None:
        self.notes.setdefault(section, []).append(text)

    def sections(self) -> list[str]:
        seen = list(dict.fromkeys([f.section for f in self.figures] + list(self.notes)))
        known = [s for s in SECTION_ORDER if s in seen]
        return known + [s for s in seen if s not in SECTION_ORDER]

    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.met is False]


# --- how figures are written ----------------------------------------------------------------------


def seconds(value: float) -> str:
    if value < 0.1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def rate(rows: int, elapsed: float) -> str:
    return f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else "-"


def mib(value: float) -> str:
    return f"{value:,.0f} MiB"


# --- the machine ----------------------------------------------------------------------------------


def _first_line(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine(results: Results) -> dict[str, str]:
    """The machine and software the run was measured on."""
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=False)
    memory = _first_line("/proc/meminfo", "MemTotal")
    if memory.endswith(" kB"):
        memory = f"{int(memory[:-3]) / 1024 / 1024:.1f} GiB"
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    load_start = ", ".join(f"{x:.2f}" for x in results.load_at_start)
    load_end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "uname -a": uname.stdout.strip() or platform.platform(),
        "CPUs": f"{os.cpu_count()} × {_first_line('/proc/cpuinfo', 'model name')}",
        "RAM": memory,
        "Python": platform.python_version(),
        "Packages": ", ".join(versions),
        "Date (UTC)": results.started.strftime("%Y-%m-%d %H:%M"),
        "Load average (1, 5, 15 min)": f"{load_start} at the start; {load_end} at the end",
    }


# --- text and markdown ----------------------------------------------------------------------------

_HEADINGS = ("Measured", "Ours", "Baseline (same run)", "Target", "")


def table(results: Results) -> str:
    """All figures as one aligned plain-text table, a heading line per section."""
    rows = [(f.what, f.value, f.baseline, f.target, f.status) for f in results.figures]
    widths = [max(len(str(r[i])) for r in [_HEADINGS, *rows]) for i in range(len(_HEADINGS))]

    def line(cells: Iterable[str]) -> str:
        return "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(_HEADINGS), line("-" * w for w in widths)]
    for section in results.sections():
        figures = [f for f in results.figures if f.section == section]
        if not figures:
            continue
        out.append(f"[{section}]")
        out += [line((f.what, f.value, f.baseline, f.target, f.status)) for f in figures]
    missed = results.missed()
    out.append("")
    out.append(
        f"{len(missed)} of {sum(f.met is not None for f in results.figures)} targets missed"
        + (": " + "; ".join(f"{f.section}: {f.what}" for f in missed) if missed else "")
    )
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(results: Results, findings: str = "") -> str:
    """The report: machine, targets, every figure by section, notes, and the findings."""
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (the suite in `benchmarks/`) and written by it: regenerate this "
        "page with `SGO_BENCH_REPORT=docs/performance.md make bench`. Every figure is from one "
        "run; each baseline beside it was measured in the same run on the same machine. The "
        "machine is shared, so the load average is given: figures move with it.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {_cell(value)} |" for key, value in machine(results).items()]
    lines += ["", "## Targets", ""]
    with_target = [f for f in results.figures if f.met is not None]
    missed = results.missed()
    lines.append(
        f"{len(with_target) - len(missed)} of {len(with_target)} targets met"
        + (f"; missed: {len(missed)} (listed first)." if missed else ".")
    )
    lines += ["", "| Section | Measured | Ours | Target | |", "|---|---|---|---|---|"]
    for figure in sorted(with_target, key=lambda f: f.met is not False):
        lines.append(
            f"| {figure.section} | {_cell(figure.what)} | {_cell(figure.value)} | "
            f"{_cell(figure.target)} | {figure.status} |"
        )
    for section in results.sections():
        lines += ["", f"## {section}"]
        figures = [f for f in results.figures if f.section == section]
        if figures:
            lines += ["", "| Measured | Ours | Baseline (same run) | Target | |"]
            lines += ["|---|---|---|---|---|"]
            lines += [
                f"| {_cell(f.what)} | {_cell(f.value)} | {_cell(f.baseline)} | "
                f"{_cell(f.target)} | {f.status} |"
                for f in figures
            ]
        for note in results.notes.get(section, []):
            lines += ["", note]
    lines += ["", "## Findings", "", FINDINGS_START, findings.strip() or "(none written)"]
    lines += [FINDINGS_END, ""]
    return "\n".join(lines)


def kept_findings(path: Path) -> str:
    """The findings written into an existing report, to carry over."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(FINDINGS_START), text.find(FINDINGS_END)
    if start < 0 or end < start:
        return ""
    return text[start + len(FINDINGS_START) : end].strip()


def write_report(results: Results, path: Path) -> None:
    """Write `results` to `path` as markdown, keeping the findings already written there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(results, kept_findings(path)), encoding="utf-8")


def report_path() -> Path | None:
    """The file SGO_BENCH_REPORT names (relative to the project), if any."""
    value = os.environ.get(REPORT_ENV, "").strip()
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else Path(__file__).resolve().parent.parent / path
