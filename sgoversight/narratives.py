"""Text written for one period of a report and saved with it.

The weekly report's "significant issues this week" and the quarterly standards report's narrative
sections are kept per (report, period, section). Rules: only users who may write report text save
it; reading needs the permission to see the report itself; every save is audited with the text
before and after; saving text identical to what is stored changes nothing and logs nothing.

Each section has a version (0 while nothing is written; each saved change adds one). A save names
the version the writer started from for every section it sends; if any of them was changed by
someone else since, the whole save is refused with EditConflict (saying who changed what, when)
and nothing is written, so two people editing one report never silently lose each other's text.
Every problem with the text is reported at once (FormInvalid, one message per section).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sgoversight import uktime
from sgoversight.auth import Actor, Permission
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.store import audit
from sgoversight.store.db import session_scope
from sgoversight.store.models import ReportNarrative

MAX_LENGTH = 20_000

#: report -> (permission to read it, its sections in display order with their headings)
REPORTS: dict[str, tuple[Permission, dict[str, str]]] = {
    "weekly": (
        Permission.VIEW_CONCERNS,
        {"significant_issues": "Significant issues this week"},
    ),
    "standards": (
        Permission.VIEW_STANDARDS,
        {
            "performance_summary": "Performance summary",
            "learning_from_reviews": "Learning from reviews",
            "quality_assurance": "Quality assurance insights",
            "practice_insights": "Practice insights",
            "real_life_stories": "Real-life stories",
        },
    ),
}


@dataclass(frozen=True)
class Section:
    """One section's stored text with its version (0 and blank while nothing is written) and
    who saved it last, when (naive UTC)."""

    text: str = ""
    version: int = 0
    updated_by: str | None = None
    updated_at: dt.datetime | None = None


def sections(report: str) -> dict[str, str]:
    """The sections of `report` (code -> heading), in display order."""
    if report not in REPORTS:
        raise BadInput(f"unknown report '{report}': one of {', '.join(REPORTS)}")
    return REPORTS[report][1]


def read_sections(engine: Engine, actor: Actor, report: str, period: str) -> dict[str, Section]:
    """Every section of `report` for `period` with its version, blank (version 0) where nothing
    was written; needs the permission to see the report."""
    headings = sections(report)
    actor.require(REPORTS[report][0])
    with Session(engine) as session:
        rows = session.scalars(
            select(ReportNarrative).where(
                ReportNarrative.report == report, ReportNarrative.period == period
            )
        ).all()
    stored = {
        row.section: Section(row.text, row.version, row.updated_by, row.updated_at) for row in rows
    }
    return {section: stored.get(section, Section()) for section in headings}


def read_narrative(engine: Engine, actor: Actor, report: str, period: str) -> dict[str, str]:
    """Every section of `report` for `period`, blank where nothing was written."""
    return {code: s.text for code, s in read_sections(engine, actor, report, period).items()}


def save_sections(
    engine: Engine,
    actor: Actor,
    report: str,
    period: str,
    texts: Mapping[str, str],
    versions: Mapping[str, int],
) -> int:
    """Save the sections in `texts` together; returns how many changed. All or nothing.

    Text is stored as written (pages show it as plain text, never as markup); surrounding blank
    space is trimmed and each section may be at most MAX_LENGTH characters (FormInvalid naming
    every section over it, by its heading's code). `versions` holds, per section sent, the version
    the writer started from (Section.version); a section someone else has saved since makes the
    whole save an EditConflict. Each changed section is audited with its text before and after.
    """
    headings = sections(report)
    actor.require(Permission.WRITE_REPORT_TEXT)
    unknown = [code for code in texts if code not in headings]
    if unknown:
        raise BadInput(f"unknown section '{unknown[0]}' of the {report} report")
    missing = [code for code in texts if code not in versions]
    if missing:
        raise BadInput(f"the version you started from is missing for '{missing[0]}'")
    cleaned = {code: text.strip() for code, text in texts.items()}
    too_long = {
        code: f"at most {MAX_LENGTH:,} characters, not {len(text):,}"
        for code, text in cleaned.items()
        if len(text) > MAX_LENGTH
    }
    if too_long:
        raise FormInvalid(too_long, "The report text was not saved")
    try:
        with session_scope(engine) as session:
            rows = {
                row.section: row
                for row in session.scalars(
                    select(ReportNarrative).where(
                        ReportNarrative.report == report,
                        ReportNarrative.period == period,
                        ReportNarrative.section.in_(list(cleaned)),
                    )
                )
            }
            stale = [
                code
                for code in cleaned
                if (rows[code].version if code in rows else 0) != versions[code]
            ]
            if stale:
                raise _conflict(headings, rows, stale)
            changed = 0
            for code, text in cleaned.items():
                row = rows.get(code)
                before = row.text if row is not None else ""
                if before == text:
                    continue
                if row is None:
                    session.add(
                        ReportNarrative(
                            report=report,
                            period=period,
                            section=code,
                            text=text,
                            updated_by=actor.username,
                        )
                    )
                else:
                    row.text = text
                    row.updated_by = actor.username
                audit.record(
                    session,
                    actor,
                    "update" if before else "create",
                    "report_narrative",
                    f"{report}/{period}/{code}",
                    before={"text": before},
                    after={"text": text},
                )
                changed += 1
            session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        now = read_sections(engine, actor, report, period)
        stale = [code for code in cleaned if now[code].version != versions[code]] or list(cleaned)
        raise _conflict(headings, {}, stale, now) from None
    return changed


def _conflict(
    headings: Mapping[str, str],
    rows: Mapping[str, ReportNarrative],
    stale: list[str],
    now: Mapping[str, Section] | None = None,
) -> EditConflict:
    """The refusal: which sections someone else saved since the writer opened them, by whom and
    when (UK time)."""
    parts = []
    for code in stale:
        if now is not None:
            who, when = now[code].updated_by, now[code].updated_at
        else:
            row = rows.get(code)
            who, when = (row.updated_by, row.updated_at) if row is not None else (None, None)
        by = f" by {who}" if who else ""
        at = f" at {uktime.clock(when)}" if when else ""
        parts.append(f'"{headings[code]}" was changed{by}{at}')
    return EditConflict(f"{'; '.join(parts)} since you opened it, so nothing was saved")


def save_narrative(
    engine: Engine,
    actor: Actor,
    report: str,
    period: str,
    section: str,
    text: str,
    *,
    expected_version: int,
) -> bool:
    """Save one section's text from `expected_version` (see save_sections); True when it changed.
    The one-section form of save_sections: the same checks, audit and refusals."""
    return bool(
        save_sections(engine, actor, report, period, {section: text}, {section: expected_version})
    )
