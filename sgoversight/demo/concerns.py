"""The demo borough's safeguarding concerns: the adults at risk, where and by whom the risk arose,
screening, enquiries and their Making Safeguarding Personal fields, and the background of
concerns across the borough.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import deque

import numpy as np

from sgoversight.demo.draws import Choice, chance, daily_counts, merged
from sgoversight.demo.files import COLUMNS, Row
from sgoversight.demo.providers import CARE_HOMES, DemoProvider, size_factor
from sgoversight.demo.state import Borough

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

_PICK: dict[str, Choice] = {
    "source": Choice(_SOURCE_OF_RISK),
    "referral_provider": Choice(_REFERRAL_FOR_PROVIDER),
    "referral": Choice(_REFERRAL_SOURCE),
    "age_younger": Choice(_AGE_YOUNGER),
    "age_community": Choice(_AGE_COMMUNITY),
    "age_care_home": Choice(_AGE_CARE_HOME),
    "gender": Choice(_GENDER),
    "ethnicity": Choice(_ETHNICITY),
    "screening_lag": Choice(_SCREENING_LAG),
    "enquiry_lag": Choice(_ENQUIRY_START_LAG),
}
for _source, _weights in _ABUSE_BY_SOURCE.items():
    _PICK[f"abuse:{_source}"] = Choice(_weights)
for _source, _weights in _LOCATION_BY_SOURCE.items():
    _PICK[f"location:{_source}"] = Choice(_weights)
for _abuse, _weights in _LOCATION_FOR_ABUSE.items():
    _PICK[f"location_for:{_abuse}"] = Choice(_weights)
for _abuse, _weights in _REFERRAL_FOR_ABUSE.items():
    _PICK[f"referral_for:{_abuse}"] = Choice(merged(_REFERRAL_SOURCE, _weights))
for _type, _weights in _PROVIDER_LOCATION.items():
    _PICK[f"provider_location:{_type}"] = Choice(dict(_weights))


#: Making Safeguarding Personal and other enquiry fields: realistic, imperfect recording rates
#: (None = not recorded), so the standards scorecard shows some measures met and some not.
_MSP: dict[str, Choice] = {
    "lacked_capacity": Choice({"yes": 30, "no": 55, "dont_know": 7, None: 8}),
    "outcomes_asked": Choice(
        {"yes_expressed": 72, "yes_not_expressed": 20, "no": 5, "dont_know": 2, None: 1}
    ),
    "outcomes_achieved": Choice({"fully": 68, "partially": 26, "not_achieved": 6}),
    "risk_assessment": Choice(
        {"risk_identified": 70, "inconclusive": 10, "no_risk": 14, "ceased_at_request": 5, None: 1}
    ),
    "risk_outcome": Choice({"removed": 25, "reduced": 56, "remains": 11, None: 3}),
    "risk_outcome_provider": Choice({"removed": 25, "reduced": 62, "remains": 5, None: 3}),
    "protection_agreed": Choice({"fully": 60, "partially": 25, "no": 10, None: 5}),
    "protection_plan_reviewed": Choice({True: 22, False: 70, None: 8}),
    "social_isolation": Choice({True: 18, False: 65, None: 17}),
    "fgc_elements": Choice({True: 6, False: 70, None: 24}),
}


def provider_location(rng: random.Random, service_type: str) -> str:
    """Where the risk arose when a provider of this type is its source (its own setting)."""
    return _PICK[f"provider_location:{service_type}"].pick(rng)


def empty_concern() -> Row:
    """A concern row with every contract column not recorded."""
    return dict.fromkeys(COLUMNS["concerns"])


def new_person(borough: Borough, rng: random.Random, location: str) -> str:
    """Rule: a pseudonymous id never used before, with demographics fitting the setting."""
    while True:
        number = rng.randint(1, 999_999)
        if number not in borough.used_people:
            borough.used_people.add(number)
            break
    person_id = f"PER-{number:06d}"
    if location.startswith("care_home"):
        age = _PICK["age_care_home"].pick(rng)
    elif location in ("community_service", "hospital_mental_health"):
        age = _PICK["age_younger"].pick(rng)
    else:
        age = _PICK["age_community"].pick(rng)
    borough.people[person_id] = (age, _PICK["gender"].pick(rng), _PICK["ethnicity"].pick(rng))
    return person_id


def person_fields(borough: Borough, person_id: str) -> Row:
    """The adult's id and demographics, the same on every concern about them."""
    age, gender, ethnicity = borough.people[person_id]
    return {"person_id": person_id, "age_band": age, "gender": gender, "ethnicity": ethnicity}


def screen(borough: Borough, rng: random.Random, row: Row) -> None:
    """Rule: most concerns are screened the same or the next working day, a few later; screening
    improves over the period. A screening due after the as-of date has not happened yet."""
    received = row["received_on"]
    lag = _PICK["screening_lag"].pick(rng)
    if lag > 0 and chance(rng, 0.35 * borough.progress_through(received)):
        lag = max(0, lag - 1)
    screened = borough.working.add(received, lag)
    row["screened_on"] = screened if screened <= borough.as_of else None


