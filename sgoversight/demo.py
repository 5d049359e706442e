"""A realistic synthetic borough for demonstrations, tests and benchmarks.

Rules implemented here:
- Everything is invented: provider names are built from word lists, adults at risk are pseudonymous
  ids (`PER-004213`), staff are ids (`STF-0001`), and no text names a person.
- The borough is a function of its seed, as-of date and scale only: random numbers come from
  generators seeded from the seed (never the global generator or the clock), so the same seed and
  as-of date always give the same files.
- Every row obeys the contract's rules (CONTRACT.md §1), and no date is after the as-of date
  except an open improvement action's due date, which the contract allows to be in the future.
- The borough is loaded through `sgoversight.importing.import_file`, exactly as a council's own
  files are, so it passes the same validation and leaves the same import records.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import gc
import io
import math
import random
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import holidays
import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from sgoversight.auth import SYSTEM
from sgoversight.errors import BadInput
from sgoversight.importing import ImportReport, import_file
from sgoversight.models import Provider
from sgoversight.schemas import ROW_SCHEMAS
from sgoversight.standards import results as standards_results

#: The files in the order they must be imported (alerts name providers, actions name plans, ...).
KINDS: tuple[str, ...] = ("providers", "alerts", "concerns", "plans", "actions", "training")
#: Each file's columns, in contract order (the importer's schemas are the contract's columns).
COLUMNS: dict[str, tuple[str, ...]] = {kind: ROW_SCHEMAS[kind].columns() for kind in KINDS}
#: The one provider whose identity is fixed: the demo provider login (config/users.yaml) uses it.
DEMO_PROVIDER_ID = "PRV-0001"
DEMO_PROVIDER_NAME = "Elmfield House"

Progress = Callable[[float, str], None]
Row = dict[str, Any]


@dataclass(frozen=True)
class BoroughScale:
    """How big the synthetic borough is.

    Rates are expected values: the actual counts vary with the seed, the winter peak and the
    weekly pattern. `plans` is the total number of improvement plans (at least the four of the
    storylines).
    """

    providers: int = 250
    months: int = 30
    concerns_per_month: float = 280.0
    alerts_per_month: float = 70.0
    staff: int = 400
    plans: int = 4

    LARGE: ClassVar[BoroughScale]

    def __post_init__(self) -> None:
        """Rule: the storylines need at least 30 providers and 12 months of history."""
        if self.providers < 30:
            raise ValueError("a demo borough needs at least 30 providers")
        if self.months < 12:
            raise ValueError("a demo borough needs at least 12 months of history")
        if self.concerns_per_month < 0 or self.alerts_per_month < 0 or self.staff < 1:
            raise ValueError("rates must be 0 or more and there must be staff")


#: A benchmark borough: 1,000 providers, 3 years, ~150,000 concerns, ~30,000 alerts, ~1,000 plans.
BoroughScale.LARGE = BoroughScale(
    providers=1_000,
    months=36,
    concerns_per_month=4_170.0,
    alerts_per_month=835.0,
    staff=1_500,
    plans=1_000,
)
DEFAULT_SCALE = BoroughScale()


# --- vocabulary of the invented borough -----------------------------------------------------------

_TYPE_SHARES: dict[str, float] = {
    "care_home": 0.28,
    "nursing_home": 0.12,
    "home_care": 0.26,
    "supported_living": 0.14,
    "extra_care": 0.05,
    "day_opportunities": 0.08,
    "other": 0.07,
}
# Enough of each type for the storylines (care homes: the demo provider and two storylines).
_TYPE_MINIMUM: dict[str, int] = {
    "care_home": 5,
    "nursing_home": 2,
    "home_care": 3,
    "supported_living": 2,
    "extra_care": 2,
    "day_opportunities": 1,
    "other": 1,
}
_CARE_HOMES = frozenset({"care_home", "nursing_home"})

_STEM_STARTS = (
    "Elm", "Oak", "Ash", "Birch", "Brook", "Fern", "Hazel", "Holly", "Willow", "Rose", "Mill",
    "Church", "Park", "Green", "Lark", "Swan", "Heath", "Ivy", "Moor", "Thorn", "Stone", "Cherry",
    "Beech", "Rowan", "Pine", "Maple", "Cedar", "Linden", "Alder", "Bramble", "Clover", "Heather",
    "Laurel", "Meadow", "Orchard", "Primrose", "Wren", "Kestrel", "Fox", "Bay",
)  # fmt: skip
_STEM_ENDS = (
    "field", "wood", "side", "lea", "dale", "croft", "mead", "gate", "bank", "hill", "hurst",
    "ridge", "view", "lands", "haven", "brook", "stead", "combe", "holme", "well",
)  # fmt: skip
_STEMS_ALONE = (
    "Riverside", "Hillcrest", "Greenacres", "Southview", "Harbour", "Kingfisher", "Heron",
    "Sunnyside", "Fairhaven", "Northgate", "Westbrook", "Eastleigh", "Highfield", "Lowther",
)  # fmt: skip
_NAME_SUFFIXES: dict[str, tuple[str, ...]] = {
    "care_home": (
        "House", "Lodge", "Court", "Manor", "Grange", "Hall", "Gardens", "Care Home",
        "Residential Home",
    ),
    "nursing_home": ("Nursing Home", "Nursing Centre", "Care Centre", "Court Nursing Home"),
    "home_care": (
        "Home Care", "Care at Home", "Homecare", "Home Support", "Domiciliary Care",
        "Community Care",
    ),
    "supported_living": (
        "Supported Living", "Support Services", "Independent Living", "Supported Housing",
    ),
    "extra_care": ("Court Extra Care", "Extra Care Housing", "Retirement Village", "Place"),
    "day_opportunities": (
        "Day Centre", "Day Opportunities", "Community Hub", "Day Services", "Resource Centre",
    ),
    "other": (
        "Shared Lives", "Befriending Scheme", "Carers Support", "Respite Service",
        "Advocacy Project", "Community Support",
    ),
}  # fmt: skip
_NAME_QUALIFIERS = ("North", "South", "East", "West", "Central", "Upper", "Lower", "Vale")

# (low, mode, high) places: beds for homes, people supported otherwise.
_CAPACITY: dict[str, tuple[int, int, int]] = {
    "care_home": (10, 35, 90),
    "nursing_home": (30, 60, 120),
    "home_care": (15, 80, 300),
    "supported_living": (4, 12, 40),
    "extra_care": (30, 50, 90),
    "day_opportunities": (15, 30, 60),
    "other": (10, 25, 80),
}
_CAPACITY_BLANK: dict[str, float] = {"day_opportunities": 0.15, "other": 0.3}
_UNREGULATED: dict[str, float] = {"day_opportunities": 0.9, "other": 0.75, "supported_living": 0.05}
_NOT_COMMISSIONED: dict[str, float] = {
    "care_home": 0.15,
    "nursing_home": 0.1,
    "home_care": 0.12,
    "supported_living": 0.05,
    "extra_care": 0.1,
    "day_opportunities": 0.35,
    "other": 0.4,
}
_RATINGS = {"good": 73, "outstanding": 6, "requires_improvement": 12, "inadequate": 1.5, "": 7.5}
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
# How often a service's care is the source of risk in a concern, relative to a care home.
_CONCERN_TYPE_FACTOR: dict[str, float] = {
    "care_home": 1.0,
    "nursing_home": 1.3,
    "home_care": 1.0,
    "supported_living": 0.6,
    "extra_care": 0.5,
    "day_opportunities": 0.3,
    "other": 0.2,
}
# Location of risk when a provider's paid care is the source of risk (SAC definitions: supported
# living and extra care housing are the person's own home).
_PROVIDER_LOCATION: dict[str, dict[str, int]] = {
    "care_home": {"care_home_residential": 1},
    "nursing_home": {"care_home_nursing": 1},
    "home_care": {"own_home": 1},
    "supported_living": {"own_home": 1},
    "extra_care": {"own_home": 1},
    "day_opportunities": {"community_service": 1},
    "other": {"community_service": 3, "other": 1},
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

_SOURCE_OF_RISK = {"service_provider": 30, "known_to_individual": 58, "unknown_to_individual": 12}
_ABUSE_BY_SOURCE: dict[str, dict[str, float]] = {
    "service_provider": {
        "neglect": 50, "physical": 18, "psychological": 11, "financial": 7, "sexual": 3,
        "discriminatory": 1.5, "organisational": 0.8,
    },
    "known_to_individual": {
        "neglect": 10, "self_neglect": 17, "psychological": 19, "financial": 16, "physical": 18,
        "domestic": 15, "sexual": 2.5, "discriminatory": 0.8, "cuckooing": 0.8,
        "sexual_exploitation": 0.4,
    },
    "unknown_to_individual": {
        "financial": 45, "physical": 15, "psychological": 12, "sexual": 10, "cuckooing": 7,
        "modern_slavery": 5, "sexual_exploitation": 4, "discriminatory": 2,
    },
}  # fmt: skip
_LOCATION_BY_SOURCE: dict[str, dict[str, float]] = {
    "known_to_individual": {
        "own_home": 76, "community": 7, "community_service": 2, "care_home_residential": 6,
        "care_home_nursing": 2, "hospital_acute": 3, "hospital_mental_health": 2,
        "hospital_community": 0.5, "other": 1.5,
    },
    "unknown_to_individual": {
        "own_home": 38, "community": 42, "community_service": 4, "hospital_acute": 3,
        "hospital_mental_health": 2, "other": 11,
    },
}  # fmt: skip
_LOCATION_FOR_ABUSE = {
    "cuckooing": {"own_home": 1},
    "self_neglect": {"own_home": 1},
    "domestic": {"own_home": 9, "community": 1},
    "modern_slavery": {"own_home": 3, "community": 4, "other": 3},
}
_REFERRAL_SOURCE = {
    "social_care_staff": 18, "health_primary": 10, "health_secondary": 14, "mental_health": 6,
    "police": 12, "provider": 16, "housing": 5, "financial_institution": 2, "fire_service": 1,
    "family_friend": 9, "self": 3, "other": 4,
}  # fmt: skip
_REFERRAL_FOR_ABUSE: dict[str, dict[str, float]] = {
    "financial": {"financial_institution": 20, "family_friend": 15, "social_care_staff": 20},
    "self_neglect": {"fire_service": 9, "housing": 15, "health_primary": 15},
    "cuckooing": {"police": 45, "housing": 30},
    "modern_slavery": {"police": 50},
    "sexual_exploitation": {"police": 40},
    "domestic": {"police": 30},
}
_REFERRAL_FOR_PROVIDER = {
    "provider": 30, "social_care_staff": 22, "health_primary": 12, "health_secondary": 14,
    "family_friend": 12, "self": 2, "police": 3, "mental_health": 3, "other": 2,
}  # fmt: skip
_AGE_YOUNGER = {"18-64": 70, "65-74": 14, "75-84": 9, "85-94": 4, "95+": 0.5, "unknown": 2.5}
_AGE_COMMUNITY = {"18-64": 32, "65-74": 15, "75-84": 24, "85-94": 22, "95+": 4, "unknown": 3}
_AGE_CARE_HOME = {"18-64": 6, "65-74": 9, "75-84": 28, "85-94": 43, "95+": 12, "unknown": 2}
_GENDER = {"female": 58, "male": 40, "other": 0.3, "unknown": 1.7}
_ETHNICITY = {
    "white": 78, "asian": 8, "black": 5, "mixed": 2, "other": 2, "refused": 1, "unknown": 4,
}  # fmt: skip

# Working days from receipt to the screening decision (0 = the same working day).
_SCREENING_LAG = {0: 60, 1: 30, 2: 5, 3: 2.5, 5: 1.5, 8: 1}
_ENQUIRY_START_LAG = {0: 30, 1: 20, 2: 15, 3: 10, 5: 12, 7: 8, 10: 5}
_ENQUIRY_SHARE = {"service_provider": 0.34, "other": 0.33}
_REPEAT_SHARE = 0.2

_ROLES = {"all_staff": 40, "asc_staff": 30, "practitioner": 22, "operational_manager": 8}
#: CONTRACT.md §5 ACC-6: the training each role requires.
REQUIRED_TRAINING: dict[str, tuple[str, ...]] = {
    "all_staff": ("corporate_mandatory",),
    "asc_staff": ("corporate_mandatory", "asc_awareness"),
    "practitioner": ("corporate_mandatory", "asc_awareness", "asc_enquiry"),
    "operational_manager": ("corporate_mandatory", "asc_awareness", "asc_managers"),
}
_PROMOTION = {
    "all_staff": "asc_staff",
    "asc_staff": "practitioner",
    "practitioner": "operational_manager",
}
_COMPLIANT_SHARE = 0.89
_TRAINING_VALID_DAYS = 730

# (what, who owns it, where: "home" for care and nursing homes, "community" otherwise, or "any").
_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Complete a full audit of medication administration records and act on the findings",
     "Registered manager", "any"),
    ("Review every care plan and risk assessment with the person or their representative",
     "Deputy manager", "any"),
    ("Bring safeguarding training up to date for all staff and keep a training matrix",
     "Training lead", "any"),
    ("Agree safe staffing levels using a dependency tool and report weekly rotas",
     "Operations director", "any"),
    ("Introduce daily handover checks of repositioning and fluid charts", "Clinical lead", "home"),
    ("Put in place a falls prevention pathway with post-falls reviews", "Head of care", "home"),
    ("Recruit a permanent registered manager and notify the regulator", "Nominated individual",
     "any"),
    ("Hold monthly relatives' meetings and publish the actions taken", "Registered manager",
     "any"),
    ("Carry out infection prevention and control audits and fix the findings",
     "Infection control lead", "home"),
    ("Submit a weekly call-monitoring report showing late and missed calls", "Care coordinator",
     "community"),
    ("Review complaints handling and respond within the provider's own timescale",
     "Quality assurance officer", "any"),
    ("Repair the call bell system and test it weekly", "Maintenance manager", "home"),
    ("Arrange external clinical supervision for nursing staff", "Clinical lead", "home"),
    ("Share learning from the safeguarding enquiry with the whole staff team",
     "Safeguarding lead", "any"),
    ("Attend the council's provider forum and report progress to the contracts officer",
     "Registered manager", "any"),
)  # fmt: skip
_PLAN_REASONS = (
    "Board decision: rising quality alerts and an inadequate inspection rating",
    "Board decision: repeated medication and staffing alerts",
    "Board decision: safeguarding enquiries found neglect in care delivery",
    "Board decision: missed care calls and poor communication with families",
    "Board decision: concerns about leadership after the registered manager left",
)  # fmt: skip


# --- small random helpers -------------------------------------------------------------------------


class _Choice:
    """A weighted choice with its cumulative weights computed once (fast to draw many times)."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.values = list(weights)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights.values():
            total += weight
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _merged(base: dict[str, float], overrides: dict[str, float]) -> dict[str, float]:
    """`base` with some weights replaced: the overrides add to the mix, others keep their share."""
    result = dict(base)
    result.update(overrides)
    return result


