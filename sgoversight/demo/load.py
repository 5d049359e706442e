"""Loading the demo borough into a database, through the importer as a council's own files are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from sqlalchemy import Engine, select

from sgoversight.auth import SYSTEM
from sgoversight.demo.borough import build_borough
from sgoversight.demo.files import KINDS, csv_bytes
from sgoversight.demo.scale import DEFAULT_SCALE, BoroughScale
from sgoversight.errors import BadInput
from sgoversight.intake.importing import ImportReport, import_file
from sgoversight.standards import results as standards_store
from sgoversight.store.models import Provider

Progress = Callable[[float, str], None]


def is_empty(engine: Engine) -> bool:
    """Rule: a database is empty when its provider register holds no provider."""
    with engine.connect() as connection:
        return connection.execute(select(Provider.provider_id).limit(1)).first() is None


#: The demo login that owns the open plans (config/users.yaml), so the plan owner's view has work.
DEMO_PLAN_OWNER = "planowner"


def _assign_plan_owners(engine: Engine, plans_frame: pd.DataFrame, as_of: dt.date) -> None:
    """Give each open plan the demo plan owner and a review date a month after as-of, through
    the plans use case (audited), as a council would after moving its tracker in."""
    from sgoversight.plans.actions import update_plan

    for plan_id in plans_frame.loc[plans_frame["status"] == "open", "plan_id"]:
        update_plan(
            engine,
            SYSTEM,
            str(plan_id),
            owner=DEMO_PLAN_OWNER,
            next_review_on=as_of + dt.timedelta(days=30),
        )


def _second_tuesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(1 - first.weekday()) % 7 + 7)


def _schedule_qa_meetings(engine: Engine, as_of: dt.date) -> None:
    """The monthly Quality Assurance meeting on the second Tuesday of each of the last two
    months that have had theirs by as-of, created once (loading again adds none)."""
    from sgoversight.alerts.qa import create_meeting, list_meetings

    held = {meeting.meeting_on for meeting in list_meetings(engine, SYSTEM)}
    days = []
    year, month = as_of.year, as_of.month
    while len(days) < 2:
        day = _second_tuesday(year, month)
        if day <= as_of:
            days.append(day)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for day in sorted(days):
        if day not in held:
            create_meeting(
                engine,
                SYSTEM,
                meeting_on=day,
                attendees="Commissioning (chair), adult social care quality team, provider "
                "representatives, health quality lead",
            )


def _record_cqc_history(engine: Engine, providers: pd.DataFrame, as_of: dt.date, seed: int) -> None:
    """The demo's Care Quality Commission ratings history (sgoversight.demo.cqc), recorded as
    two imports of the CQC's file would record it (loading again adds nothing)."""
    from sgoversight.demo.cqc import demo_history
    from sgoversight.intake.cqc import record_ratings

    for ratings in demo_history(providers.to_dict("records"), as_of, seed):
        record_ratings(engine, ratings, actor=SYSTEM, today=as_of)


def load_demo(
    engine: Engine,
    *,
    seed: int = 2026,
    as_of: dt.date | None = None,
    scale: BoroughScale = DEFAULT_SCALE,
    progress: Progress | None = None,
) -> str:
    """Build the demo borough and import it file by file through `importing.import_file`, as the
    system actor, with "today" set to the as-of date (default: today).

    Rule: the demo passes the same all-or-nothing validation as a council's files and leaves an
    ImportRun per file; loading the same borough again changes nothing (rows are upserted by id).
    The safeguarding standards of the recent quarters are worked out and stored once, when every
    file is in (standards_store.refresh), not after each file.
    Raises BadInput with every problem if a file is rejected. Returns a one-line summary.
    """
    as_of = as_of or dt.date.today()
    frames = build_borough(seed, as_of, scale)
    total = sum(len(frames[kind]) for kind in KINDS) or 1
    done = 0
    reports: dict[str, ImportReport] = {}
    for kind in KINDS:
        frame = frames[kind]

        def step(fraction: float, message: str, done: int = done, rows: int = len(frame)) -> None:
            if progress is not None:
                progress(min(1.0, (done + rows * fraction) / total), message)

        report = import_file(
            engine,
            kind,
            csv_bytes(frame),
            filename=f"demo-{kind}.csv",
            actor=SYSTEM,
            today=as_of,
            progress=step,
            refresh_standards=False,
        )
        if not report.ok:
            raise BadInput(
                f"the demo borough's {kind} file was rejected",
                [str(problem) for problem in report.problems],
            )
        reports[kind] = report
        done += len(frame)
    _assign_plan_owners(engine, frames["plans"], as_of)
    _schedule_qa_meetings(engine, as_of)
    _record_cqc_history(engine, frames["providers"], as_of, seed)
    standards_store.refresh(engine, as_of)
    counts = {kind: reports[kind].rows for kind in KINDS}
    return (
        f"Demo borough loaded: {counts['providers']:,} providers, "
        f"{counts['alerts']:,} quality alerts, {counts['concerns']:,} safeguarding concerns, "
        f"{counts['plans']:,} improvement plans, {counts['actions']:,} actions, "
        f"{counts['training']:,} training records (as of {as_of.isoformat()})."
    )
