"""The demo borough's storylines: the services the Board should notice at the as-of date."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sgoversight.demo.alerts import new_alert
from sgoversight.demo.concerns import enquire, new_concern, new_person, provider_location
from sgoversight.demo.days import month_start
from sgoversight.demo.draws import stream, uniform_day
from sgoversight.demo.plans import ACTIONS, PLAN_REASONS, add_action, add_plan
from sgoversight.demo.providers import DemoProvider
from sgoversight.demo.state import Borough


@dataclass(frozen=True)
class Storylines:
    """Which providers carry the demo's stories (ids depend on the seed)."""

    deteriorating: tuple[str, ...]
    recovering: str
    plan_closed: str
    plan_overdue: str


def _pick_storyline_providers(borough: Borough, rng: random.Random) -> dict[str, DemoProvider]:
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
    chosen: dict[str, DemoProvider] = {}
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
    borough: Borough,
    rng: random.Random,
    provider: DemoProvider,
    received_on: dt.date,
    abuse_type: str,
    *,
    enquiry: str = "none",
    outcome: str | None = None,
    duration: int | None = None,
) -> None:
    """A concern about `provider`'s care; enquiry "open" (running at as-of), "concluded" (with
    `outcome` if given), or "none"."""
    location = provider_location(rng, provider.service_type)
    person = new_person(borough, rng, location)
    row = new_concern(
        borough,
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
        enquire(borough, rng, row, open_at_as_of=True, start_lag=1)
    elif enquiry == "concluded":
        enquire(borough, rng, row, outcome=outcome, start_lag=1, duration=duration)
    borough.concerns.append(row)


def _storyline_alerts(
    borough: Borough,
    rng: random.Random,
    provider: DemoProvider,
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
            new_alert(
                borough,
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
    return sorted(uniform_day(rng, first, last) for _ in range(count))


def add_storylines(borough: Borough, seed: int) -> Storylines:
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
    rng = stream(seed, "storylines")
    as_of = borough.as_of
    days = dt.timedelta
    cast = _pick_storyline_providers(borough, rng)
    overlap_start, overlap_end = month_start(as_of, -2), month_start(as_of) - days(1)
    this_month = month_start(as_of)
    history_end = overlap_start - days(200)

    def history(provider: DemoProvider, count: int) -> None:
        """Ordinary, quiet history before the story starts."""
        for day in _spread(rng, borough.start, history_end, count):
            borough.alerts.append(new_alert(borough, rng, provider, day, severity="low"))

    def declining(
        provider: DemoProvider,
        quiet_before: int,
        severities: Sequence[str],
        categories: Sequence[str],
        open_from: int,
        concerns: Sequence[tuple[str, str]],
        *,
        concluded_neglect: bool = False,
    ) -> None:
        """A deteriorating service: quiet history, then alerts over the overlap (the last of them
        this month), from `open_from` on still open; if `concluded_neglect`, a neglect enquiry that
        concluded with the risk remaining; then the (abuse type, enquiry) concerns."""
        history(provider, quiet_before)
        _storyline_alerts(
            borough,
            rng,
            provider,
            [
                *_spread(rng, overlap_start, overlap_end, len(severities) - 1),
                uniform_day(rng, this_month, as_of),
            ],
            severities,
            categories,
            open_from=open_from,
        )
        if concluded_neglect:
            _storyline_concern(
                borough,
                rng,
                provider,
                overlap_start + days(rng.randint(0, 7)),
                "neglect",
                enquiry="concluded",
                outcome="remains",
                duration=rng.randint(8, 18),
            )
        for day, (abuse, enquiry) in zip(
            _spread(rng, overlap_start, min(overlap_end, as_of - days(10)), len(concerns)),
            concerns,
            strict=True,
        ):
            _storyline_concern(borough, rng, provider, day, abuse, enquiry=enquiry)

    # The inadequate care home: Red on almost every indicator.
    declining(
        cast["declining_care_home"],
        2,
        ["medium", "high", "medium", "critical", "high", "low", "high"],
        ["staffing", "medication", "pressure_care", "safeguarding", "nutrition_hydration", "falls"],
        3,
        [("organisational", "open"), ("neglect", "open"), ("physical", "none")],
        concluded_neglect=True,
    )

    # The nursing home that requires improvement, its plan slipping.
    nursing = cast["declining_nursing_home"]
    declining(
        nursing,
        3,
        ["medium", "high", "medium", "low", "medium"],
        ["medication", "infection_control", "care_planning", "dignity_respect"],
        3,
        [("neglect", "none"), ("neglect", "open"), ("psychological", "none")],
    )
    opened = as_of - days(135)
    plan_id = add_plan(
        borough,
        nursing,
        opened,
        "Inspection rated the service requires improvement: medicines, infection control "
        "and care planning",
        None,
    )
    for offset, done_after, action in (
        (30, 25, ACTIONS[0]),
        (45, 50, ACTIONS[8]),
        (75, None, ACTIONS[1]),
        (95, None, ACTIONS[2]),
        (120, None, ACTIONS[12]),
        (165, None, ACTIONS[7]),
    ):
        due = opened + days(offset)
        done = opened + days(done_after) if done_after is not None else None
        add_action(borough, plan_id, action, due, done)

    # The home care service: missed calls.
    care = cast["declining_home_care"]
    declining(
        care,
        2,
        ["medium", "medium", "high", "low", "medium", "medium", "high"],
        ["staffing", "medication", "staffing", "communication", "staffing", "care_planning"],
        4,
        [("neglect", "open"), ("financial", "none")],
        concluded_neglect=True,
    )

    # The supported living service: several ambers together.
    declining(
        cast["declining_supported_living"],
        1,
        ["low", "high", "medium", "medium"],
        ["safeguarding", "staffing", "communication", "medication"],
        3,
        [("financial", "open"), ("psychological", "none")],
    )

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
    _storyline_concern(borough, rng, extra, uniform_day(rng, overlap_start, overlap_end), "neglect")

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
    plan_id = add_plan(
        borough,
        recovering,
        opened,
        "Board decision: critical and high quality alerts, an organisational abuse concern and a "
        "requires improvement rating",
        None,
    )
    for offset, late, action in (
        (30, -3, ACTIONS[2]),
        (45, 0, ACTIONS[3]),
        (60, 12, ACTIONS[0]),
        (90, -10, ACTIONS[5]),
        (150, -5, ACTIONS[4]),
        (260, None, ACTIONS[7]),
    ):
        due = opened + days(offset)
        add_action(borough, plan_id, action, due, None if late is None else due + days(late))
    for day in (opened + days(80), uniform_day(rng, overlap_start, overlap_end - days(20))):
        borough.alerts.append(
            new_alert(borough, rng, recovering, day, severity="low", close_after=rng.randint(5, 14))
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
    plan_id = add_plan(borough, closed, opened, PLAN_REASONS[3], closed_on)
    for offset, late, action in (
        (30, 0, ACTIONS[9]),
        (45, 5, ACTIONS[10]),
        (60, -7, ACTIONS[2]),
        (90, 14, ACTIONS[1]),
        (150, -2, ACTIONS[13]),
    ):
        due = opened + days(offset)
        add_action(borough, plan_id, action, due, due + days(late))
    history_after = _spread(rng, closed_on + days(30), as_of - days(150), 2)
    for day in history_after:
        borough.alerts.append(new_alert(borough, rng, closed, day, severity="low"))

    # A plan the Board opened last month for the deteriorating home care service.
    opened = max(overlap_end - days(10), as_of - days(40))
    plan_id = add_plan(borough, care, opened, PLAN_REASONS[3], None)
    for offset, done, action in (
        (14, 12, ACTIONS[9]),
        (60, None, ACTIONS[3]),
        (75, None, ACTIONS[1]),
        (90, None, ACTIONS[13]),
    ):
        due = opened + days(offset)
        completed = opened + days(done) if done is not None else None
        add_action(borough, plan_id, action, due, completed)

    # The demo provider's login sees a little recent activity.
    demo = borough.providers[0]
    borough.alerts.append(
        new_alert(
            borough,
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
        new_alert(
            borough, rng, demo, as_of - days(40), severity="low", category="falls", close_after=9
        )
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
