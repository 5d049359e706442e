"""A small borough for the Board's tests: three providers with hand-counted October 2026 ratings.

- P-RED "Beech Court": 6 quality alerts raised August to October 2026 -> Red (alerts_3m red at 6).
- P-AMB "Ash Lodge": 1 high-severity alert in October -> Amber (high_alerts_3m amber at 1).
- P-GRN "Cedar House": nothing -> Green; CQC good.
In September the Red provider had 4 alerts (amber) -> its movement for October is "worse".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.store.models import Provider, QualityAlert

PROVIDERS = {"P-RED": "Beech Court", "P-AMB": "Ash Lodge", "P-GRN": "Cedar House"}


def seed_board(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        for pid, name in PROVIDERS.items():
            session.add(
                Provider(
                    provider_id=pid,
                    name=name,
                    service_type="care_home" if pid != "P-AMB" else "home_care",
                    regulated=True,
                    commissioned=pid != "P-GRN",
                    cqc_rating="good",
                    capacity=40,
                )
            )
        session.flush()
        raised = [
            dt.date(2026, 8, 3), dt.date(2026, 8, 20), dt.date(2026, 9, 2),
            dt.date(2026, 9, 15), dt.date(2026, 10, 1), dt.date(2026, 10, 31),
        ]  # fmt: skip
        for n, day in enumerate(raised):
            session.add(_alert(f"R{n}", "P-RED", day, "medium"))
        session.add(_alert("A1", "P-AMB", dt.date(2026, 10, 12), "high"))


def _alert(alert_id: str, provider_id: str, raised: dt.date, severity: str) -> QualityAlert:
    return QualityAlert(
        alert_id=alert_id,
        provider_id=provider_id,
        raised_on=raised,
        raised_by="commissioner",
        category="medication",
        severity=severity,
        summary="Medicines given late",
        status="closed",
        closed_on=raised + dt.timedelta(days=3),
    )