_PICK: dict[str, _Choice] = {
    "raised_by": _Choice(_RAISED_BY),
    "severity": _Choice(_SEVERITY),
    "category_home": _Choice(_CATEGORY_IN_HOMES),
    "category_community": _Choice(_CATEGORY_IN_COMMUNITY),
    "rating": _Choice(_RATINGS),
    "source": _Choice(_SOURCE_OF_RISK),
    "referral_provider": _Choice(_REFERRAL_FOR_PROVIDER),
    "referral": _Choice(_REFERRAL_SOURCE),
    "age_younger": _Choice(_AGE_YOUNGER),
    "age_community": _Choice(_AGE_COMMUNITY),
    "age_care_home": _Choice(_AGE_CARE_HOME),
    "gender": _Choice(_GENDER),
    "ethnicity": _Choice(_ETHNICITY),
    "screening_lag": _Choice(_SCREENING_LAG),
    "enquiry_lag": _Choice(_ENQUIRY_START_LAG),
    "role": _Choice(_ROLES),
}
for _source, _weights in _ABUSE_BY_SOURCE.items():
    _PICK[f"abuse:{_source}"] = _Choice(_weights)
for _source, _weights in _LOCATION_BY_SOURCE.items():
    _PICK[f"location:{_source}"] = _Choice(_weights)
