"""The demo borough's provider register: invented names, service types, ratings and sizes."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sgoversight.demo.draws import Choice, chance, stream
from sgoversight.demo.files import Row
from sgoversight.demo.scale import BoroughScale

#: The one provider whose identity is fixed: the demo provider login (config/users.yaml) uses it.
DEMO_PROVIDER_ID = "PRV-0001"
DEMO_PROVIDER_NAME = "Elmfield House"

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
CARE_HOMES = frozenset({"care_home", "nursing_home"})

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
CAPACITY: dict[str, tuple[int, int, int]] = {
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
_RATING = Choice(_RATINGS)


@dataclass
class DemoProvider:
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
        return self.service_type in CARE_HOMES

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


def build_providers(seed: int, scale: BoroughScale) -> list[DemoProvider]:
    """Rule: ~250 services across all types; day opportunities and 'other' are mostly unregulated
    (not CQC-registered) and have no rating; some services are not commissioned (private or
    voluntary); ratings are mostly good; capacity is known for most. PRV-0001 is Elmfield House,
    a regulated, commissioned care home rated good."""
    rng = stream(seed, "providers")
    counts = _type_counts(scale.providers)
    counts["care_home"] -= 1  # PRV-0001, below
    types = [t for t, n in counts.items() for _ in range(n)]
    rng.shuffle(types)
    names = _provider_names(rng, types)
    width = max(4, len(str(scale.providers)))
    providers = [
        DemoProvider(f"PRV-{1:0{width}d}", DEMO_PROVIDER_NAME, "care_home", True, True, "good", 48)
    ]
    for number, (service_type, name) in enumerate(zip(types, names, strict=True), start=2):
        regulated = not chance(rng, _UNREGULATED.get(service_type, 0.0))
        commissioned = not chance(rng, _NOT_COMMISSIONED[service_type])
        rating = _RATING.pick(rng) if regulated else ""
        low, mode, high = CAPACITY[service_type]
        capacity: int | None = round(rng.triangular(low, high, mode))
        if chance(rng, _CAPACITY_BLANK.get(service_type, 0.05)):
            capacity = None
        providers.append(
            DemoProvider(
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


def size_factor(provider: DemoProvider) -> float:
    """Bigger services see more events, less than in proportion to their size."""
    _low, mode, _high = CAPACITY[provider.service_type]
    return math.sqrt(provider.capacity or mode) / math.sqrt(35)