def enquire(
    borough: Borough,
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
    if started > borough.as_of:
        return
    row["enquiry_started_on"] = started
    t = borough.progress_through(started)
    median = 15.5 - 3.5 * t
    working_days = max(2, min(160, round(rng.lognormvariate(math.log(median), 0.6))))
    if duration is not None:
        working_days = duration
    concluded = borough.working.add(started, working_days)
    lacked = _MSP["lacked_capacity"].pick(rng)
    row["lacked_capacity"] = lacked
    if lacked == "yes":
        row["advocate_supported"] = chance(rng, 0.85)
    if open_at_as_of or concluded > borough.as_of:
        if chance(rng, 0.6):
            asked = "yes_expressed" if chance(rng, 0.8) else "yes_not_expressed"
            row["outcomes_asked"] = asked
        return
    row["enquiry_concluded_on"] = concluded
    asked = _MSP["outcomes_asked"].pick(rng)
    row["outcomes_asked"] = asked
    if asked == "yes_expressed" and chance(rng, 0.95):
        row["outcomes_achieved"] = _MSP["outcomes_achieved"].pick(rng)
    assessment = _MSP["risk_assessment"].pick(rng)
    if outcome is not None:
        assessment = "risk_identified"
    row["risk_assessment"] = assessment
    if assessment == "risk_identified":
        about_provider = row["source_of_risk"] == "service_provider"
        drawn = _MSP["risk_outcome_provider" if about_provider else "risk_outcome"].pick(rng)
        row["risk_outcome"] = outcome or drawn
        row["action_taken"] = chance(rng, 0.88)
    else:
        # An enquiry ceased at the person's request records no action (the national
        # collection has no category for action taken after the person asked to stop).
        taken = chance(rng, 0.35)
        row["action_taken"] = False if assessment == "ceased_at_request" else taken
    row["protection_agreed"] = _MSP["protection_agreed"].pick(rng)
    row["protection_plan_reviewed"] = _MSP["protection_plan_reviewed"].pick(rng)
    draw = rng.random()
    survey_yes = 0.2 + 0.25 * t
    row["survey_completed"] = draw < survey_yes if draw < 0.9 else None
    if chance(rng, 0.8 + 0.12 * t):
        feedback = concluded + dt.timedelta(days=rng.randint(0, 10))
        row["feedback_to_referrer_on"] = feedback if feedback <= borough.as_of else None
    if row["provider_id"] is not None and chance(rng, 0.92):
        feedback = concluded + dt.timedelta(days=rng.randint(0, 14))
        row["feedback_to_provider_on"] = feedback if feedback <= borough.as_of else None


def new_concern(
    borough: Borough,
    rng: random.Random,
    received_on: dt.date,
    *,
    person_id: str,
    source_of_risk: str,
    abuse_type: str,
    location: str,
    provider: DemoProvider | None,
    referral_source: str | None = None,
) -> Row:
    """One concern as received, screened and (if so decided later) enquired into.

    Rule: provider_id is recorded whenever the provider's care is the source of risk."""
    row = empty_concern()
    row.update(person_fields(borough, person_id))
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
    screen(borough, rng, row)
    return row


def background_concerns(borough: Borough, rng: random.Random, nrng: np.random.Generator) -> None:
    """Rule: about a third of concerns are about a service provider, the rest about people known
    or unknown to the adult; about a fifth are about someone with another concern in the year
    before (often in the same setting); about a third become enquiries."""
    quiet = [p for p in borough.providers if not p.storyline]
    by_id = {p.provider_id: p for p in quiet}
    about = Choice(
        {
            i: p.concern_propensity * size_factor(p) ** 0.5 * _CONCERN_TYPE_FACTOR[p.service_type]
            for i, p in enumerate(quiet)
        }
    )
    homes = [p for p in quiet if p.in_care_home]
    in_home = {
        kind: Choice({i: size_factor(p) for i, p in enumerate(homes) if p.service_type == kind})
        for kind in CARE_HOMES
    }
    recent: deque[Row] = deque()
    year = dt.timedelta(days=365)
    for day, count in daily_counts(
        nrng, borough.start, borough.as_of, borough.scale.concerns_per_month, 0.3
    ):
        while recent and recent[0]["received_on"] < day - year + dt.timedelta(days=30):
            recent.popleft()
        for _ in range(count):
            previous = recent[rng.randrange(len(recent))] if recent else None
            repeat = previous is not None and chance(rng, _REPEAT_SHARE)
            if previous is not None and repeat and chance(rng, 0.3):
                source, location = previous["source_of_risk"], previous["location"]
                provider = by_id.get(previous["provider_id"] or "")
            else:
                source = _PICK["source"].pick(rng)
                provider = None
                if source == "service_provider":
                    provider = quiet[about.pick(rng)]
                    location = provider_location(rng, provider.service_type)
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
                and chance(rng, 0.5)
            ):
                kind = "care_home" if location == "care_home_residential" else "nursing_home"
                provider = homes[in_home[kind].pick(rng)]
            if previous is not None and repeat:
                person = previous["person_id"]
            else:
                person = new_person(borough, rng, location)
            row = new_concern(
                borough,
                rng,
                day,
                person_id=person,
                source_of_risk=source,
                abuse_type=abuse,
                location=location,
                provider=provider,
            )
            share = _ENQUIRY_SHARE["service_provider" if source == "service_provider" else "other"]
            if chance(rng, share):
                enquire(borough, rng, row)
            borough.concerns.append(row)
            recent.append(row)
