"""The two boroughs the `score` command's recorded outputs (tests/fixtures/golden/score/) come from.

- the demo borough (sgoversight.demo, seed 2026, as of 20 November 2026, 100 providers);
- a boundary borough built by hand: for Board month 2026-11 (window 1 September to 30 November
  2026, previous window June to August) every count indicator sits one below, on, and one above
  its amber and red thresholds, and every dated rule has a record on each edge of its window (the
  day before, the first day, the as-of date, the day after). Scored over the months around
  2026-11 the same records fall on other edges as the window moves.

Run as a script to record the outputs again from the code of the day:
`python -m tests.support.golden_score` (only when a change to the outputs is intended).
"""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from sgoversight.store.db import PROJECT_ROOT, make_engine
from sgoversight.store.models import ImprovementAction, ImprovementPlan, Provider
from tests.support.cli import run_cli
from tests.support.records import alert, concern

GOLDEN = PROJECT_ROOT / "tests" / "fixtures" / "golden" / "score"
DEMO_SEED, DEMO_AS_OF = 2026, dt.date(2026, 11, 20)
#: The demo borough's storylines at a size that loads in seconds rather than minutes.
DEMO_SCALE_ARGS = {"providers": 100, "months": 18, "concerns_per_month": 120.0,
                   "alerts_per_month": 30.0, "staff": 60}  # fmt: skip
#: Board months recorded for each borough (at least eight, across a year end).
MONTHS: dict[str, tuple[str, ...]] = {
    "demo": ("2025-12", *(f"2026-{m:02d}" for m in range(1, 12))),
    "boundary": (
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12", "2027-01",
        "2027-02", "2027-03",
    ),
}  # fmt: skip
FORMATS = ("json", "csv")

D = dt.date.fromisoformat
AS_OF = D("2026-11-30")
BEFORE_WINDOW, FIRST_DAY, DAY_AFTER = D("2026-08-31"), D("2026-09-01"), D("2026-12-01")
IN_WINDOW, IN_PREVIOUS, FIRST_PREVIOUS = D("2026-10-15"), D("2026-07-15"), D("2026-06-01")


def golden_path(borough: str, month: str, fmt: str) -> Path:
    """Where the recorded output of `score --month month --format fmt` on `borough` is kept."""
    return GOLDEN / f"{borough}-{month}.{fmt}"


def run_score(database: Path, month: str, fmt: str, *extra: str) -> subprocess.CompletedProcess:
    """`python -m sgoversight score --month month --format fmt` on the SQLite file `database`."""
    return run_cli(database, "score", "--month", month, "--format", fmt, *extra)


def _init(database: Path) -> None:
    done = run_cli(database, "init-db")
    assert done.returncode == 0, done.stderr


def build_demo(database: Path) -> None:
    """The demo borough in a new SQLite file."""
    from sgoversight.demo.load import load_demo
    from sgoversight.demo.scale import BoroughScale

    _init(database)
    engine = make_engine(f"sqlite:///{database}")
    load_demo(engine, seed=DEMO_SEED, as_of=DEMO_AS_OF, scale=BoroughScale(**DEMO_SCALE_ARGS))
    engine.dispose()


def _days(start: dt.date, n: int) -> list[dt.date]:
    """`n` days from `start`, one day apart (records on distinct days)."""
    return [start + dt.timedelta(days=i) for i in range(n)]


class _Ids:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):04d}"