for _abuse, _weights in _LOCATION_FOR_ABUSE.items():
    _PICK[f"location_for:{_abuse}"] = _Choice(_weights)
for _abuse, _weights in _REFERRAL_FOR_ABUSE.items():
    _PICK[f"referral_for:{_abuse}"] = _Choice(_merged(_REFERRAL_SOURCE, _weights))
for _type, _weights in _PROVIDER_LOCATION.items():
    _PICK[f"provider_location:{_type}"] = _Choice(dict(_weights))


#: Making Safeguarding Personal and other enquiry fields: realistic, imperfect recording rates
#: (None = not recorded), so the standards scorecard shows some measures met and some not.
_MSP: dict[str, _Choice] = {
    "lacked_capacity": _Choice({"yes": 30, "no": 55, "dont_know": 7, None: 8}),
    "outcomes_asked": _Choice(
        {"yes_expressed": 72, "yes_not_expressed": 20, "no": 5, "dont_know": 2, None: 1}
    ),
    "outcomes_achieved": _Choice({"fully": 68, "partially": 26, "not_achieved": 6}),
    "risk_assessment": _Choice(
        {"risk_identified": 70, "inconclusive": 10, "no_risk": 14, "ceased_at_request": 5, None: 1}
    ),
    "risk_outcome": _Choice({"removed": 25, "reduced": 56, "remains": 11, None: 3}),
    "risk_outcome_provider": _Choice({"removed": 25, "reduced": 62, "remains": 5, None: 3}),
    "protection_agreed": _Choice({"fully": 60, "partially": 25, "no": 10, None: 5}),
    "protection_plan_reviewed": _Choice({True: 22, False: 70, None: 8}),
    "social_isolation": _Choice({True: 18, False: 65, None: 17}),
    "fgc_elements": _Choice({True: 6, False: 70, None: 24}),
}


def _stream(seed: int, name: str) -> random.Random:
    """Rule: each part of the borough has its own generator derived from the seed, so changing
    one part (say, the number of staff) leaves the others as they were."""
    return random.Random(f"sgoversight-demo:{seed}:{name}")


def _numpy_stream(seed: int, name: str) -> np.random.Generator:
    """A numpy generator derived from the seed like `_stream` (any integer seed, negative too)."""
    return np.random.default_rng(_stream(seed, name).getrandbits(128))


def _chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def _add_months(day: dt.date, count: int) -> dt.date:
    """The same day `count` months later (earlier if negative), capped at the month's end."""
    index = day.year * 12 + day.month - 1 + count
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _month_start(day: dt.date, count: int = 0) -> dt.date:
    """The first day of the month `count` months after the one `day` falls in."""
    return _add_months(day.replace(day=1), count)


def _uniform_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A day drawn evenly from first..last inclusive (last if the range is empty)."""
    span = (last - first).days
    if span <= 0:
        return last
    return first + dt.timedelta(days=rng.randint(0, span))


class _WorkingDays:
    """Working days: Monday to Friday, except England and Wales bank holidays (CONTRACT.md §5)."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        years = range(first.year - 1, last.year + 3)
        self.holidays = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))
        # Every working day (as ordinals) from a little before `first` to well after `last`, so
        # that adding is a lookup: enquiries may run many months past the as-of date.
        begin, end = first.toordinal() - 10, last.toordinal() + 800
        self.ordinals = [n for n in range(begin, end) if self.is_working(dt.date.fromordinal(n))]

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add(self, day: dt.date, count: int) -> dt.date:
        """The day `count` working days after `day`; with 0, `day` itself if it is a working day,
        else the next working day."""
        ordinal = day.toordinal()
        if count == 0:
            index = bisect.bisect_left(self.ordinals, ordinal)
        else:
            index = bisect.bisect_right(self.ordinals, ordinal) + count - 1
        return dt.date.fromordinal(self.ordinals[index])


# --- the borough's providers ----------------------------------------------------------------------


@dataclass
class _Provider:
    provider_id: str
    name: str
    service_type: str
    regulated: bool
    commissioned: bool
    cqc_rating: str
    capacity: int | None
    #: How prone the service is to alerts and concerns (background events only).
    propensity: float = 1.0
    concern_propensity: float = 1.0
    storyline: str = ""

    @property
    def in_care_home(self) -> bool:
        return self.service_type in _CARE_HOMES

    def row(self) -> Row:
        return {
            "provider_id": self.provider_id,
            "name": self.name,
            "service_type": self.service_type,
            "regulated": self.regulated,
            "commissioned": self.commissioned,
            "cqc_rating": self.cqc_rating or None,
            "capacity": self.capacity,
            "cqc_location_id": self.cqc_location_id,
            **_contact(self.provider_id),
        }

    @property
    def cqc_location_id(self) -> str | None:
        """Rule: a regulated service has an invented CQC location id made from its number
        (PRV-0042 → 1-500000042); an unregulated one has none."""
        return f"1-5{int(self.provider_id.split('-')[1]):08d}" if self.regulated else None


_STREETS = ("Mill Lane", "Church Road", "Station Road", "Park Avenue", "High Street", "Elm Grove")
_MANAGERS = ("A. Khan", "B. Jones", "C. Okafor", "D. Evans", "E. Nowak", "F. Murphy", "G. Singh")


def _contact(provider_id: str) -> Row:
    """A made-up address, phone number (in the range kept for drama, 01632 960xxx) and registered
    manager, from the provider's number alone, so the random streams of the borough are unchanged;
    every seventh provider has no manager recorded."""
    number = int(provider_id.rsplit("-", 1)[-1])
    return {
        "address": f"{number} {_STREETS[number % len(_STREETS)]}, Northtown NT{number % 9 + 1}",
        "contact": f"01632 960{number % 1000:03d}",
        "registered_manager": None if number % 7 == 0 else _MANAGERS[number % len(_MANAGERS)],
    }


def _type_counts(total: int) -> dict[str, int]:
    """Rule: service types in the borough's proportions, with a minimum of each type."""
    counts = {t: max(_TYPE_MINIMUM[t], int(total * share)) for t, share in _TYPE_SHARES.items()}
    order = sorted(_TYPE_SHARES, key=lambda t: -_TYPE_SHARES[t])
    index = 0
    while sum(counts.values()) < total:
        counts[order[index % len(order)]] += 1
        index += 1
    while sum(counts.values()) > total:
        largest = max(counts, key=lambda t: counts[t] - _TYPE_MINIMUM[t])
        counts[largest] -= 1
    return counts


