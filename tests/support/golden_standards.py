"""A boundary borough for the standards scorecard, built by hand: rows exactly on every quarter
edge, screening and enquiry times exactly on their working-day limits around bank holidays,
repeat concerns exactly on the look-back's edge, training exactly on its window's edge, and one
quarter whose ACC-5 rounds up onto its target (16 of 107 = 14.95%, shown 15.0%).

Beside the hand-built rows, filler concerns vary every recorded field in a fixed order (a seeded
generator), so every measure has a numerator and a denominator to differ on.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy.orm import Session

from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import Provider, SafeguardingConcern, TrainingRecord

D = dt.date.fromisoformat

# provider_id, name, commissioned
PROVIDERS = [
    ("P1", "Oakview", True),
    ("P2", "beech house", False),
    ("=P3", "=cmd()", True),
    ("P4", "Élan Lodge", True),
]

ABUSE = ["neglect", "physical", "financial", "organisational", "cuckooing", "psychological"]
SOURCES = ["social_care_staff", "health_primary", "police", "family_friend", "self"]
AGES = ["18-64", "65-74", "75-84", "85-94", "95+"]
GENDERS = ["female", "male", "unknown"]
ETHNICITIES = ["white", "asian", "black", "mixed", "other", "refused"]


def _concern(concern_id: str, received: str, **fields: Any) -> SafeguardingConcern:
    values: dict[str, Any] = {
        "concern_id": concern_id,
        "person_id": f"person-{concern_id}",
        "received_on": D(received),
        "referral_source": "social_care_staff",
        "abuse_type": "neglect",
        "location": "care_home_residential",
        "source_of_risk": "service_provider",
        "provider_id": None,
        "age_band": "85-94",
        "gender": "female",
        "ethnicity": "white",
    }
    for key, value in fields.items():
        values[key] = D(value) if key.endswith("_on") and isinstance(value, str) else value
    return SafeguardingConcern(**values)


def _edges() -> list[SafeguardingConcern]:
    """Rows exactly on the edges the measures draw."""
    rows = []
    # received on every quarter's first and last day, 2025-Q4 to 2027-Q1
    for i, day in enumerate(
        ["2025-10-01", "2025-12-31", "2026-01-01", "2026-03-31", "2026-04-01", "2026-06-30",
         "2026-07-01", "2026-09-30", "2026-10-01", "2026-12-31", "2027-01-01", "2027-03-31"]
    ):  # fmt: skip
        rows.append(_concern(f"E-R{i:02}", day, screened_on=day, provider_id="P1"))
    # concluded on every quarter's first and last day (received earlier)
    for i, day in enumerate(
        ["2026-01-01", "2026-03-31", "2026-04-01", "2026-06-30", "2026-07-01", "2026-09-30",
         "2026-10-01", "2026-12-31", "2027-01-01"]
    ):  # fmt: skip
        rows.append(
            _concern(
                f"E-C{i:02}", "2025-11-03", enquiry_started_on="2025-11-10",
                enquiry_concluded_on=day, outcomes_asked="yes_expressed",
                protection_agreed="fully", survey_completed=True, provider_id="P4",
                feedback_to_provider_on=day,
            )
        )  # fmt: skip
    # ACC-1 screening: working days after received_on up to screened_on (limit 1)
    screening = [
        ("2026-04-03", "2026-04-07"),  # Good Friday to the Tuesday after Easter Monday: 1
        ("2026-04-02", "2026-04-07"),  # Thursday before Good Friday to Tuesday: 2
        ("2026-05-22", "2026-05-26"),  # Friday to Tuesday after the spring bank holiday: 1
        ("2026-08-28", "2026-09-01"),  # Friday to Tuesday after the summer bank holiday: 1
        ("2026-08-28", "2026-09-02"),  # 2
        ("2026-12-24", "2026-12-29"),  # Christmas Eve to Tuesday (Boxing Day's substitute): 1
        ("2026-12-24", "2026-12-30"),  # 2
        ("2026-12-31", "2027-01-04"),  # New Year's Eve to Monday 4 January 2027: 1
        ("2026-07-03", "2026-07-06"),  # Friday to Monday: 1
        ("2026-07-03", "2026-07-07"),  # Friday to Tuesday: 2
        ("2026-07-08", "2026-07-08"),  # same day: 0
        ("2026-07-09", None),  # never screened
    ]
    for i, (received, screened) in enumerate(screening):
        rows.append(_concern(f"E-S{i:02}", received, screened_on=screened))
    # ACC-2: enquiry concluded within 20 working days of its start
    enquiries = [
        ("2026-03-23", "2026-04-21"),  # Easter: 20 working days
        ("2026-03-23", "2026-04-22"),  # 21
        ("2026-12-01", "2026-12-30"),  # Christmas: 20 (25th and 28th are holidays)
        ("2026-12-01", "2026-12-31"),  # 21
        ("2026-09-01", "2026-09-29"),  # 20
        ("2026-09-01", "2026-09-30"),  # 21
        (None, "2026-09-15"),  # concluded with no start date: not within
    ]
    for i, (started, concluded) in enumerate(enquiries):
        rows.append(
            _concern(
                f"E-E{i:02}", "2026-02-02", enquiry_started_on=started,
                enquiry_concluded_on=concluded, outcomes_achieved=["fully", None][i % 2],
                risk_assessment="risk_identified", risk_outcome=["reduced", "remains"][i % 2],
                feedback_to_referrer_on=concluded if i % 3 else None,
            )
        )  # fmt: skip
    # ACC-3: the same person's earlier concern exactly 365 and 366 days before, and the same day
    repeats = [
        ("R1", "2025-07-01", "2026-07-01"),  # 365 days: a repeat
        ("R2", "2025-06-30", "2026-07-01"),  # 366 days: not a repeat
        ("R3", "2026-08-12", "2026-08-12"),  # the same day: neither
        ("R4", "2025-12-31", "2026-12-31"),  # 365 days across the year's end
        ("R5", "2025-09-30", "2026-09-30"),  # 365 days, both on quarter ends
    ]
    for i, (person, earlier, later) in enumerate(repeats):
        rows.append(_concern(f"E-A{i:02}a", earlier, person_id=person))
        rows.append(_concern(f"E-A{i:02}b", later, person_id=person))
    return rows


def _acc5_on_target() -> list[SafeguardingConcern]:
    """107 enquiries concluded in 2027-Q2 (and no others), 16 with the protection plan reviewed:
    14.95%, shown 15.0%, met against a target of 15."""
    rows = []
    for i in range(107):
        day = dt.date(2027, 4, 1) + dt.timedelta(days=i % 91)
        rows.append(
            _concern(
                f"E-P{i:03}", "2027-03-01", enquiry_started_on="2027-03-08",
                enquiry_concluded_on=day.isoformat(), protection_plan_reviewed=i < 16,
            )
        )  # fmt: skip
    return rows


def _filler(rng: random.Random) -> list[SafeguardingConcern]:
    """Concerns received across 2025-Q3 to 2027-Q1 with every recorded field varied."""
    rows = []
    start = dt.date(2025, 7, 1)
    for i in range(240):
        received = start + dt.timedelta(days=rng.randrange(640))
        started = received + dt.timedelta(days=rng.randrange(1, 30)) if rng.random() < 0.6 else None
        concluded = (
            started + dt.timedelta(days=rng.randrange(0, 60)) if started and rng.random() < 0.8
            else None
        )  # fmt: skip
        if concluded and concluded > dt.date(2027, 3, 31):
            concluded = None  # 2027-Q2 holds the ACC-5 rows alone
        provider = rng.choice(["P1", "P2", "=P3", "P4", None, None])

        def maybe(options: list[Any]) -> Any:
            return rng.choice([*options, None])

        rows.append(
            _concern(
                f"F{i:03}",
                received.isoformat(),
                person_id=f"person-{rng.randrange(150)}",
                screened_on=(received + dt.timedelta(days=rng.randrange(0, 5))).isoformat()
                if rng.random() < 0.9 else None,
                referral_source=rng.choice(SOURCES),
                abuse_type=rng.choice(ABUSE),
                age_band=rng.choice(AGES),
                gender=rng.choice(GENDERS),
                ethnicity=rng.choice(ETHNICITIES),
                provider_id=provider,
                enquiry_started_on=started,
                enquiry_concluded_on=concluded,
                outcomes_asked=maybe(["yes_expressed", "yes_not_expressed", "no"]),
                outcomes_achieved=maybe(["fully", "partially", "not_achieved"]),
                risk_assessment=maybe(["risk_identified", "no_risk"]),
                risk_outcome=maybe(["reduced", "removed", "remains"]),
                protection_agreed=maybe(["fully", "partially", "not_agreed"]),
                protection_plan_reviewed=maybe([True, False]),
                survey_completed=maybe([True, False]),
                social_isolation=maybe([True, False]),
                fgc_elements=maybe([True, False]),
                feedback_to_referrer_on=concluded if concluded and rng.random() < 0.7 else None,
                feedback_to_provider_on=concluded if provider and concluded and rng.random() < 0.5
                else None,
            )
        )  # fmt: skip
    return rows


# staff_id, role, training_type, completed_on: 2026-Q3 ends 2026-09-30, whose window starts
# 2024-10-01 (729 days before); 2024-09-30 is 730 days before and does not count.
TRAINING = [
    ("S1", "all_staff", "corporate_mandatory", "2024-10-01"),  # exactly on the window's start
    ("S2", "all_staff", "corporate_mandatory", "2024-09-30"),  # a day too early
    ("S3", "asc_staff", "corporate_mandatory", "2026-09-30"),  # on the quarter's last day
    ("S3", "asc_staff", "asc_awareness", "2026-01-15"),
    ("S4", "practitioner", "corporate_mandatory", "2025-05-01"),
    ("S4", "practitioner", "asc_awareness", "2025-05-01"),
    ("S4", "practitioner", "asc_enquiry", "2026-10-01"),  # the day after 2026-Q3
    # two roles on one day: the later in the contract's order (a manager, missing asc_managers)
    ("S5", "asc_staff", "corporate_mandatory", "2026-03-01"),
    ("S5", "operational_manager", "asc_awareness", "2026-03-01"),
    ("S6", "all_staff", "corporate_mandatory", "2026-02-01"),
    ("S6", "operational_manager", "asc_managers", "2026-11-01"),  # promoted in 2026-Q4
    ("S7", "practitioner", "corporate_mandatory", "2027-01-01"),  # first record in 2027-Q1
    ("S8", "asc_staff", "corporate_mandatory", "2025-06-30"),
    ("S8", "asc_staff", "asc_awareness", "2025-06-30"),
]


def build_boundary(url: str) -> None:
    """Create the boundary borough's tables and rows in the database at `url`."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(19)
    with Session(engine) as session, session.begin():
        for provider_id, name, commissioned in PROVIDERS:
            session.add(
                Provider(
                    provider_id=provider_id, name=name, service_type="care_home",
                    regulated=True, commissioned=commissioned,
                )
            )  # fmt: skip
        session.flush()
        session.add_all([*_edges(), *_acc5_on_target(), *_filler(rng)])
        for staff_id, role, training_type, completed in TRAINING:
            session.add(
                TrainingRecord(
                    staff_id=staff_id, role=role, training_type=training_type,
                    completed_on=D(completed),
                )
            )  # fmt: skip
    engine.dispose()