def _boundary_rows() -> Iterator[object]:
    """Providers and their records; see the module docstring."""
    ids = _Ids()
    number = itertools.count(1)

    def provider(name: str, **fields: object) -> str:
        pid = f"B{next(number):03d}"
        values: dict[str, object] = {
            "service_type": "care_home",
            "regulated": True,
            "commissioned": True,
            "cqc_rating": "good",
        }
        values.update(fields)
        rows.append(Provider(provider_id=pid, name=name, **values))
        return pid

    rows: list[object] = []
    # Each count indicator one below, on and one above amber and red (spread over the window,
    # the first record on its first day and the last on as-of where there are two or more).
    spread = {
        n: [FIRST_DAY, *_days(D("2026-10-01"), max(n - 2, 0)), AS_OF][:n] if n else []
        for n in range(0, 8)
    }
    for n in (0, 1, 2, 3, 4, 5, 6, 7):
        pid = provider(f"Alerts {n}")
        for day in spread[n]:
            closed = "2026-09-02" if day < AS_OF else None
            rows.append(alert(ids("A"), pid, day.isoformat(), closed))
    for severity in ("high", "critical"):
        for n in (0, 1, 2, 3, 4):
            pid = provider(f"{severity.title()} alerts {n}")
            for day in spread[n]:
                rows.append(alert(ids("A"), pid, day.isoformat(), AS_OF.isoformat(),
                                  severity=severity))  # fmt: skip
    for n in (1, 2, 4, 5, 6):
        pid = provider(f"provider concerns {n}")  # lower case: sorting ignores case
        for day in spread[n]:
            rows.append(concern(ids("C"), pid, day.isoformat()))
    for n in (1, 2, 3, 4):
        pid = provider(f"Open enquiries {n}")
        for day in _days(D("2026-11-27"), n):  # started up to as-of
            rows.append(concern(ids("C"), pid, "2026-11-20", source_of_risk="known_to_individual",
                                started=day.isoformat()))  # fmt: skip
    pid = provider("Enquiry edges")
    rows += [
        concern(ids("C"), pid, "2026-05-01", source_of_risk="known_to_individual",
                started="2026-05-02", concluded=AS_OF.isoformat(), risk_outcome="remains"),
        concern(ids("C"), pid, "2026-05-01", source_of_risk="known_to_individual",
                started="2026-05-02", concluded=DAY_AFTER.isoformat(), risk_outcome="reduced"),
        concern(ids("C"), pid, "2026-05-01", source_of_risk="known_to_individual",
                started=DAY_AFTER.isoformat()),
        concern(ids("C"), pid, "2026-05-01", source_of_risk="known_to_individual",
                started="2026-05-02", concluded=BEFORE_WINDOW.isoformat(), risk_outcome="remains"),
    ]  # fmt: skip
    for n in (1, 2, 3):
        pid = provider(f"Risk remains {n}")
        for day in [FIRST_DAY, IN_WINDOW, AS_OF][:n]:
            rows.append(concern(ids("C"), pid, "2026-04-01", source_of_risk="known_to_individual",
                                started="2026-04-02", concluded=day.isoformat(),
                                risk_outcome="remains"))  # fmt: skip
    pid = provider("Organisational abuse")
    rows.append(concern(ids("C"), pid, FIRST_DAY.isoformat(), abuse_type="organisational",
                        source_of_risk="known_to_individual"))  # fmt: skip
    pid = provider("Organisational abuse before the window")
    rows.append(concern(ids("C"), pid, BEFORE_WINDOW.isoformat(), abuse_type="organisational",
                        source_of_risk="known_to_individual"))  # fmt: skip
    for cqc in ("outstanding", "good", "requires_improvement", "inadequate", None):
        provider(f"CQC {cqc or 'not rated'}", cqc_rating=cqc)
    # unresolved alerts: raised 28 days before as-of (counts), 27 (not), closed on as-of (resolved),
    # closed the day after (unresolved), raised after as-of (ignored).
    pid = provider("Unresolved edges")
    rows += [
        alert(ids("A"), pid, "2026-11-02"),
        alert(ids("A"), pid, "2026-11-03"),
        alert(ids("A"), pid, "2026-06-01", AS_OF.isoformat()),
        alert(ids("A"), pid, "2026-06-02", DAY_AFTER.isoformat()),
        alert(ids("A"), pid, DAY_AFTER.isoformat()),
    ]
    for n in (1, 2, 3):
        pid = provider(f"Unresolved {n}")
        for day in _days(D("2026-03-01"), n):
            rows.append(alert(ids("A"), pid, day.isoformat()))
    # Rising trend: (current, previous) pairs either side of min_sum 3 and factor 1.5.
    for current, previous in ((3, 2), (3, 0), (2, 0), (6, 4), (5, 4), (3, 3)):
        pid = provider(f"Trend {current} against {previous}")
        for day in _days(D("2026-09-20"), current):
            rows.append(alert(ids("A"), pid, day.isoformat(), "2026-10-30"))
        for day in [FIRST_PREVIOUS, *_days(D("2026-07-01"), previous)][:previous]:
            rows.append(concern(ids("C"), pid, day.isoformat()))
        rows.append(concern(ids("C"), pid, BEFORE_WINDOW.isoformat(),
                            source_of_risk="known_to_individual"))  # fmt: skip
    # Ratings from ambers alone: two ambers, three ambers.
    pid = provider("Two ambers", cqc_rating="requires_improvement")
    rows.append(concern(ids("C"), pid, "2026-11-01", source_of_risk="known_to_individual",
                        started="2026-11-02"))  # fmt: skip
    pid = provider("Three ambers", cqc_rating="requires_improvement")
    rows.append(concern(ids("C"), pid, "2026-11-01", source_of_risk="known_to_individual",
                        started="2026-11-02"))  # fmt: skip
    rows.append(alert(ids("A"), pid, "2026-09-05", "2026-09-06", severity="high"))
    # Register details a CSV must carry safely: a formula, a comma and quotes, accents, blanks.
    provider('=HYPERLINK("x")', commissioned=None, service_type="other")
    provider('Home, "Sweet" Home', regulated=False, commissioned=False)
    provider("Élan Court", service_type="home_care")
    provider("élan Court")
    # Overdue actions: due the day before as-of (overdue), on as-of (not yet), completed on as-of
    # (done), completed after as-of (overdue).
    plans: list[tuple[str, list[tuple[str, str | None]]]] = []
    pid = provider("Action edges")
    plans.append((pid, [("2026-11-29", None), ("2026-11-30", None),
                        ("2026-10-01", "2026-11-30"), ("2026-10-01", "2026-12-01")]))  # fmt: skip
    for n in (1, 2, 3):
        pid = provider(f"Overdue actions {n}")
        plans.append((pid, [(day.isoformat(), None) for day in _days(D("2026-06-01"), n)]))
    # A concern about no provider counts for nobody.
    rows.append(concern(ids("C"), None, IN_WINDOW.isoformat()))
    yield from rows
    for pid, actions in plans:
        plan_id = f"PL-{pid}"
        yield ImprovementPlan(plan_id=plan_id, provider_id=pid, opened_on=D("2026-01-05"),
                              reason="Board decision", status="open")  # fmt: skip
        for due, completed in actions:
            yield ImprovementAction(
                action_id=ids("X"),
                plan_id=plan_id,
                description="Do the thing",
                owner="Registered manager",
                due_on=D(due),
                completed_on=D(completed) if completed else None,
            )


def build_boundary(database: Path) -> None:
    """The boundary borough in a new SQLite file."""
    _init(database)
    engine = make_engine(f"sqlite:///{database}")
    with Session(engine) as session, session.begin():
        providers, others = [], []
        for row in _boundary_rows():
            (providers if isinstance(row, Provider) else others).append(row)
        session.add_all(providers)
        session.flush()
        for row in others:
            session.add(row)
            if isinstance(row, ImprovementPlan):
                session.flush()
    engine.dispose()


BUILDERS = {"boundary": build_boundary, "demo": build_demo}


def record(folder: Path) -> None:
    """Build both boroughs under `folder` and write every output to GOLDEN."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for borough, build in BUILDERS.items():
        database = folder / f"{borough}.db"
        build(database)
        for month in MONTHS[borough]:
            for fmt in FORMATS:
                result = run_score(database, month, fmt)
                if result.returncode != 0:
                    raise SystemExit(result.stderr)
                golden_path(borough, month, fmt).write_text(result.stdout, encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        record(Path(scratch))