def _provider_names(rng: random.Random, types: Sequence[str]) -> list[str]:
    """Rule: unique invented names: a stem from the word lists and a suffix fitting the type."""
    stems = [
        start + end
        for start in _STEM_STARTS
        for end in _STEM_ENDS
        if not start.lower().endswith(end) and not (start == "Brook" and end == "brook")
    ]
    stems += list(_STEMS_ALONE)
    used = {DEMO_PROVIDER_NAME}
    names = []
    for service_type in types:
        suffixes = _NAME_SUFFIXES[service_type]
        for attempt in range(200):
            name = f"{rng.choice(stems)} {rng.choice(suffixes)}"
            if attempt >= 50:
                name = f"{name} {rng.choice(_NAME_QUALIFIERS)}"
            if attempt >= 100:
                name = f"{name} {attempt}"
            if name not in used:
                break
        used.add(name)
        names.append(name)
    return names


def _build_providers(seed: int, scale: BoroughScale) -> list[_Provider]:
    """Rule: ~250 services across all types; day opportunities and 'other' are mostly unregulated
    (not CQC-registered) and have no rating; some services are not commissioned (private or
    voluntary); ratings are mostly good; capacity is known for most. PRV-0001 is Elmfield House,
    a regulated, commissioned care home rated good."""
    rng = _stream(seed, "providers")
    counts = _type_counts(scale.providers)
    counts["care_home"] -= 1  # PRV-0001, below
    types = [t for t, n in counts.items() for _ in range(n)]
    rng.shuffle(types)
    names = _provider_names(rng, types)
    width = max(4, len(str(scale.providers)))
    providers = [
        _Provider(f"PRV-{1:0{width}d}", DEMO_PROVIDER_NAME, "care_home", True, True, "good", 48)
    ]
    for number, (service_type, name) in enumerate(zip(types, names, strict=True), start=2):
        regulated = not _chance(rng, _UNREGULATED.get(service_type, 0.0))
        commissioned = not _chance(rng, _NOT_COMMISSIONED[service_type])
        rating = _PICK["rating"].pick(rng) if regulated else ""
        low, mode, high = _CAPACITY[service_type]
        capacity: int | None = round(rng.triangular(low, high, mode))
        if _chance(rng, _CAPACITY_BLANK.get(service_type, 0.05)):
            capacity = None
        providers.append(
            _Provider(
                f"PRV-{number:0{width}d}",
                name,
                service_type,
                regulated,
                commissioned,
                rating,
                capacity,
            )
        )
    for provider in providers:
        # Heavy-tailed: most services are quiet, a few generate much of the activity.
        provider.propensity = rng.gammavariate(0.8, 1.25)
        provider.concern_propensity = rng.gammavariate(1.0, 1.0)
    # The demo provider's login should see an ordinary, fairly quiet care home.
    providers[0].propensity = providers[0].concern_propensity = 0.5
    return providers


def _size_factor(provider: _Provider) -> float:
    """Bigger services see more events, less than in proportion to their size."""
    _low, mode, _high = _CAPACITY[provider.service_type]
    return math.sqrt(provider.capacity or mode) / math.sqrt(35)


# --- rows -----------------------------------------------------------------------------------------


def _empty_concern() -> Row:
    return dict.fromkeys(COLUMNS["concerns"])


@dataclass
class _Borough:
    """The state of one build: generators, calendar, providers and the rows made so far."""

    seed: int
    as_of: dt.date
    scale: BoroughScale
    start: dt.date
    working: _WorkingDays
    providers: list[_Provider]
    alerts: list[Row] = field(default_factory=list)
    concerns: list[Row] = field(default_factory=list)
    plans: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)
    used_people: set[int] = field(default_factory=set)
    people: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def progress_through(self, day: dt.date) -> float:
        """0 at the start of the history, 1 at the as-of date: practice improves over time."""
        span = max((self.as_of - self.start).days, 1)
        return min(max((day - self.start).days / span, 0.0), 1.0)

    def new_person(self, rng: random.Random, location: str) -> str:
        """Rule: a pseudonymous id never used before, with demographics fitting the setting."""
        while True:
            number = rng.randint(1, 999_999)
            if number not in self.used_people:
                self.used_people.add(number)
                break
        person_id = f"PER-{number:06d}"
        if location.startswith("care_home"):
            age = _PICK["age_care_home"].pick(rng)
        elif location in ("community_service", "hospital_mental_health"):
            age = _PICK["age_younger"].pick(rng)
        else:
            age = _PICK["age_community"].pick(rng)
        self.people[person_id] = (age, _PICK["gender"].pick(rng), _PICK["ethnicity"].pick(rng))
        return person_id

    def person_fields(self, person_id: str) -> Row:
        age, gender, ethnicity = self.people[person_id]
        return {"person_id": person_id, "age_band": age, "gender": gender, "ethnicity": ethnicity}

    # --- alerts -----------------------------------------------------------------------------------

    def alert(
        self,
        rng: random.Random,
        provider: _Provider,
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
        if still_open or closed_on > self.as_of:
            age = (self.as_of - raised_on).days
            status = "open" if age <= 3 or _chance(rng, 0.25) else "in_progress"
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

    # --- concerns ---------------------------------------------------------------------------------

    def screen(self, rng: random.Random, row: Row) -> None:
        """Rule: most concerns are screened the same or the next working day, a few later; screening
        improves over the period. A screening due after the as-of date has not happened yet."""
        received = row["received_on"]
        lag = _PICK["screening_lag"].pick(rng)
        if lag > 0 and _chance(rng, 0.35 * self.progress_through(received)):
            lag = max(0, lag - 1)
        screened = self.working.add(received, lag)
        row["screened_on"] = screened if screened <= self.as_of else None

    def enquire(
        self,
        rng: random.Random,
        row: Row,
        *,
        outcome: str | None = None,
        open_at_as_of: bool = False,
        start_lag: int | None = None,
        duration: int | None = None,
    ) -> None:
        """Rule: the enquiry starts 0-10 days after screening and most conclude within 10-40 days
        (faster towards the end of the period); one not concluded by the as-of date is open and
        has only the fields recorded at its start. A concluded enquiry records Making Safeguarding
        Personal, risk, protection and feedback fields at realistic, imperfect rates."""
        screened = row["screened_on"]
        if screened is None:
            return
        lag = _PICK["enquiry_lag"].pick(rng) if start_lag is None else start_lag
        started = screened + dt.timedelta(days=lag)
        if started > self.as_of:
            return
        row["enquiry_started_on"] = started
        t = self.progress_through(started)
        median = 15.5 - 3.5 * t
        working_days = max(2, min(160, round(rng.lognormvariate(math.log(median), 0.6))))
        if duration is not None:
            working_days = duration
        concluded = self.working.add(started, working_days)
        lacked = _MSP["lacked_capacity"].pick(rng)
        row["lacked_capacity"] = lacked
        if lacked == "yes":
            row["advocate_supported"] = _chance(rng, 0.85)
        if open_at_as_of or concluded > self.as_of:
            if _chance(rng, 0.6):
                asked = "yes_expressed" if _chance(rng, 0.8) else "yes_not_expressed"
                row["outcomes_asked"] = asked
            return
        row["enquiry_concluded_on"] = concluded
        asked = _MSP["outcomes_asked"].pick(rng)
        row["outcomes_asked"] = asked
        if asked == "yes_expressed" and _chance(rng, 0.95):
            row["outcomes_achieved"] = _MSP["outcomes_achieved"].pick(rng)
        assessment = _MSP["risk_assessment"].pick(rng)
        if outcome is not None:
            assessment = "risk_identified"
        row["risk_assessment"] = assessment
        if assessment == "risk_identified":
            about_provider = row["source_of_risk"] == "service_provider"
            drawn = _MSP["risk_outcome_provider" if about_provider else "risk_outcome"].pick(rng)
            row["risk_outcome"] = outcome or drawn
            row["action_taken"] = _chance(rng, 0.88)
        else:
            # An enquiry ceased at the person's request records no action (the national
            # collection has no category for action taken after the person asked to stop).
            taken = _chance(rng, 0.35)
            row["action_taken"] = False if assessment == "ceased_at_request" else taken
        row["protection_agreed"] = _MSP["protection_agreed"].pick(rng)
        row["protection_plan_reviewed"] = _MSP["protection_plan_reviewed"].pick(rng)
        draw = rng.random()
        survey_yes = 0.2 + 0.25 * t
        row["survey_completed"] = draw < survey_yes if draw < 0.9 else None
        if _chance(rng, 0.8 + 0.12 * t):
            feedback = concluded + dt.timedelta(days=rng.randint(0, 10))
            row["feedback_to_referrer_on"] = feedback if feedback <= self.as_of else None
        if row["provider_id"] is not None and _chance(rng, 0.92):
            feedback = concluded + dt.timedelta(days=rng.randint(0, 14))
            row["feedback_to_provider_on"] = feedback if feedback <= self.as_of else None

    def concern(
        self,
        rng: random.Random,
        received_on: dt.date,
        *,
        person_id: str,
        source_of_risk: str,
        abuse_type: str,
        location: str,
        provider: _Provider | None,
        referral_source: str | None = None,
    ) -> Row:
        """One concern as received, screened and (if so decided later) enquired into.

        Rule: provider_id is recorded whenever the provider's care is the source of risk."""
        row = _empty_concern()
        row.update(self.person_fields(person_id))
        if referral_source is None:
            if source_of_risk == "service_provider":
                referral_source = _PICK["referral_provider"].pick(rng)
            else:
                key = f"referral_for:{abuse_type}"
                referral_source = _PICK[key if key in _PICK else "referral"].pick(rng)
        row.update(
            received_on=received_on,
            referral_source=referral_source,
            abuse_type=abuse_type,
            location=location,
            source_of_risk=source_of_risk,
            provider_id=provider.provider_id if provider else None,
            social_isolation=_MSP["social_isolation"].pick(rng),
            fgc_elements=_MSP["fgc_elements"].pick(rng),
        )
        self.screen(rng, row)
        return row


# --- background activity --------------------------------------------------------------------------


def _daily_counts(
    rng: np.random.Generator,
    start: dt.date,
    as_of: dt.date,
    per_month: float,
    weekend_factor: float,
) -> list[tuple[dt.date, int]]:
    """Rule: events arrive at `per_month` on average, ~35% more in midwinter than in midsummer,
    fewer at weekends, with a gentle rise over the years (as nationally)."""
    days = [start + dt.timedelta(days=i) for i in range((as_of - start).days + 1)]
    weights = np.array(
        [
            (1 + 0.15 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 15) / 365.25))
            * (weekend_factor if d.weekday() >= 5 else 1.0)
            * (1 + 0.04 * (d - start).days / 365.25)
            for d in days
        ]
    )
    expected = per_month * 12 / 365.25 * len(days)
    counts = rng.poisson(weights / weights.sum() * expected)
    return [(d, int(n)) for d, n in zip(days, counts, strict=True) if n]


