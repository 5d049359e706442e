"""Text written for one period of a report and saved with it.

The weekly report's "significant issues this week" and the quarterly standards report's narrative
sections are kept per (report, period, section). Rules: only users who may write report text save
it; reading needs the permission to see the report itself; every save is audited with the text
before and after; saving text identical to what is stored changes nothing and logs nothing.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import audit
from sgoversight.auth import Actor, Permission
from sgoversight.db import session_scope
from sgoversight.errors import BadInput
from sgoversight.models import ReportNarrative

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


def sections(report: str) -> dict[str, str]:
    """The sections of `report` (code -> heading), in display order."""
    if report not in REPORTS:
        raise BadInput(f"unknown report '{report}': one of {', '.join(REPORTS)}")
    return REPORTS[report][1]


def read_narrative(engine: Engine, actor: Actor, report: str, period: str) -> dict[str, str]:
    """Every section of `report` for `period`, blank where nothing was written."""
    headings = sections(report)
    actor.require(REPORTS[report][0])
    with Session(engine) as session:
        rows = session.scalars(
            select(ReportNarrative).where(
                ReportNarrative.report == report, ReportNarrative.period == period
            )
        ).all()
    stored = {row.section: row.text for row in rows}
    return {section: stored.get(section, "") for section in headings}


def save_narrative(
    engine: Engine, actor: Actor, report: str, period: str, section: str, text: str
) -> bool:
    """Save one section's text; True when it changed. Audited with the text before and after.

    Text is stored as written (pages show it as plain text, never as markup); surrounding blank
    space is trimmed and it may be at most MAX_LENGTH characters.
    """
    headings = sections(report)
    actor.require(Permission.WRITE_REPORT_TEXT)
    if section not in headings:
        raise BadInput(f"unknown section '{section}' of the {report} report")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise BadInput(f"{headings[section]}: at most {MAX_LENGTH:,} characters, not {len(text):,}")
    with session_scope(engine) as session:
        row = session.scalars(
            select(ReportNarrative).where(
                ReportNarrative.report == report,
                ReportNarrative.period == period,
                ReportNarrative.section == section,
            )
        ).one_or_none()
        before = row.text if row is not None else ""
        if before == text:
            return False
        if row is None:
            row = ReportNarrative(
                report=report, period=period, section=section, text=text, updated_by=actor.username
            )
            session.add(row)
        else:
            row.text = text
            row.updated_by = actor.username
        audit.record(
            session,
            actor,
            "update" if before else "create",
            "report_narrative",
            f"{report}/{period}/{section}",
            before={"text": before},
            after={"text": text},
        )
    return True
