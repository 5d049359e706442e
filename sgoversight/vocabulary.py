"""The enumerated values of CONTRACT.md section 1, each with its code and its plain-English label.

Rule (CONTRACT.md §1, extended compatibly): an enumerated value is matched against every code and
label after folding both the same way: case, accents, apostrophes, punctuation, underscores,
hyphens, brackets and repeated spaces do not count, so "Care Home - Residential",
"care home (residential)", "Care home residential" and `care_home_residential` all read as
`care_home_residential`. A value matches only when exactly one code folds to it; a fold shared by
two codes is an error that names them, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """One enumerated field: its codes in contract order, each with a label shown on screen."""

    name: str
    labels: dict[str, str]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str | None) -> str:
        """The label for a code; blank for a missing value, the code itself if unknown."""
        if code is None:
            return ""
        return self.labels.get(code, code)

    def normalise(self, value: str) -> str:
        """Return the code that `value` names: the one code whose code or label folds (`fold`)
        to the same text as `value`.

        Raises ValueError listing the accepted codes when the value names none of them, or naming
        the candidates when it folds to more than one.
        """
        candidates = self.matches(value)
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise ValueError(
                f"'{value.strip()}' could be any of: {', '.join(candidates)}; write the code"
            )
        message = f"'{value.strip()}' is not one of: {', '.join(self.codes)}"
        closest = self.closest(value)
        if closest:
            message += f"; did you mean {' or '.join(closest)}?"
        raise ValueError(message)

    def matches(self, value: str) -> tuple[str, ...]:
        """Every code whose code or label folds (`fold`) to the same text as `value`."""
        return self._lookup.get(fold(value), ())

    def closest(self, value: str, most: int = 2) -> list[str]:
        """Rule: the codes (at most `most`, best first) whose code or label is closest to `value`
        after folding, by rapidfuzz's weighted ratio of at least 80 out of 100; none if nothing
        is that close. A hint for a message, never a match."""
        from rapidfuzz import fuzz, process  # loaded only when a value is unknown

        found: list[str] = []
        for key, _score, _index in process.extract(
            fold(value), list(self._lookup), scorer=fuzz.WRatio, score_cutoff=80, limit=None
        ):
            for code in self._lookup[key]:
                if code not in found:
                    found.append(code)
        return found[:most]

    @property
    def _lookup(self) -> dict[str, tuple[str, ...]]:
        cached = _LOOKUPS.get(self.name)
        if cached is None:
            found: dict[str, list[str]] = {}
            for code, label in self.labels.items():
                for text in (code, label):
                    codes = found.setdefault(fold(text), [])
                    if code not in codes:
                        codes.append(code)
            cached = {key: tuple(codes) for key, codes in found.items()}
            _LOOKUPS[self.name] = cached
        return cached


_LOOKUPS: dict[str, dict[str, tuple[str, ...]]] = {}
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(value: str) -> str:
    """Rule: the text a value is matched by: accents removed (é → e), case folded, apostrophes
    dropped (don't → dont), and every run of other punctuation, underscores, hyphens, brackets
    and spaces made one space, trimmed."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", bare.casefold())
    return _NOT_WORD.sub(" ", text).strip()