def _background_alerts(borough: _Borough, rng: random.Random, nrng: np.random.Generator) -> None:
    """Rule: quality alerts are about commissioned services, more for bigger and alert-prone
    services; a few old alerts are left unresolved."""
    eligible = [p for p in borough.providers if p.commissioned and not p.storyline]
    choice = _Choice(
        {
            index: p.propensity * _size_factor(p) * _ALERT_TYPE_FACTOR[p.service_type]
            for index, p in enumerate(eligible)
        }
    )
    made = []
    for day, count in _daily_counts(
        nrng, borough.start, borough.as_of, borough.scale.alerts_per_month, 0.35
    ):
        for _ in range(count):
            made.append(borough.alert(rng, eligible[choice.pick(rng)], day))
    old = [
        row
        for row in made
        if row["status"] == "closed" and (borough.as_of - row["raised_on"]).days > 90
    ]
    for row in rng.sample(old, min(len(old), max(2, round(len(made) * 0.002)))):
        row["status"], row["closed_on"] = rng.choice(["open", "in_progress"]), None
    borough.alerts.extend(made)


def _background_concerns(borough: _Borough, rng: random.Random, nrng: np.random.Generator) -> None:
    """Rule: about a third of concerns are about a service provider, the rest about people known
    or unknown to the adult; about a fifth are about someone with another concern in the year
    before (often in the same setting); about a third become enquiries."""
    quiet = [p for p in borough.providers if not p.storyline]
    by_id = {p.provider_id: p for p in quiet}
    about = _Choice(
        {
            i: p.concern_propensity * _size_factor(p) ** 0.5 * _CONCERN_TYPE_FACTOR[p.service_type]
            for i, p in enumerate(quiet)
        }
    )
    homes = [p for p in quiet if p.in_care_home]
    in_home = {
        kind: _Choice({i: _size_factor(p) for i, p in enumerate(homes) if p.service_type == kind})
        for kind in _CARE_HOMES
    }
    recent: deque[Row] = deque()
    year = dt.timedelta(days=365)
    for day, count in _daily_counts(
        nrng, borough.start, borough.as_of, borough.scale.concerns_per_month, 0.3
    ):
        while recent and recent[0]["received_on"] < day - year + dt.timedelta(days=30):
            recent.popleft()
        for _ in range(count):
            previous = recent[rng.randrange(len(recent))] if recent else None
            repeat = previous is not None and _chance(rng, _REPEAT_SHARE)
            if previous is not None and repeat and _chance(rng, 0.3):
                source, location = previous["source_of_risk"], previous["location"]
                provider = by_id.get(previous["provider_id"] or "")
            else:
                source = _PICK["source"].pick(rng)
                provider = None
                if source == "service_provider":
                    provider = quiet[about.pick(rng)]
                    location = _PICK[f"provider_location:{provider.service_type}"].pick(rng)
                else:
                    location = _PICK[f"location:{source}"].pick(rng)
            abuse = _PICK[f"abuse:{source}"].pick(rng)
            if source != "service_provider" and f"location_for:{abuse}" in _PICK:
                location = _PICK[f"location_for:{abuse}"].pick(rng)
                provider = None
            if (
                source != "service_provider"
                and provider is None
                and location in ("care_home_residential", "care_home_nursing")
                and _chance(rng, 0.5)
            ):
                kind = "care_home" if location == "care_home_residential" else "nursing_home"
                provider = homes[in_home[kind].pick(rng)]
            if previous is not None and repeat:
                person = previous["person_id"]
            else:
                person = borough.new_person(rng, location)
            row = borough.concern(
                rng,
                day,
                person_id=person,
                source_of_risk=source,
                abuse_type=abuse,
                location=location,
                provider=provider,
            )
            share = _ENQUIRY_SHARE["service_provider" if source == "service_provider" else "other"]
            if _chance(rng, share):
                borough.enquire(rng, row)
            borough.concerns.append(row)
            recent.append(row)


# --- storylines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Storylines:
    """Which providers carry the demo's stories (ids depend on the seed)."""

    deteriorating: tuple[str, ...]
    recovering: str
    plan_closed: str
    plan_overdue: str


def _pick_storyline_providers(borough: _Borough, rng: random.Random) -> dict[str, _Provider]:
    """Rule: storyline services are regulated, commissioned and of the stated type; never the
    demo provider PRV-0001."""
    wanted = {
        "declining_care_home": ("care_home", "inadequate", (40, 80)),
        "declining_nursing_home": ("nursing_home", "requires_improvement", (45, 90)),
        "declining_home_care": ("home_care", "good", (90, 220)),
        "declining_supported_living": ("supported_living", "good", (10, 30)),
        "declining_extra_care": ("extra_care", "good", (35, 70)),
        "recovering": ("care_home", "requires_improvement", (40, 70)),
        "closed_plan": ("home_care", "good", (50, 150)),
    }
    chosen: dict[str, _Provider] = {}
    for story, (service_type, rating, (low, high)) in wanted.items():
        candidates = [
            p for p in borough.providers[1:] if p.service_type == service_type and not p.storyline
        ]
        provider = rng.choice(candidates)
        provider.storyline = story
        provider.regulated = provider.commissioned = True
        provider.cqc_rating = rating
        provider.capacity = rng.randint(low, high)
        chosen[story] = provider
    return chosen


