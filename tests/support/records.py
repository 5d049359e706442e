"""Quality alerts and safeguarding concerns built by hand for database tests: only the fields a
test is about are given, every other required field has a plain valid value."""

from __future__ import annotations

import datetime as dt

from sgoversight.store.models import QualityAlert, SafeguardingConcern


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def alert(
    alert_id: str,
    provider_id: str,
    raised_on: str,
    closed_on: str | None = None,
    *,
    severity: str = "medium",
) -> QualityAlert:
    """An alert raised on `raised_on` (ISO date), closed on `closed_on` if given, else open."""
    return QualityAlert(
        alert_id=alert_id,
        provider_id=provider_id,
        raised_on=_day(raised_on),
        raised_by="commissioner",
        category="staffing",
        severity=severity,
        summary="Test alert",
        status="closed" if closed_on else "open",
        closed_on=_day(closed_on),
    )


def concern(
    concern_id: str,
    provider_id: str | None,
    received_on: str,
    *,
    person_id: str | None = None,
    source_of_risk: str = "service_provider",
    abuse_type: str = "neglect",
    location: str = "care_home_residential",
    started: str | None = None,
    concluded: str | None = None,
    risk_outcome: str | None = None,
) -> SafeguardingConcern:
    """A concern received on `received_on` (ISO date) with its enquiry dates if given; a risk
    outcome comes with risk_assessment `risk_identified`. The person defaults to one per
    concern."""
    return SafeguardingConcern(
        concern_id=concern_id,
        person_id=person_id or f"person-{concern_id}",
        received_on=_day(received_on),
        referral_source="social_care_staff",
        abuse_type=abuse_type,
        location=location,
        source_of_risk=source_of_risk,
        provider_id=provider_id,
        age_band="85-94",
        gender="female",
        ethnicity="white",
        enquiry_started_on=_day(started),
        enquiry_concluded_on=_day(concluded),
        risk_assessment="risk_identified" if risk_outcome else None,
        risk_outcome=risk_outcome,
    )
