"""Shared set-up for the quality alert and QA meeting tests: providers, actors, a valid form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.alerts.intake import log_alert
from sgoversight.auth import Actor, Role
from sgoversight.store.models import Provider, QualityAlert
from tests.support import pdftext

TODAY = dt.date(2026, 11, 24)

COMMISSIONER = Actor("cara", frozenset({Role.COMMISSIONER}))
OTHER_COMMISSIONER = Actor("colin", frozenset({Role.COMMISSIONER}))
ADMIN = Actor("ada", frozenset({Role.ADMIN}))
SAFEGUARDING = Actor("sam", frozenset({Role.SAFEGUARDING}))
BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))
QA_ATTENDEE = Actor("quinn", frozenset({Role.QA_ATTENDEE}))
PLAN_OWNER = Actor("owen", frozenset({Role.PLAN_OWNER}))
PROVIDER_A = Actor("pat", frozenset({Role.PROVIDER}), provider_id="PRV-A")
PROVIDER_B = Actor("pete", frozenset({Role.PROVIDER}), provider_id="PRV-B")

PROVIDERS = {"PRV-A": "Harbour View", "PRV-B": "Elm Court", "PRV-C": "Ashgrove Home Care"}


def add_providers(engine: Engine) -> None:
    """The three providers every alert test uses."""
    with Session(engine) as session, session.begin():
        for provider_id, name in PROVIDERS.items():
            session.add(
                Provider(
                    provider_id=provider_id, name=name, service_type="care_home", regulated=True
                )
            )


def form(**overrides: Any) -> dict[str, Any]:
    """A valid intake form, changed by `overrides`."""
    values: dict[str, Any] = {
        "provider_id": "PRV-A",
        "category": "medication",
        "severity": "high",
        "summary": "Evening medicines given two hours late on two nights.",
        "raised_by": "family_friend",
        "raiser_contact": "Daughter, 07700 900123",
        "raised_on": TODAY - dt.timedelta(days=1),
        "risk_of_harm": False,
        "safeguarding_concern_raised": None,
    }
    values.update(overrides)
    return values


def log(
    engine: Engine, actor: Actor = COMMISSIONER, today: dt.date = TODAY, **overrides: Any
) -> str:
    """Log a valid alert (changed by `overrides`) and return its id."""
    return log_alert(engine, actor, form(**overrides), today=today)


def stored(engine: Engine, alert_id: str) -> QualityAlert:
    """The alert as stored now, with its history and notes loaded."""
    with Session(engine) as session:
        alert = session.get(QualityAlert, alert_id)
        assert alert is not None
        _ = alert.status_changes, alert.notes
        session.expunge(alert)
        return alert


def version(engine: Engine, alert_id: str) -> int:
    return stored(engine, alert_id).version


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by fpdf2, for assertions (tests.support.pdftext)."""
    return pdftext.pdf_text(data)