def _storyline_concern(
    borough: _Borough,
    rng: random.Random,
    provider: _Provider,
    received_on: dt.date,
    abuse_type: str,
    *,
    enquiry: str = "none",
    outcome: str | None = None,
    duration: int | None = None,
) -> None:
    """A concern about `provider`'s care; enquiry "open" (running at as-of), "concluded" (with
    `outcome` if given), or "none"."""
    location = _PICK[f"provider_location:{provider.service_type}"].pick(rng)
    person = borough.new_person(rng, location)
    row = borough.concern(
        rng,
        received_on,
        person_id=person,
        source_of_risk="service_provider",
        abuse_type=abuse_type,
        location=location,
        provider=provider,
    )
    if row["screened_on"] is None:
        row["screened_on"] = received_on
    if enquiry == "open":
        borough.enquire(rng, row, open_at_as_of=True, start_lag=1)
    elif enquiry == "concluded":
        borough.enquire(rng, row, outcome=outcome, start_lag=1, duration=duration)
    borough.concerns.append(row)


def _storyline_alerts(
    borough: _Borough,
    rng: random.Random,
    provider: _Provider,
    days: Iterable[dt.date],
    severities: Sequence[str],
    categories: Sequence[str],
    *,
    open_from: int | None = None,
    close_after: tuple[int, int] | None = None,
) -> None:
    """Alerts on the given days; from index `open_from` on they are still open at as-of; others
    close `close_after` (a range of days) after being raised, if given."""
    for index, (day, severity) in enumerate(zip(days, severities, strict=True)):
        borough.alerts.append(
            borough.alert(
                rng,
                provider,
                day,
                severity=severity,
                category=categories[index % len(categories)],
                still_open=open_from is not None and index >= open_from,
                close_after=rng.randint(*close_after) if close_after else None,
            )
        )


def _spread(rng: random.Random, first: dt.date, last: dt.date, count: int) -> list[dt.date]:
    """`count` days spread over first..last (sorted)."""
    return sorted(_uniform_day(rng, first, last) for _ in range(count))


def _plan(
    borough: _Borough,
    provider: _Provider,
    opened_on: dt.date,
    reason: str,
    closed_on: dt.date | None,
) -> str:
    plan_id = f"PLAN-{len(borough.plans) + 1:0{max(3, len(str(borough.scale.plans)))}d}"
    borough.plans.append(
        {
            "plan_id": plan_id,
            "provider_id": provider.provider_id,
            "opened_on": opened_on,
            "reason": reason,
            "status": "closed" if closed_on else "open",
            "closed_on": closed_on,
        }
    )
    return plan_id


def _action(
    borough: _Borough,
    plan_id: str,
    action: tuple[str, str, str],
    due_on: dt.date,
    completed_on: dt.date | None,
) -> None:
    """Rule: a completion is never after the as-of date; a due date may be (work still ahead)."""
    borough.actions.append(
        {
            "action_id": None,
            "plan_id": plan_id,
            "description": action[0],
            "owner": action[1],
            "due_on": due_on,
            "completed_on": completed_on
            if completed_on is None or completed_on <= borough.as_of
            else None,
        }
    )


