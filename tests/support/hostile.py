"""A small borough in which every text a person or a file can fill holds hostile Markdown.

The demo borough (at its smallest) is imported through the ordinary import path with hostile
provider names, alert summaries, plan reasons, action descriptions and owners, hostile ids for one
provider, one alert and one plan, and a hostile file name. The records the demo leaves empty
(notes, QA discussion and actions, Board meetings and decisions, monitoring and visits, report
text, users, audit entries) are added with hostile text in every free-text column.

`unescaped(source)` names the hostile fragments that a piece of Markdown source would render as
Markdown (a link, an image, bold, a coloured span, an icon, an emoji, LaTeX, a bare-URL link).
"""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM
from sgoversight.demo.borough import build_borough
from sgoversight.demo.files import KINDS
from sgoversight.demo.scale import BoroughScale
from sgoversight.intake.importing import import_file
from sgoversight.narratives import REPORTS
from sgoversight.store.models import (
    AlertNote,
    AlertStatusChange,
    AuditEvent,
    BoardDecision,
    BoardMeeting,
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    MonitoringVisit,
    Provider,
    QaAction,
    QaAgendaItem,
    QaMeeting,
    QualityAlert,
    ReportNarrative,
    User,
)

#: Every Markdown construct Streamlit's renderer knows, in one line of text.
HOSTILE = (
    "**bold** [link](http://evil.test/x) ![i](http://evil.test/i.png) :red[red] "
    ":material/home: $x^2$ :smile: <b>h</b> http://evil.test/b www.evil.test x@evil.test"
)
#: The same for columns of at most 64 characters (ids, usernames).
HOSTILE_ID = "**b**[l](http://evil.test/l)![i](http://evil.test/i.png)"

#: Fragments that only appear in Markdown source if hostile text went in unescaped. An escaped
#: value reads `\*\*bold\*\*`, `\[link\](`, `\:red\[`: none of these match it.
MARKERS = (
    "**bold**", "**b**", "[link](", "[l](", "![i](", ":red[red]", ":red[x]", "$x^2$", ":smile:"
)
#: How escaped hostile text starts: proof that it reached the page.
ESCAPED = "\\*\\*b"

AS_OF = dt.date(2026, 11, 20)
TODAY = dt.date(2026, 11, 24)
SCALE = BoroughScale(
    providers=30, months=14, concerns_per_month=15, alerts_per_month=8, staff=20, plans=4
)
#: The provider staff test user's provider (tests/pages/conftest.py USERS["provider"]).
OWN_PROVIDER = "PRV-A"
HOSTILE_FILE = "**f**[l](http://evil.test/f).csv"
BOARD_MONTHS = ("2026-10", "2026-11")
WEEKS = ("2026-W47", "2026-W48")
QUARTER = "2026-Q3"
QA_MEETINGS = (dt.date(2026, 10, 13), dt.date(2026, 11, 10))


#: What the renderer makes a link or an icon of however it was escaped, in the text it reads once
#: escapes are taken out: a bare web address to the hostile site (GFM), an icon name
#: (Streamlit replaces `:material/` before reading the escapes).
NOT_ESCAPABLE = re.compile(r"(?i)(https?://|www\.)evil|:material/home")
ESCAPE = re.compile(r"\\(.)")


def unescaped(source: str) -> list[str]:
    """The hostile fragments `source` (Markdown) still carries unescaped, and "bare link or icon"
    if its text would still be made into a link to the hostile site or an icon."""
    found = [marker for marker in MARKERS if marker in source]
    if NOT_ESCAPABLE.search(ESCAPE.sub(r"\1", source)):
        found.append("bare link or icon")
    return found


def _hostile_frames() -> dict[str, object]:
    frames = build_borough(2026, AS_OF, SCALE)
    providers, alerts, plans, actions = (
        frames[k] for k in ("providers", "alerts", "plans", "actions")
    )
    first, second = providers["provider_id"].iloc[0], providers["provider_id"].iloc[1]
    renames = {first: OWN_PROVIDER, second: HOSTILE_ID}
    for kind in ("providers", "alerts", "concerns", "plans"):
        frames[kind]["provider_id"] = frames[kind]["provider_id"].replace(renames)
    providers["name"] = providers["name"] + " " + HOSTILE
    alerts["summary"] = HOSTILE + " " + alerts["summary"]
    # One open, recent alert of the provider user's own service carries a hostile id.
    target = alerts.index[alerts["provider_id"] == OWN_PROVIDER][-1]
    alerts.loc[target, ["alert_id", "raised_on", "status", "closed_on"]] = [
        HOSTILE_ID,
        "2026-11-10",
        "open",
        "",
    ]
    plans["reason"] = HOSTILE
    plans.loc[plans.index[0], "provider_id"] = OWN_PROVIDER
    old_plan = plans["plan_id"].iloc[0]
    plans.loc[plans.index[0], "plan_id"] = HOSTILE_ID
    actions["plan_id"] = actions["plan_id"].replace({old_plan: HOSTILE_ID})
    actions["description"] = HOSTILE
    actions["owner"] = HOSTILE
    return frames


