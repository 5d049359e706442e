"""The demo borough's quality alerts: what they say, how grave they are and when they close, and the
background of ordinary alerts across the borough's commissioned services.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from sgoversight.demo.draws import Choice, chance, daily_counts
from sgoversight.demo.files import Row
from sgoversight.demo.providers import DemoProvider, size_factor
from sgoversight.demo.state import Borough

# How often a service has quality alerts, relative to a care home of the same size.
_ALERT_TYPE_FACTOR: dict[str, float] = {
    "care_home": 1.0,
    "nursing_home": 1.3,
    "home_care": 1.2,
    "supported_living": 0.8,
    "extra_care": 0.6,
    "day_opportunities": 0.4,
    "other": 0.3,
}

_RAISED_BY = {
    "commissioner": 20,
    "social_care_staff": 25,
    "health": 22,
    "provider": 15,
    "family_friend": 12,
    "self": 2,
    "other": 4,
}
_SEVERITY = {"low": 43, "medium": 46, "high": 10, "critical": 1}
_CATEGORY_IN_HOMES = {
    "medication": 16, "care_planning": 10, "staffing": 12, "safeguarding": 8,
    "nutrition_hydration": 7, "infection_control": 6, "dignity_respect": 7, "falls": 10,
    "pressure_care": 8, "environment": 6, "communication": 5, "hospital_discharge": 3, "other": 2,
}  # fmt: skip
_CATEGORY_IN_COMMUNITY = {
    "medication": 15, "care_planning": 12, "staffing": 22, "safeguarding": 8,
    "nutrition_hydration": 4, "infection_control": 2, "dignity_respect": 8, "falls": 4,
    "pressure_care": 4, "environment": 2, "communication": 12, "hospital_discharge": 5, "other": 2,
}  # fmt: skip
# (text, where): where is "home" (care and nursing homes), "community" (everything else) or "any".
_ALERT_TEXT: dict[str, tuple[tuple[str, str], ...]] = {
    "medication": (
        ("Medication administration records had gaps for {n} people; doses not signed for.", "any"),
        ("Time-critical medicine given late on {n} occasions in one week.", "any"),
        ("Controlled drugs balance did not reconcile at the weekly check.", "home"),
        ("Protocols for as-required medicines missing from care records.", "any"),
        ("Medicines fridge temperatures not recorded for {n} days.", "home"),
        ("Prompting of medicines missed on {n} care calls.", "community"),
    ),
    "care_planning": (
        ("Care plans not reviewed after a change in needs; risk assessments out of date.", "any"),
        ("Care plan did not reflect moving and handling needs set by the therapist.", "any"),
        ("No personalised care plan in place {n} weeks after the service started.", "any"),
    ),
    "staffing": (
        ("Staffing below the assessed level on {n} night shifts.", "home"),
        ("High use of agency staff unfamiliar with people's needs.", "any"),
        ("Missed and late care calls reported over {n} days.", "community"),
        ("Care calls shorter than commissioned on several visits.", "community"),
        ("No staff member trained in moving and handling on shift.", "home"),
    ),
    "safeguarding": (
        ("Unexplained bruising not reported to the safeguarding team promptly.", "any"),
        ("Incident between two people using the service not referred as a concern.", "home"),
        ("Safeguarding training out of date for most of the staff team.", "any"),
        ("Staff handled a person's money without receipts or records.", "community"),
    ),
    "nutrition_hydration": (
        ("Fluid charts incomplete for people at risk of dehydration.", "home"),
        ("Weight loss not escalated to the GP or dietitian.", "any"),
        ("Modified-texture diet not followed at a mealtime.", "any"),
        ("Meals left out of reach on care calls.", "community"),
    ),
    "infection_control": (
        ("Infection outbreak not reported to the health protection team on time.", "home"),
        ("Cleaning schedules not followed; a communal bathroom found unclean.", "home"),
        ("Protective equipment not used consistently during personal care.", "any"),
    ),
    "dignity_respect": (
        ("People left waiting a long time for help with personal care.", "any"),
        ("Staff spoke about people disrespectfully in a communal area.", "home"),
        ("Privacy not maintained during personal care.", "any"),
    ),
    "falls": (
        ("{n} falls in a month without a post-falls review.", "home"),
        ("Sensor mat not working; unwitnessed fall overnight.", "home"),
        ("Falls risk assessment not updated after a hospital admission.", "any"),
    ),
    "pressure_care": (
        ("Category 3 pressure ulcer developed; repositioning charts incomplete.", "any"),
        ("Pressure-relieving equipment not in place despite an assessed need.", "any"),
    ),
    "environment": (
        ("Call bell in a bedroom broken and not repaired for {n} days.", "home"),
        ("Fire door wedged open on a monitoring visit.", "home"),
        ("Hot water outlet above the safe temperature; checks not recorded.", "home"),
        ("Hoist at a person's home overdue its safety inspection.", "community"),
    ),
    "communication": (
        ("Family not told about a hospital admission for {n} days.", "any"),
        ("Provider slow to answer the council's requests for information.", "any"),
        ("Complaint not acknowledged or investigated within the provider's timescale.", "any"),
    ),
    "hospital_discharge": (
        ("Person discharged from hospital without medicines or a care plan in place.", "any"),
        ("Provider declined a return from hospital at short notice.", "home"),
        ("Restart of care after discharge delayed by {n} days.", "community"),
    ),
    "other": (
        ("Staff raised worries about the provider's financial viability.", "any"),
        ("Registered manager left; interim management arrangements unclear.", "any"),
        ("Statutory notifications to the regulator not submitted.", "any"),
    ),
}
_RAISED_BY_TEXT = {
    "commissioner": "Raised by the commissioner after a monitoring visit.",
    "social_care_staff": "Reported by a social worker during a review.",
    "health": "Reported by a community nurse.",
    "provider": "Reported by the provider itself.",
    "family_friend": "Raised by a relative.",
    "self": "Raised by the person using the service.",
    "other": "Reported anonymously.",
}
_SEVERITY_TEXT = {
    "low": "",
    "medium": " Assurance requested within 10 working days.",
    "high": " Immediate written assurance requested from the provider.",
    "critical": " Urgent visit the same day; new placements paused pending review.",
}
# Closure: at least 5 days after raising, then an exponential tail (mean days), at most 60.
_CLOSE_MEAN_DAYS = {"low": 8.0, "medium": 11.0, "high": 15.0, "critical": 18.0}

_PICK: dict[str, Choice] = {
    "raised_by": Choice(_RAISED_BY),
    "severity": Choice(_SEVERITY),
    "category_home": Choice(_CATEGORY_IN_HOMES),
    "category_community": Choice(_CATEGORY_IN_COMMUNITY),
}


def new_alert(
    borough: Borough,
    rng: random.Random,
    provider: DemoProvider,
    raised_on: dt.date,
    *,
    severity: str | None = None,
    category: str | None = None,
    raised_by: str | None = None,
    close_after: int | None = None,
    still_open: bool = False,
) -> Row:
    """Rule: an alert closes 5-60 days after it is raised (longer for graver alerts); one
    whose closing day is after the as-of date is still open, `in_progress` once a few days
    old. closed_on is recorded only when status is closed."""
    setting = "home" if provider.in_care_home else "community"
    severity = severity or _PICK["severity"].pick(rng)
    category = category or _PICK[f"category_{setting}"].pick(rng)
    raised_by = raised_by or _PICK["raised_by"].pick(rng)
    texts = [t for t, where in _ALERT_TEXT[category] if where in ("any", setting)]
    summary = (
        rng.choice(texts).format(n=rng.randint(2, 6))
        + " "
        + _RAISED_BY_TEXT[raised_by]
        + _SEVERITY_TEXT[severity]
    )
    if close_after is None:
        close_after = min(60, 5 + round(rng.expovariate(1 / _CLOSE_MEAN_DAYS[severity])))
    closed_on = raised_on + dt.timedelta(days=close_after)
    if still_open or closed_on > borough.as_of:
        age = (borough.as_of - raised_on).days
        status = "open" if age <= 3 or chance(rng, 0.25) else "in_progress"
        closed = None
    else:
        status, closed = "closed", closed_on
    return {
        "alert_id": None,
        "provider_id": provider.provider_id,
        "raised_on": raised_on,
        "raised_by": raised_by,
        "category": category,
        "severity": severity,
        "summary": summary,
        "status": status,
        "closed_on": closed,
    }


def background_alerts(borough: Borough, rng: random.Random, nrng: np.random.Generator) -> None:
    """Rule: quality alerts are about commissioned services, more for bigger and alert-prone
    services; a few old alerts are left unresolved."""
    eligible = [p for p in borough.providers if p.commissioned and not p.storyline]
    choice = Choice(
        {
            index: p.propensity * size_factor(p) * _ALERT_TYPE_FACTOR[p.service_type]
            for index, p in enumerate(eligible)
        }
    )
    made = []
    for day, count in daily_counts(
        nrng, borough.start, borough.as_of, borough.scale.alerts_per_month, 0.35
    ):
        for _ in range(count):
            made.append(new_alert(borough, rng, eligible[choice.pick(rng)], day))
    old = [
        row
        for row in made
        if row["status"] == "closed" and (borough.as_of - row["raised_on"]).days > 90
    ]
    for row in rng.sample(old, min(len(old), max(2, round(len(made) * 0.002)))):
        row["status"], row["closed_on"] = rng.choice(["open", "in_progress"]), None
    borough.alerts.extend(made)