def _storylines(borough: _Borough, seed: int) -> Storylines:
    """The stories the Board should see at the as-of date (CONTRACT.md §3 scores them):

    - five services deteriorating over the last three to four months: rising alerts (some high or
      critical), concerns about their care, open enquiries; the care home is rated inadequate,
      has an organisational abuse concern and is Red; the nursing home is rated requires
      improvement and its improvement plan has overdue actions; the extra care service is Amber;
    - one care home recovering: a bad spell 7-11 months ago, an improvement plan opened then with
      six actions, five completed, and quiet since;
    - one home care service whose improvement plan closed more than a year ago;
    - a newly opened plan for the deteriorating home care service, its actions not yet due.
    Most storyline events fall in the two months that both the current and the last complete
    Board month's windows cover, so the story holds whichever month the Board scores.
    """
    rng = _stream(seed, "storylines")
    as_of = borough.as_of
    days = dt.timedelta
    cast = _pick_storyline_providers(borough, rng)
    overlap_start, overlap_end = _month_start(as_of, -2), _month_start(as_of) - days(1)
    this_month = _month_start(as_of)
    history_end = overlap_start - days(200)

    def history(provider: _Provider, count: int) -> None:
        """Ordinary, quiet history before the story starts."""
        for day in _spread(rng, borough.start, history_end, count):
            borough.alerts.append(borough.alert(rng, provider, day, severity="low"))

    # The inadequate care home: Red on almost every indicator.
    home = cast["declining_care_home"]
    history(home, 2)
    _storyline_alerts(
        borough,
        rng,
        home,
        [*_spread(rng, overlap_start, overlap_end, 6), _uniform_day(rng, this_month, as_of)],
        ["medium", "high", "medium", "critical", "high", "low", "high"],
        ["staffing", "medication", "pressure_care", "safeguarding", "nutrition_hydration", "falls"],
        open_from=3,
    )
    _storyline_concern(
        borough,
        rng,
        home,
        overlap_start + days(rng.randint(0, 7)),
        "neglect",
        enquiry="concluded",
        outcome="remains",
        duration=rng.randint(8, 18),
    )
    for day, abuse, enquiry in zip(
        _spread(rng, overlap_start, min(overlap_end, as_of - days(10)), 3),
        ["organisational", "neglect", "physical"],
        ["open", "open", "none"],
        strict=True,
    ):
        _storyline_concern(borough, rng, home, day, abuse, enquiry=enquiry)

    # The nursing home that requires improvement, its plan slipping.
    nursing = cast["declining_nursing_home"]
    history(nursing, 3)
    _storyline_alerts(
        borough,
        rng,
        nursing,
        [*_spread(rng, overlap_start, overlap_end, 4), _uniform_day(rng, this_month, as_of)],
        ["medium", "high", "medium", "low", "medium"],
        ["medication", "infection_control", "care_planning", "dignity_respect"],
        open_from=3,
    )
    for day, abuse, enquiry in zip(
        _spread(rng, overlap_start, min(overlap_end, as_of - days(10)), 3),
        ["neglect", "neglect", "psychological"],
        ["none", "open", "none"],
        strict=True,
    ):
        _storyline_concern(borough, rng, nursing, day, abuse, enquiry=enquiry)
    opened = as_of - days(135)
    plan_id = _plan(
        borough,
        nursing,
        opened,
        "Inspection rated the service requires improvement: medicines, infection control "
        "and care planning",
        None,
    )
    for offset, done_after, action in (
        (30, 25, _ACTIONS[0]),
        (45, 50, _ACTIONS[8]),
        (75, None, _ACTIONS[1]),
        (95, None, _ACTIONS[2]),
        (120, None, _ACTIONS[12]),
        (165, None, _ACTIONS[7]),
    ):
        due = opened + days(offset)
        done = opened + days(done_after) if done_after is not None else None
        _action(borough, plan_id, action, due, done)

    # The home care service: missed calls.
    care = cast["declining_home_care"]
    history(care, 2)
    _storyline_alerts(
        borough,
        rng,
        care,
        [*_spread(rng, overlap_start, overlap_end, 6), _uniform_day(rng, this_month, as_of)],
        ["medium", "medium", "high", "low", "medium", "medium", "high"],
        ["staffing", "medication", "staffing", "communication", "staffing", "care_planning"],
        open_from=4,
    )
    _storyline_concern(
        borough,
        rng,
        care,
        overlap_start + days(rng.randint(0, 7)),
        "neglect",
        enquiry="concluded",
        outcome="remains",
        duration=rng.randint(8, 18),
    )
    for day, abuse, enquiry in zip(
        _spread(rng, overlap_start, min(overlap_end, as_of - days(10)), 2),
        ["neglect", "financial"],
        ["open", "none"],
        strict=True,
    ):
        _storyline_concern(borough, rng, care, day, abuse, enquiry=enquiry)

    # The supported living service: several ambers together.
    living = cast["declining_supported_living"]
    history(living, 1)
    _storyline_alerts(
        borough,
        rng,
        living,
        [*_spread(rng, overlap_start, overlap_end, 3), _uniform_day(rng, this_month, as_of)],
        ["low", "high", "medium", "medium"],
        ["safeguarding", "staffing", "communication", "medication"],
        open_from=3,
    )
    for day, abuse, enquiry in zip(
        _spread(rng, overlap_start, min(overlap_end, as_of - days(10)), 2),
        ["financial", "psychological"],
        ["open", "none"],
        strict=True,
    ):
        _storyline_concern(borough, rng, living, day, abuse, enquiry=enquiry)

    # The extra care service: alerts rising from nothing, nothing grave yet (Amber).
    extra = cast["declining_extra_care"]
    history(extra, 1)
    _storyline_alerts(
        borough,
        rng,
        extra,
        _spread(rng, overlap_start, overlap_end - days(14), 3),
        ["low", "medium", "low"],
        ["communication", "falls", "care_planning"],
        close_after=(6, 20),
    )
    _storyline_concern(
        borough, rng, extra, _uniform_day(rng, overlap_start, overlap_end), "neglect"
    )

    # The recovering care home.
    recovering = cast["recovering"]
    bad_start, bad_end = as_of - days(330), as_of - days(215)
    history(recovering, 1)
    _storyline_alerts(
        borough,
        rng,
        recovering,
        _spread(rng, bad_start, bad_end, 8),
        ["medium", "high", "medium", "critical", "high", "medium", "low", "medium"],
        ["medication", "staffing", "falls", "safeguarding", "pressure_care", "nutrition_hydration"],
    )
    for day, abuse in zip(
        _spread(rng, bad_start, bad_end - days(20), 4),
        ["neglect", "organisational", "neglect", "physical"],
        strict=True,
    ):
        _storyline_concern(borough, rng, recovering, day, abuse, enquiry="concluded")
    opened = bad_end + days(7)
    plan_id = _plan(
        borough,
        recovering,
        opened,
        "Board decision: critical and high quality alerts, an organisational abuse concern and a "
        "requires improvement rating",
        None,
    )
    for offset, late, action in (
        (30, -3, _ACTIONS[2]),
        (45, 0, _ACTIONS[3]),
        (60, 12, _ACTIONS[0]),
        (90, -10, _ACTIONS[5]),
        (150, -5, _ACTIONS[4]),
        (260, None, _ACTIONS[7]),
    ):
        due = opened + days(offset)
        _action(borough, plan_id, action, due, None if late is None else due + days(late))
    for day in (opened + days(80), _uniform_day(rng, overlap_start, overlap_end - days(20))):
        borough.alerts.append(
            borough.alert(rng, recovering, day, severity="low", close_after=rng.randint(5, 14))
        )

    # The home care service whose plan closed over a year ago.
    closed = cast["closed_plan"]
    opened = max(as_of - days(610), borough.start + days(100))
    closed_on = opened + days(210)
    _storyline_alerts(
        borough,
        rng,
        closed,
        _spread(rng, max(borough.start, opened - days(100)), opened - days(5), 5),
        ["medium", "high", "medium", "high", "low"],
        ["staffing", "communication", "medication", "staffing", "dignity_respect"],
    )
    plan_id = _plan(borough, closed, opened, _PLAN_REASONS[3], closed_on)
    for offset, late, action in (
        (30, 0, _ACTIONS[9]),
        (45, 5, _ACTIONS[10]),
        (60, -7, _ACTIONS[2]),
        (90, 14, _ACTIONS[1]),
        (150, -2, _ACTIONS[13]),
    ):
        due = opened + days(offset)
        _action(borough, plan_id, action, due, due + days(late))
    history_after = _spread(rng, closed_on + days(30), as_of - days(150), 2)
    for day in history_after:
        borough.alerts.append(borough.alert(rng, closed, day, severity="low"))

    # A plan the Board opened last month for the deteriorating home care service.
    opened = max(overlap_end - days(10), as_of - days(40))
    plan_id = _plan(borough, care, opened, _PLAN_REASONS[3], None)
    for offset, done, action in (
        (14, 12, _ACTIONS[9]),
        (60, None, _ACTIONS[3]),
        (75, None, _ACTIONS[1]),
        (90, None, _ACTIONS[13]),
    ):
        due = opened + days(offset)
        completed = opened + days(done) if done is not None else None
        _action(borough, plan_id, action, due, completed)

    # The demo provider's login sees a little recent activity.
    demo = borough.providers[0]
    borough.alerts.append(
        borough.alert(
            rng,
            demo,
            as_of - days(6),
            severity="medium",
            category="communication",
            raised_by="family_friend",
            still_open=True,
        )
    )
    borough.alerts.append(
        borough.alert(rng, demo, as_of - days(40), severity="low", category="falls", close_after=9)
    )

    declining = tuple(
        cast[s].provider_id
        for s in (
            "declining_care_home",
            "declining_nursing_home",
            "declining_home_care",
            "declining_supported_living",
            "declining_extra_care",
        )
    )
    return Storylines(
        deteriorating=declining,
        recovering=recovering.provider_id,
        plan_closed=closed.provider_id,
        plan_overdue=nursing.provider_id,
    )


def _background_plans(borough: _Borough, seed: int) -> None:
    """Rule: beyond the storylines, plans for other commissioned services opened at any time in
    the period, with 3-7 actions; plans older than about seven months are mostly closed with
    every action done, recent ones are open with some actions done late or not yet."""
    extra = borough.scale.plans - len(borough.plans)
    if extra <= 0:
        return
    rng = _stream(seed, "plans")
    eligible = [p for p in borough.providers if p.commissioned and not p.storyline]
    last_open = borough.as_of - dt.timedelta(days=14)
    for _ in range(extra):
        provider = rng.choice(eligible)
        opened = _uniform_day(rng, borough.start, last_open)
        age = (borough.as_of - opened).days
        close_after = rng.randint(150, 300)
        closed_on = opened + dt.timedelta(days=close_after)
        if closed_on > borough.as_of or _chance(rng, 0.05):
            closed_on = None
        plan_id = _plan(borough, provider, opened, rng.choice(_PLAN_REASONS), closed_on)
        setting = "home" if provider.in_care_home else "community"
        fitting = [a for a in _ACTIONS if a[2] in ("any", setting)]
        for action in rng.sample(fitting, rng.randint(3, 7)):
            due = opened + dt.timedelta(days=rng.randint(21, min(max(close_after - 14, 22), 240)))
            completion: dt.date | None = due + dt.timedelta(days=rng.randint(-14, 21))
            if closed_on is not None:
                completion = min(max(completion, opened), closed_on)
            elif completion > borough.as_of or (age < 300 and _chance(rng, 0.15)):
                completion = None
            _action(borough, plan_id, action, due, completion)


# --- training -------------------------------------------------------------------------------------