SERVICE_TYPE = Vocabulary(
    "service_type",
    {
        "care_home": "Care home",
        "nursing_home": "Nursing home",
        "home_care": "Home care",
        "supported_living": "Supported living",
        "extra_care": "Extra care housing",
        "day_opportunities": "Day opportunities",
        "other": "Other",
    },
)
YES_NO = Vocabulary("yes_no", {"yes": "Yes", "no": "No"})
CQC_RATING = Vocabulary(
    "cqc_rating",
    {
        "outstanding": "Outstanding",
        "good": "Good",
        "requires_improvement": "Requires improvement",
        "inadequate": "Inadequate",
    },
)
ALERT_RAISED_BY = Vocabulary(
    "raised_by",
    {
        "commissioner": "Commissioner",
        "social_care_staff": "Social care staff",
        "health": "Health",
        "provider": "Provider",
        "family_friend": "Family or friend",
        "self": "Self",
        "other": "Other",
        "cqc": "Care Quality Commission (CQC)",
    },
)
ALERT_CATEGORY = Vocabulary(
    "category",
    {
        "medication": "Medication",
        "care_planning": "Care planning",
        "staffing": "Staffing",
        "safeguarding": "Safeguarding",
        "nutrition_hydration": "Nutrition and hydration",
        "infection_control": "Infection control",
        "dignity_respect": "Dignity and respect",
        "falls": "Falls",
        "pressure_care": "Pressure care",
        "environment": "Environment",
        "communication": "Communication",
        "hospital_discharge": "Hospital discharge",
        "other": "Other",
    },
)
SEVERITY = Vocabulary(
    "severity", {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
)
ALERT_STATUS = Vocabulary(
    "status", {"open": "Open", "in_progress": "In progress", "closed": "Closed"}
)
REFERRAL_SOURCE = Vocabulary(
    "referral_source",
    {
        "social_care_staff": "Social care staff",
        "health_primary": "Health: primary care (GP)",
        "health_secondary": "Health: secondary care",
        "mental_health": "Mental health services",
        "police": "Police",
        "provider": "Care provider",
        "housing": "Housing",
        "financial_institution": "Bank, building society or post office",
        "fire_service": "Fire service",
        "family_friend": "Family or friend",
        "self": "Self",
        "other": "Other",
    },
)
ABUSE_TYPE = Vocabulary(
    "abuse_type",
    {
        "physical": "Physical",
        "sexual": "Sexual",
        "psychological": "Psychological",
        "financial": "Financial or material",
        "discriminatory": "Discriminatory",
        "organisational": "Organisational",
        "neglect": "Neglect and acts of omission",
        "domestic": "Domestic abuse",
        "modern_slavery": "Modern slavery",
        "sexual_exploitation": "Sexual exploitation",
        "self_neglect": "Self-neglect",
        "cuckooing": "Cuckooing",
    },
)
LOCATION = Vocabulary(
    "location",
    {
        "own_home": "Own home",
        "community": "In the community (excluding community services)",
        "community_service": "In a community service",
        "care_home_nursing": "Care home: nursing",
        "care_home_residential": "Care home: residential",
        "hospital_acute": "Hospital: acute",
        "hospital_mental_health": "Hospital: mental health",
        "hospital_community": "Hospital: community",
        "other": "Other",
    },
)
SOURCE_OF_RISK = Vocabulary(
    "source_of_risk",
    {
        "service_provider": "Service provider",
        "known_to_individual": "Other: known to the individual",
        "unknown_to_individual": "Other: unknown to the individual",
    },
)
AGE_BAND = Vocabulary(
    "age_band",
    {
        "18-64": "18-64",
        "65-74": "65-74",
        "75-84": "75-84",
        "85-94": "85-94",
        "95+": "95+",
        "unknown": "Unknown",
    },
)
GENDER = Vocabulary(
    "gender", {"female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"}
)
ETHNICITY = Vocabulary(
    "ethnicity",
    {
        "white": "White",
        "mixed": "Mixed or multiple",
        "asian": "Asian or Asian British",
        "black": "Black or Black British",
        "other": "Other ethnic group",
        "refused": "Refused",
        "unknown": "Unknown",
    },
)
OUTCOMES_ASKED = Vocabulary(
    "outcomes_asked",
    {
        "yes_expressed": "Yes, outcomes expressed",
        "yes_not_expressed": "Yes, no outcomes expressed",
        "no": "No",
        "dont_know": "Don't know",
    },
)
OUTCOMES_ACHIEVED = Vocabulary(
    "outcomes_achieved",
    {"fully": "Fully achieved", "partially": "Partially achieved", "not_achieved": "Not achieved"},
)
RISK_ASSESSMENT = Vocabulary(
    "risk_assessment",
    {
        "risk_identified": "Risk identified",
        "inconclusive": "Inconclusive",
        "no_risk": "No risk",
        "ceased_at_request": "Enquiry ceased at the person's request",
    },
)
RISK_OUTCOME = Vocabulary(
    "risk_outcome",
    {"removed": "Risk removed", "reduced": "Risk reduced", "remains": "Risk remains"},
)
LACKED_CAPACITY = Vocabulary(
    "lacked_capacity", {"yes": "Yes", "no": "No", "dont_know": "Don't know"}
)
PROTECTION_AGREED = Vocabulary(
    "protection_agreed", {"fully": "Fully", "partially": "Partially", "no": "No"}
)
PLAN_STATUS = Vocabulary("plan_status", {"open": "Open", "closed": "Closed"})
TRAINING_ROLE = Vocabulary(
    "role",
    {
        "all_staff": "All staff",
        "asc_staff": "Adult social care staff",
        "practitioner": "Practitioner",
        "operational_manager": "Operational manager",
    },
)
TRAINING_TYPE = Vocabulary(
    "training_type",
    {
        "corporate_mandatory": "Corporate mandatory",
        "asc_awareness": "Adult social care safeguarding awareness",
        "asc_enquiry": "Adult social care safeguarding enquiry",
        "asc_managers": "Adult social care safeguarding for managers",
    },
)