def _csv(frame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode()


def seed_hostile(engine: Engine) -> None:
    """Fill an empty, migrated database with the hostile borough."""
    frames = _hostile_frames()
    for kind in KINDS:
        report = import_file(
            engine, kind, _csv(frames[kind]), filename=HOSTILE_FILE, actor=SYSTEM, today=AS_OF
        )
        assert report.ok, [str(p) for p in report.problems]
    now = dt.datetime(2026, 11, 20, 10, 0)
    with Session(engine) as session, session.begin():
        session.execute(
            update(QualityAlert).values(
                raiser_contact=HOSTILE,
                closing_outcome=HOSTILE,
                safeguarding_reference=HOSTILE_ID,
                no_concern_reason=HOSTILE,
            )
        )
        session.execute(update(ImprovementPlan).values(owner=HOSTILE_ID, close_rationale=HOSTILE))
        session.execute(update(ImprovementAction).values(evidence=HOSTILE))
        own_alerts = session.scalars(
            select(QualityAlert.alert_id)
            .where(QualityAlert.provider_id == OWN_PROVIDER)
            .order_by(QualityAlert.raised_on.desc())
        ).all()
        for alert_id in own_alerts[:4]:
            for visibility in ("internal", "shared"):
                session.add(
                    AlertNote(
                        alert_id=alert_id, author=HOSTILE_ID, text=HOSTILE,
                        visibility=visibility, written_at=now,
                    )
                )  # fmt: skip
            session.add(
                AlertStatusChange(
                    alert_id=alert_id, from_status="closed", to_status="open",
                    changed_on=AS_OF, changed_at=now, changed_by=HOSTILE_ID, reason=HOSTILE,
                )
            )  # fmt: skip
        open_alerts = session.scalars(
            select(QualityAlert.alert_id).where(QualityAlert.status != "closed")
        ).all()
        for day in QA_MEETINGS:
            session.add(
                QaMeeting(
                    meeting_on=day, attendees=HOSTILE, notes=HOSTILE, created_by=HOSTILE_ID,
                    created_at=now,
                )
            )  # fmt: skip
        session.flush()
        for meeting in session.scalars(select(QaMeeting)).all():
            for alert_id in open_alerts:
                item = QaAgendaItem(
                    meeting_id=meeting.id, alert_id=alert_id, discussion=HOSTILE,
                    updated_by=HOSTILE_ID, updated_at=now,
                )  # fmt: skip
                item.actions.append(
                    QaAction(
                        description=HOSTILE, owner=HOSTILE, due_on=TODAY,
                        created_by=HOSTILE_ID, created_at=now,
                    )
                )  # fmt: skip
                session.add(item)
        providers = session.scalars(select(Provider.provider_id).order_by(Provider.provider_id))
        provider_ids = [OWN_PROVIDER, HOSTILE_ID, *list(providers)[:4]]
        for month in BOARD_MONTHS:
            meeting = BoardMeeting(
                board_month=month, meeting_on=TODAY, attendees=HOSTILE, notes=HOSTILE,
                created_by=HOSTILE_ID, created_at=now,
            )  # fmt: skip
            session.add(meeting)
            session.flush()
            for n, provider_id in enumerate(dict.fromkeys(provider_ids)):
                earlier = BoardDecision(
                    meeting_id=meeting.id, provider_id=provider_id, board_month=month,
                    computed_rating="Amber", agreed=False, override_rating="Red",
                    rationale=HOSTILE, decision="other", decided_by=HOSTILE_ID,
                    decided_at=now, status="superseded",
                )  # fmt: skip
                session.add(earlier)
                session.flush()
                session.add(
                    BoardDecision(
                        meeting_id=meeting.id, provider_id=provider_id, board_month=month,
                        computed_rating="Amber", agreed=False, override_rating="Red",
                        rationale=HOSTILE, decision="enhanced_monitoring" if n % 2 else
                        "improvement_plan", decided_by=HOSTILE_ID, decided_at=now,
                        status="withdrawn" if n == 3 else "current", amend_reason=HOSTILE,
                        supersedes_id=earlier.id, withdrawn_reason=HOSTILE if n == 3 else None,
                        withdrawn_by=HOSTILE_ID if n == 3 else None,
                        withdrawn_at=now if n == 3 else None,
                    )
                )  # fmt: skip
        for n, provider_id in enumerate((OWN_PROVIDER, HOSTILE_ID)):
            monitoring = EnhancedMonitoring(
                provider_id=provider_id, started_on=dt.date(2026, 9, 1),
                review_on=dt.date(2026, 12, 1), reason=HOSTILE, lead=HOSTILE,
                ended_on=AS_OF if n else None, end_rationale=HOSTILE if n else None,
                ended_by=HOSTILE_ID if n else None,
            )  # fmt: skip
            monitoring.visits.append(
                MonitoringVisit(
                    visited_on=dt.date(2026, 10, 1), visited_by=HOSTILE, findings=HOSTILE,
                    recorded_by=HOSTILE_ID, recorded_at=now,
                )
            )  # fmt: skip
            session.add(monitoring)
        for week in WEEKS:
            session.add(
                ReportNarrative(
                    report="weekly", period=week, section="significant_issues", text=HOSTILE,
                    updated_by=HOSTILE_ID, updated_at=now,
                )
            )  # fmt: skip
        for section in REPORTS["standards"][1]:
            session.add(
                ReportNarrative(
                    report="standards", period=QUARTER, section=section, text=HOSTILE,
                    updated_by=HOSTILE_ID, updated_at=now,
                )
            )  # fmt: skip
        for n, roles in enumerate((["admin"], ["provider"], ["plan_owner"])):
            session.add(
                User(
                    username=f"{HOSTILE_ID[:60]}{n}", display_name=HOSTILE,
                    email=f"{n}@evil.test", password_hash="$2b$12$" + "x" * 53, roles=roles,
                    provider_id=OWN_PROVIDER if roles == ["provider"] else None,
                )
            )  # fmt: skip
        session.add(
            AuditEvent(
                occurred_at=now, actor=HOSTILE_ID, action="update", entity=HOSTILE_ID,
                entity_id=HOSTILE_ID, detail=HOSTILE,
            )
        )  # fmt: skip