def _training(seed: int, as_of: dt.date, staff: int) -> list[Row]:
    """Rule (CONTRACT.md §5 ACC-6): each member of staff has records of the training their role
    requires, renewed about every two years, over the last three years; about 89% are compliant
    at the as-of date (every required type within 730 days). Some were promoted: their older
    records carry the old role, their newest the current one."""
    rng = _stream(seed, "training")
    width = max(4, len(str(staff)))
    rows: list[Row] = []
    window_start = as_of - dt.timedelta(days=3 * 365)
    for number in range(1, staff + 1):
        staff_id = f"STF-{number:0{width}d}"
        role = _PICK["role"].pick(rng)
        compliant = _chance(rng, _COMPLIANT_SHARE)
        required = REQUIRED_TRAINING[role]
        lapsed = set() if compliant else {rng.choice(required)}
        previous_role = None
        if role != "all_staff" and _chance(rng, 0.1):
            previous_role = next(r for r, nxt in _PROMOTION.items() if nxt == role)
        promoted_on = as_of - dt.timedelta(days=rng.randint(120, 700))
        records: list[tuple[str, dt.date]] = []
        for training_type in required:
            if training_type in lapsed:
                if len(required) > 1 and _chance(rng, 0.3):
                    continue  # never completed in the last three years
                last = as_of - dt.timedelta(days=rng.randint(_TRAINING_VALID_DAYS + 5, 1_050))
            else:
                last = as_of - dt.timedelta(days=rng.randint(0, _TRAINING_VALID_DAYS - 10))
            completions = [last]
            earlier = last - dt.timedelta(days=rng.randint(690, 740))
            if earlier >= window_start:
                completions.append(earlier)
            records.extend((training_type, day) for day in completions)
        if not records:
            records.append((required[0], as_of - dt.timedelta(days=rng.randint(760, 1_000))))
        newest = max(day for _, day in records)
        if previous_role is not None and promoted_on >= newest:
            promoted_on = newest  # the newest record is always in the current role
        for training_type, day in sorted(records, key=lambda r: (r[1], r[0])):
            was_previous = (
                previous_role is not None
                and day < promoted_on
                and training_type in REQUIRED_TRAINING[previous_role]
            )
            rows.append(
                {
                    "staff_id": staff_id,
                    "role": previous_role if was_previous else role,
                    "training_type": training_type,
                    "completed_on": day,
                }
            )
    return rows


# --- assembling the files -------------------------------------------------------------------------


def _cells(values: list[Any]) -> list[str]:
    """Rule: codes as they are, dates as YYYY-MM-DD, yes/no as `yes`/`no`, not recorded as blank.

    A column holds one kind of value (or None), so it is converted by the first value's kind.
    """
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, bool):
        words = {True: "yes", False: "no", None: ""}
        return [words[value] for value in values]
    if isinstance(sample, dt.date):
        return ["" if value is None else value.isoformat() for value in values]
    return ["" if value is None else str(value) for value in values]


def _frame(kind: str, rows: Sequence[Row]) -> pd.DataFrame:
    columns = COLUMNS[kind]
    # A column the demo does not fill (an optional one such as assigned_to) is left blank.
    data = {column: _cells([row.get(column) for row in rows]) for column in columns}
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def _numbered(rows: list[Row], key: str, prefix: str, date_key: str, width: int) -> None:
    """Sort rows by date (then by their content) and number them in that order."""
    rows.sort(key=lambda row: (row[date_key], row.get("provider_id") or "", row.get("summary", "")))
    for number, row in enumerate(rows, start=1):
        row[key] = f"{prefix}-{number:0{width}d}"


def build_borough(
    seed: int, as_of: dt.date, scale: BoroughScale = DEFAULT_SCALE
) -> dict[str, pd.DataFrame]:
    """Build the synthetic borough's six contract files as frames of text cells.

    Rule: the same seed, as-of date and scale always give identical frames; the history covers
    `scale.months` months ending on `as_of`, and no date is after `as_of` except due dates of
    improvement actions still to be done. Keys: providers, alerts, concerns, plans, actions,
    training; each frame has exactly the contract's columns in contract order.
    """
    with _collector_paused():
        return _build(seed, as_of, scale)[0]


def storylines(seed: int, as_of: dt.date, scale: BoroughScale = DEFAULT_SCALE) -> Storylines:
    """The providers carrying the demo's stories for this seed (deteriorating, recovering, ...)."""
    with _collector_paused():
        return _build(seed, as_of, scale)[1]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the borough's many small rows are built.

    Why: the rows hold no reference cycles, and the collector would rescan them again and again
    (a large borough builds millions of objects).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    seed: int, as_of: dt.date, scale: BoroughScale
) -> tuple[dict[str, pd.DataFrame], Storylines]:
    start = _add_months(as_of, -scale.months) + dt.timedelta(days=1)
    borough = _Borough(
        seed=seed,
        as_of=as_of,
        scale=scale,
        start=start,
        working=_WorkingDays(start, as_of),
        providers=_build_providers(seed, scale),
    )
    stories = _storylines(borough, seed)
    _background_alerts(borough, _stream(seed, "alerts"), _numpy_stream(seed, "alert-days"))
    _background_concerns(borough, _stream(seed, "concerns"), _numpy_stream(seed, "concern-days"))
    _background_plans(borough, seed)
    _numbered(borough.alerts, "alert_id", "ALT", "raised_on", max(5, len(str(len(borough.alerts)))))
    borough.concerns.sort(key=lambda row: (row["received_on"], row["person_id"]))
    width = max(6, len(str(len(borough.concerns))))
    for number, row in enumerate(borough.concerns, start=1):
        row["concern_id"] = f"CON-{number:0{width}d}"
    width = max(4, len(str(len(borough.actions))))
    for number, row in enumerate(borough.actions, start=1):
        row["action_id"] = f"ACT-{number:0{width}d}"
    frames = {
        "providers": _frame("providers", [p.row() for p in borough.providers]),
        "alerts": _frame("alerts", borough.alerts),
        "concerns": _frame("concerns", borough.concerns),
        "plans": _frame("plans", borough.plans),
        "actions": _frame("actions", borough.actions),
        "training": _frame("training", _training(seed, as_of, scale.staff)),
    }
    return frames, stories


def write_csv(frames: dict[str, pd.DataFrame], directory: Path) -> list[Path]:
    """Write providers.csv, alerts.csv, concerns.csv, plans.csv, actions.csv and training.csv
    (UTF-8, header row) into `directory`, creating it if needed; return the paths in that order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in KINDS:
        path = directory / f"{kind}.csv"
        path.write_bytes(_csv_bytes(frames[kind]))
        paths.append(path)
    return paths


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


# --- loading --------------------------------------------------------------------------------------


def is_empty(engine: Engine) -> bool:
    """Rule: a database is empty when its provider register holds no provider."""
    with engine.connect() as connection:
        return connection.execute(select(Provider.provider_id).limit(1)).first() is None


#: The demo login that owns the open plans (config/users.yaml), so the plan owner's view has work.
DEMO_PLAN_OWNER = "planowner"


def _assign_plan_owners(engine: Engine, plans_frame: pd.DataFrame, as_of: dt.date) -> None:
    """Give each open plan the demo plan owner and a review date a month after as-of, through
    the plans use case (audited), as a council would after moving its tracker in."""
    from sgoversight.plans import update_plan

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
    from sgoversight.qa import create_meeting, list_meetings

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
    """The demo's Care Quality Commission ratings history (sgoversight.cqc_demo), recorded as
    two imports of the CQC's file would record it (loading again adds nothing)."""
    from sgoversight.cqc import record_ratings
    from sgoversight.cqc_demo import demo_history

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
    file is in (standards_results.refresh), not after each file.
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
            _csv_bytes(frame),
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
    standards_results.refresh(engine, as_of)
    counts = {kind: reports[kind].rows for kind in KINDS}
    return (
        f"Demo borough loaded: {counts['providers']:,} providers, "
        f"{counts['alerts']:,} quality alerts, {counts['concerns']:,} safeguarding concerns, "
        f"{counts['plans']:,} improvement plans, {counts['actions']:,} actions, "
        f"{counts['training']:,} training records (as of {as_of.isoformat()})."
    )
