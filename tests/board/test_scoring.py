"""The monthly Provider Oversight Board RAG rating (CONTRACT.md section 3), on hand-built frames.

Board month 2026-11: the window runs from Tuesday 1 September to Monday 30 November 2026 (the
as-of date); the previous window from 1 June to 31 August 2026.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sgoversight.board import frames as scoring_frames
from sgoversight.board import rules as scoring
from sgoversight.board.config import ScoringConfig, load_scoring_config, scoring_config_from
from sgoversight.board.frames import rows_from_frames
from sgoversight.board.rules import AMBER, GREEN, RED, ProviderRating
from sgoversight.errors import BadInput
from sgoversight.periods import Period, parse_month
from sgoversight.store.queries import (
    ACTION_COLUMNS,
    ALERT_COLUMNS,
    CONCERN_COLUMNS,
    PROVIDER_COLUMNS,
    as_dates,
)

MONTH = "2026-11"
DAY_BEFORE_WINDOW, FIRST_DAY, AS_OF, DAY_AFTER = (
    "2026-08-31",
    "2026-09-01",
    "2026-11-30",
    "2026-12-01",
)
IN_WINDOW, IN_PREVIOUS = "2026-10-15", "2026-07-15"
LONG_AGO = "2026-01-05"
DEFAULTS = ScoringConfig()
REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "rag_thresholds.toml"


def days_before_as_of(days: int) -> str:
    return (dt.date(2026, 11, 30) - dt.timedelta(days=days)).isoformat()


@dataclass
class Borough:
    """A builder of the four frames scoring reads, shaped as sgoversight.store.queries returns them.

    Unnamed columns are left not recorded; each method returns the builder so rows chain.
    """

    providers: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    concerns: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)

    def provider(
        self, provider_id: str = "P1", name: str | None = None, cqc_rating: str | None = "good"
    ) -> Borough:
        self.providers.append(
            {
                "provider_id": provider_id,
                "name": name or f"Provider {provider_id}",
                "service_type": "care_home",
                "regulated": True,
                "commissioned": True,
                "cqc_rating": cqc_rating,
                "capacity": 30,
            }
        )
        return self

    def alert(
        self,
        raised_on: str = IN_WINDOW,
        provider_id: str = "P1",
        severity: str = "low",
        closed_on: str | None = None,
    ) -> Borough:
        self.alerts.append(
            {
                "alert_id": f"A{len(self.alerts) + 1}",
                "provider_id": provider_id,
                "raised_on": raised_on,
                "raised_by": "health",
                "category": "falls",
                "severity": severity,
                "status": "closed" if closed_on else "open",
                "closed_on": closed_on,
            }
        )
        return self

    def closed_alert(self, raised_on: str = IN_WINDOW, **kwargs: Any) -> Borough:
        """An alert closed the day it was raised: it counts only as raised."""
        return self.alert(raised_on, closed_on=raised_on, **kwargs)

    def concern(
        self,
        received_on: str = IN_WINDOW,
        provider_id: str | None = "P1",
        source_of_risk: str = "known_to_individual",
        abuse_type: str = "neglect",
        enquiry_started_on: str | None = None,
        enquiry_concluded_on: str | None = None,
        risk_outcome: str | None = None,
    ) -> Borough:
        self.concerns.append(
            {
                "concern_id": f"C{len(self.concerns) + 1}",
                "person_id": f"X{len(self.concerns) + 1}",
                "received_on": received_on,
                "provider_id": provider_id,
                "source_of_risk": source_of_risk,
                "abuse_type": abuse_type,
                "location": "care_home_residential",
                "enquiry_started_on": enquiry_started_on,
                "enquiry_concluded_on": enquiry_concluded_on,
                "risk_assessment": "risk_identified" if risk_outcome else None,
                "risk_outcome": risk_outcome,
            }
        )
        return self

    def provider_concern(self, received_on: str = IN_WINDOW, **kwargs: Any) -> Borough:
        return self.concern(received_on, source_of_risk="service_provider", **kwargs)

    def action(
        self, due_on: str, completed_on: str | None = None, provider_id: str = "P1"
    ) -> Borough:
        self.actions.append(
            {
                "action_id": f"X{len(self.actions) + 1}",
                "plan_id": f"PL-{provider_id}",
                "provider_id": provider_id,
                "owner": "Contracts officer",
                "due_on": due_on,
                "completed_on": completed_on,
            }
        )
        return self

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        return (
            pd.DataFrame(self.providers, columns=PROVIDER_COLUMNS),
            as_dates(pd.DataFrame(self.alerts, columns=ALERT_COLUMNS)),
            as_dates(pd.DataFrame(self.concerns, columns=CONCERN_COLUMNS)),
            as_dates(pd.DataFrame(self.actions, columns=ACTION_COLUMNS)),
        )


def _score(
    borough: Borough, month: str | Period = MONTH, config: ScoringConfig = DEFAULTS
) -> list[ProviderRating]:
    return scoring.score_month(month, *rows_from_frames(*borough.frames()), config)


def _rated(
    borough: Borough, month: str | Period = MONTH, config: ScoringConfig = DEFAULTS
) -> dict[str, ProviderRating]:
    return {r.provider_id: r for r in _score(borough, month, config)}


def _p1(borough: Borough, config: ScoringConfig = DEFAULTS) -> ProviderRating:
    return _rated(borough, config=config)["P1"]


# --- the month and its windows --------------------------------------------------------------------


def test_the_window_is_the_three_months_ending_with_the_board_month() -> None:
    span = scoring.scoring_window(MONTH, DEFAULTS)
    assert (span.window.start, span.window.end) == (dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert (span.previous.start, span.previous.end) == (dt.date(2026, 6, 1), dt.date(2026, 8, 31))
    assert span.as_of == dt.date(2026, 11, 30)


def test_the_window_crosses_the_year_end() -> None:
    span = scoring.scoring_window("2027-01", DEFAULTS)
    assert span.window.start == dt.date(2026, 11, 1)
    assert (span.previous.start, span.previous.end) == (dt.date(2026, 8, 1), dt.date(2026, 10, 31))
    assert span.as_of == dt.date(2027, 1, 31)


def test_a_period_that_is_not_a_calendar_month_is_bad_input() -> None:
    with pytest.raises(BadInput, match="not a calendar month"):
        scoring.scoring_window(Period(dt.date(2026, 11, 2), dt.date(2026, 11, 30), "x"), DEFAULTS)
    with pytest.raises(BadInput, match="not a month"):
        scoring.scoring_window("2026-13", DEFAULTS)


def test_a_month_period_scores_as_its_text() -> None:
    borough = Borough().provider().alert().alert().alert()
    assert _score(borough, parse_month(MONTH)) == _score(borough, MONTH)


# --- each indicator at its thresholds -------------------------------------------------------------

# How to add n records that count for an indicator (and, as far as possible, for no other).
_ADD = {
    "alerts_3m": lambda b, n: [b.closed_alert() for _ in range(n)],
    "high_alerts_3m": lambda b, n: [b.closed_alert(severity="high") for _ in range(n)],
    "critical_alerts_3m": lambda b, n: [b.closed_alert(severity="critical") for _ in range(n)],
    "provider_concerns_3m": lambda b, n: [b.provider_concern() for _ in range(n)],
    "open_enquiries": lambda b, n: [
        b.concern(LONG_AGO, enquiry_started_on=LONG_AGO) for _ in range(n)
    ],
    "risk_remains_3m": lambda b, n: [
        b.concern(LONG_AGO, enquiry_started_on=LONG_AGO, enquiry_concluded_on=IN_WINDOW,
                  risk_outcome="remains")
        for _ in range(n)
    ],
    "organisational_abuse_3m": lambda b, n: [
        b.concern(abuse_type="organisational") for _ in range(n)
    ],
    "overdue_actions": lambda b, n: [b.action(IN_WINDOW) for _ in range(n)],
    "unresolved_alerts": lambda b, n: [b.alert(LONG_AGO) for _ in range(n)],
}  # fmt: skip

_THRESHOLDS = {
    # indicator: (amber at, red at); None = no amber level
    "alerts_3m": (3, 6),
    "high_alerts_3m": (1, 3),
    "critical_alerts_3m": (None, 1),
    "provider_concerns_3m": (2, 5),
    "open_enquiries": (1, 3),
    "risk_remains_3m": (1, 2),
    "organisational_abuse_3m": (None, 1),
    "overdue_actions": (1, 3),
    "unresolved_alerts": (1, 3),
}


def _cases() -> list[tuple[str, int, str]]:
    cases = []
    for name, (amber, red) in _THRESHOLDS.items():
        cases.append((name, 0, GREEN))
        if amber is not None:
            cases += [(name, amber - 1, GREEN), (name, amber, AMBER), (name, red - 1, AMBER)]
        else:
            cases.append((name, red - 1, GREEN))
        cases += [(name, red, RED), (name, red + 1, RED)]
    return sorted(set(cases))


def test_the_defaults_are_the_contract_table() -> None:
    thresholds = DEFAULTS.indicators
    for name, (amber, red) in _THRESHOLDS.items():
        assert (getattr(thresholds, name).amber, getattr(thresholds, name).red) == (amber, red)
    assert thresholds.cqc_rating.amber == ("requires_improvement",)
    assert thresholds.cqc_rating.red == ("inadequate",)
    assert (thresholds.rising_trend.min_sum, thresholds.rising_trend.factor) == (3, 1.5)
    assert (DEFAULTS.window_months, DEFAULTS.unresolved_after_days) == (3, 28)
    assert DEFAULTS.reds_from_ambers == 3
    assert DEFAULTS.recommended_action.for_rating(GREEN) == "Routine contract monitoring"
    assert DEFAULTS.recommended_action.for_rating(AMBER) == "Enhanced monitoring"
    assert DEFAULTS.recommended_action.for_rating(RED) == "Improvement plan required"


@pytest.mark.parametrize(("name", "count", "level"), _cases())
def test_each_indicator_turns_amber_and_red_at_its_thresholds(
    name: str, count: int, level: str
) -> None:
    borough = Borough().provider()
    _ADD[name](borough, count)
    rating = _p1(borough)
    assert rating.indicators[name] == count
    assert rating.levels[name] == level
    assert (name in rating.indicator_reasons) == (level != GREEN)


def test_the_records_for_one_indicator_count_for_no_unintended_other() -> None:
    also = {"high_alerts_3m": {"alerts_3m"}, "critical_alerts_3m": {"alerts_3m"}}
    for name in _ADD:
        borough = Borough().provider()
        _ADD[name](borough, 2)
        rating = _p1(borough)
        counted = {n for n, v in rating.indicators.items() if v and n != "cqc_rating"}
        assert counted == {name} | also.get(name, set()), name


@pytest.mark.parametrize(
    ("name", "count", "reason"),
    [
        ("alerts_3m", 6, "6 quality alerts in 3 months (red at 6)"),
        ("alerts_3m", 3, "3 quality alerts in 3 months (amber at 3)"),
        ("high_alerts_3m", 1, "1 high-severity quality alert in 3 months (amber at 1)"),
        ("critical_alerts_3m", 1, "1 critical quality alert in 3 months (red at 1)"),
        ("critical_alerts_3m", 2, "2 critical quality alerts in 3 months (red at 1)"),
        (
            "provider_concerns_3m",
            2,
            "2 safeguarding concerns with the provider as the source of risk in 3 months"
            " (amber at 2)",
        ),
        ("open_enquiries", 1, "1 safeguarding enquiry open at the end of the month (amber at 1)"),
        ("open_enquiries", 3, "3 safeguarding enquiries open at the end of the month (red at 3)"),
        (
            "risk_remains_3m",
            1,
            "1 safeguarding enquiry concluded in 3 months with the risk remaining (amber at 1)",
        ),
        ("organisational_abuse_3m", 1, "1 organisational abuse concern in 3 months (red at 1)"),
        ("overdue_actions", 2, "2 improvement plan actions overdue (amber at 1)"),
        ("overdue_actions", 1, "1 improvement plan action overdue (amber at 1)"),
        ("unresolved_alerts", 1, "1 quality alert open for 28 days or more (amber at 1)"),
        ("unresolved_alerts", 4, "4 quality alerts open for 28 days or more (red at 3)"),
    ],
)
def test_each_amber_or_red_indicator_gives_a_plain_english_reason(
    name: str, count: int, reason: str
) -> None:
    borough = Borough().provider()
    _ADD[name](borough, count)
    rating = _p1(borough)
    assert rating.indicator_reasons[name] == reason
    assert reason in rating.reasons


@pytest.mark.parametrize(
    ("cqc", "level", "reason"),
    [
        ("outstanding", GREEN, None),
        ("good", GREEN, None),
        (None, GREEN, None),
        ("requires_improvement", AMBER, "CQC rating: Requires improvement (amber)"),
        ("inadequate", RED, "CQC rating: Inadequate (red)"),
    ],
)
def test_the_cqc_rating_indicator(cqc: str | None, level: str, reason: str | None) -> None:
    rating = _p1(Borough().provider(cqc_rating=cqc))
    assert rating.indicators["cqc_rating"] == cqc
    assert rating.levels["cqc_rating"] == level
    assert rating.rating == level
    assert rating.reasons == ([reason] if reason else [])


# --- window edges ---------------------------------------------------------------------------------

_DATED = {
    "alerts_3m": lambda b, day: b.closed_alert(day),
    "high_alerts_3m": lambda b, day: b.closed_alert(day, severity="high"),
    "critical_alerts_3m": lambda b, day: b.closed_alert(day, severity="critical"),
    "provider_concerns_3m": lambda b, day: b.provider_concern(day),
    "organisational_abuse_3m": lambda b, day: b.concern(day, abuse_type="organisational"),
    "risk_remains_3m": lambda b, day: b.concern(
        LONG_AGO, enquiry_started_on=LONG_AGO, enquiry_concluded_on=day, risk_outcome="remains"
    ),
}


@pytest.mark.parametrize("name", list(_DATED))
def test_window_counts_include_its_first_and_last_day_not_the_days_either_side(name: str) -> None:
    borough = Borough().provider()
    for day in (DAY_BEFORE_WINDOW, FIRST_DAY, AS_OF, DAY_AFTER):
        _DATED[name](borough, day)
    assert _p1(borough).indicators[name] == 2


def test_risk_remains_counts_only_the_outcome_remains() -> None:
    borough = Borough().provider()
    for outcome in ("removed", "reduced", None, "remains"):
        borough.concern(
            LONG_AGO, enquiry_started_on=LONG_AGO, enquiry_concluded_on=IN_WINDOW,
            risk_outcome=outcome,
        )  # fmt: skip
    assert _p1(borough).indicators["risk_remains_3m"] == 1


def test_provider_concerns_need_the_provider_as_source_of_risk() -> None:
    borough = Borough().provider()
    borough.concern(source_of_risk="known_to_individual").concern(
        source_of_risk="unknown_to_individual"
    )
    borough.provider_concern().provider_concern(provider_id="P2")
    assert _p1(borough).indicators["provider_concerns_3m"] == 1


def test_about_the_provider_is_its_provider_id_whatever_the_source_of_risk() -> None:
    borough = Borough().provider()
    # a person's relative abused them in the care home: source known_to_individual, provider P1
    borough.concern(abuse_type="organisational", source_of_risk="known_to_individual")
    borough.concern(LONG_AGO, enquiry_started_on=LONG_AGO, source_of_risk="known_to_individual")
    borough.concern(
        LONG_AGO, enquiry_started_on=LONG_AGO, enquiry_concluded_on=IN_WINDOW,
        risk_outcome="remains", source_of_risk="unknown_to_individual",
    )  # fmt: skip
    # the same with no provider named counts for nobody
    borough.concern(abuse_type="organisational", provider_id=None)
    rating = _p1(borough)
    assert rating.indicators["organisational_abuse_3m"] == 1
    assert rating.indicators["open_enquiries"] == 1
    assert rating.indicators["risk_remains_3m"] == 1
    assert rating.indicators["provider_concerns_3m"] == 0


@pytest.mark.parametrize(("days", "unresolved"), [(27, 0), (28, 1), (29, 1)])
def test_an_alert_is_unresolved_when_raised_28_days_or_more_before_as_of(
    days: int, unresolved: int
) -> None:
    rating = _p1(Borough().provider().alert(days_before_as_of(days)))
    assert rating.indicators["unresolved_alerts"] == unresolved


@pytest.mark.parametrize(
    ("closed_on", "unresolved"), [(AS_OF, 0), (DAY_AFTER, 1), ("2026-11-29", 0), (None, 1)]
)
def test_an_alert_closed_on_as_of_is_resolved_one_closed_the_day_after_is_not(
    closed_on: str | None, unresolved: int
) -> None:
    rating = _p1(Borough().provider().alert(LONG_AGO, closed_on=closed_on))
    assert rating.indicators["unresolved_alerts"] == unresolved


def test_unresolved_after_days_comes_from_the_config() -> None:
    config = replace(DEFAULTS, unresolved_after_days=10)
    borough = Borough().provider().alert(days_before_as_of(10)).alert(days_before_as_of(9))
    rating = _p1(borough, config)
    assert rating.indicators["unresolved_alerts"] == 1
    assert "1 quality alert open for 10 days or more (amber at 1)" in rating.reasons


@pytest.mark.parametrize(
    ("started", "concluded", "is_open"),
    [
        (AS_OF, None, 1),  # started on as-of
        (LONG_AGO, AS_OF, 0),  # concluded on as-of
        (LONG_AGO, DAY_AFTER, 1),  # concluded the day after
        (DAY_AFTER, None, 0),  # started after as-of
        (LONG_AGO, IN_WINDOW, 0),
        (LONG_AGO, None, 1),
    ],
)
def test_an_enquiry_is_open_when_started_by_as_of_and_not_concluded_by_it(
    started: str, concluded: str | None, is_open: int
) -> None:
    borough = Borough().provider()
    borough.concern(LONG_AGO, enquiry_started_on=started, enquiry_concluded_on=concluded)
    assert _p1(borough).indicators["open_enquiries"] == is_open


@pytest.mark.parametrize(
    ("due_on", "completed_on", "overdue"),
    [
        ("2026-11-29", None, 1),  # due the day before as-of
        (AS_OF, None, 0),  # due on as-of: not yet overdue
        (DAY_AFTER, None, 0),
        (IN_WINDOW, AS_OF, 0),  # completed on as-of
        (IN_WINDOW, DAY_AFTER, 1),  # completed after as-of: still overdue at as-of
        (IN_WINDOW, "2026-10-20", 0),
    ],
)
def test_an_action_is_overdue_when_due_before_as_of_and_not_completed_by_it(
    due_on: str, completed_on: str | None, overdue: int
) -> None:
    rating = _p1(Borough().provider().action(due_on, completed_on))
    assert rating.indicators["overdue_actions"] == overdue


def test_rescoring_a_past_month_ignores_everything_dated_after_it() -> None:
    base = Borough().provider().alert(IN_WINDOW).provider_concern()
    later = Borough(
        providers=list(base.providers), alerts=list(base.alerts), concerns=list(base.concerns)
    )
    for day in (DAY_AFTER, "2027-01-10"):
        later.alert(day, severity="critical").provider_concern(day, abuse_type="organisational")
        later.concern(day, enquiry_started_on=day, enquiry_concluded_on=day, risk_outcome="remains")
        later.action(day)
    assert _score(later) == _score(base)
    assert _score(later, "2027-01") != _score(base, "2027-01")


def test_records_about_a_provider_not_in_the_register_are_ignored() -> None:
    borough = Borough().provider().alert(provider_id="P9").provider_concern(provider_id="P9")
    ratings = _score(borough)
    assert [r.provider_id for r in ratings] == ["P1"]
    assert ratings[0].rating == GREEN


# --- rising trend ---------------------------------------------------------------------------------


def _trend(current: int, previous: int, config: ScoringConfig = DEFAULTS) -> ProviderRating:
    """P1 with `current` alerts + provider concerns in the window and `previous` before it,
    split between the two kinds so both are seen to count."""
    borough = Borough().provider()
    for i in range(current):
        borough.closed_alert() if i % 2 else borough.provider_concern()
    for i in range(previous):
        borough.closed_alert(IN_PREVIOUS) if i % 2 else borough.provider_concern(IN_PREVIOUS)
    return _p1(borough, config)


@pytest.mark.parametrize(
    ("current", "previous", "rising"),
    [
        (3, 0, True),  # nothing before: 3 or more is rising
        (2, 0, False),  # below the minimum sum
        (6, 4, True),  # exactly 1.5 times
        (5, 4, False),  # just under 1.5 times
        (3, 2, True),  # 3 = 1.5 × 2
        (4, 3, False),
        (9, 6, True),
    ],
)
def test_rising_trend_is_at_least_min_sum_and_factor_times_the_previous_window(
    current: int, previous: int, rising: bool
) -> None:
    rating = _trend(current, previous)
    assert rating.indicators["rising_trend"] is rising
    assert rating.levels["rising_trend"] == (AMBER if rising else GREEN)


def test_the_rising_trend_reason_gives_both_windows() -> None:
    assert _trend(6, 3).indicator_reasons["rising_trend"] == (
        "Alerts and concerns rising: 6 in 3 months against 3 in the 3 months before"
        " (amber at 1.5 times)"
    )


def test_concerns_from_others_do_not_count_towards_the_trend() -> None:
    borough = Borough().provider()
    for _ in range(5):
        borough.concern(source_of_risk="known_to_individual")
    assert _p1(borough).indicators["rising_trend"] is False


def test_a_trend_factor_is_compared_exactly() -> None:
    # 1.1 × 10 is 11.000000000000002 in binary floating point; 11 must still count as rising.
    trend = replace(DEFAULTS.indicators.rising_trend, factor=1.1)
    config = replace(DEFAULTS, indicators=replace(DEFAULTS.indicators, rising_trend=trend))
    assert _trend(11, 10, config).indicators["rising_trend"] is True
    assert _trend(10, 10, config).indicators["rising_trend"] is False


def test_a_record_in_the_previous_window_can_lower_a_rating() -> None:
    """By design of the trend rule: the previous window is the comparison base."""
    borough = Borough().provider()
    _ADD["alerts_3m"](borough, 2)
    borough.provider_concern()  # 3 in the window, nothing before: rising, Amber
    assert _p1(borough).rating == AMBER
    for _ in range(3):
        borough.provider_concern(IN_PREVIOUS)  # 3 < 1.5 × 3: no longer rising
    rating = _p1(borough)
    assert rating.indicators["rising_trend"] is False
    assert rating.rating == GREEN


# --- the overall rating ---------------------------------------------------------------------------


def test_green_with_nothing_amber_or_red() -> None:
    rating = _p1(Borough().provider())
    assert (rating.rating, rating.recommended_action) == (GREEN, "Routine contract monitoring")
    assert rating.reasons == []
    assert set(rating.levels.values()) == {GREEN}


def test_amber_from_two_ambers() -> None:
    borough = Borough().provider(cqc_rating="requires_improvement").action(IN_WINDOW)
    rating = _p1(borough)
    assert (rating.rating, rating.recommended_action) == (AMBER, "Enhanced monitoring")
    assert rating.reasons == [
        "CQC rating: Requires improvement (amber)",
        "1 improvement plan action overdue (amber at 1)",
    ]


def test_red_when_three_ambers() -> None:
    borough = Borough().provider(cqc_rating="requires_improvement").action(IN_WINDOW)
    borough.alert(LONG_AGO)
    rating = _p1(borough)
    assert (rating.rating, rating.recommended_action) == (RED, "Improvement plan required")
    assert RED not in rating.levels.values()
    assert rating.reasons == [
        "CQC rating: Requires improvement (amber)",
        "1 improvement plan action overdue (amber at 1)",
        "1 quality alert open for 28 days or more (amber at 1)",
        "Red because 3 indicators are amber (red at 3)",
    ]


def test_red_from_one_red_indicator_has_no_ambers_sentence() -> None:
    borough = Borough().provider(cqc_rating="requires_improvement").action(IN_WINDOW)
    borough.alert(LONG_AGO).closed_alert(severity="critical")
    rating = _p1(borough)
    assert rating.rating == RED
    assert "1 critical quality alert in 3 months (red at 1)" in rating.reasons
    assert len(rating.reasons) == 4
    assert not any(reason.startswith("Red because") for reason in rating.reasons)


def test_reds_from_ambers_comes_from_the_config() -> None:
    borough = Borough().provider(cqc_rating="requires_improvement").action(IN_WINDOW)
    rating = _p1(borough, replace(DEFAULTS, reds_from_ambers=2))
    assert rating.rating == RED
    assert rating.reasons[-1] == "Red because 2 indicators are amber (red at 2)"


def test_reasons_follow_the_contract_order_of_indicators() -> None:
    borough = Borough().provider(cqc_rating="inadequate")
    for name in reversed(list(_ADD)):
        _ADD[name](borough, 1)
    rating = _p1(borough)
    order = [name for name in scoring.INDICATORS if name in rating.indicator_reasons]
    assert list(rating.indicator_reasons) == order
    assert rating.reasons == [rating.indicator_reasons[name] for name in order]


def test_results_give_every_indicator_in_contract_order() -> None:
    rating = _p1(Borough().provider(cqc_rating="inadequate").closed_alert())
    results = rating.results
    assert tuple(r.name for r in results) == scoring.INDICATORS
    cqc = results[scoring.INDICATORS.index("cqc_rating")]
    assert (cqc.value, cqc.level, cqc.reason) == (
        "inadequate",
        RED,
        "CQC rating: Inadequate (red)",
    )
    alerts = results[0]
    assert (alerts.value, alerts.level, alerts.reason) == (1, GREEN, None)


# --- every provider, in order ---------------------------------------------------------------------


def test_every_provider_appears_sorted_red_amber_green_then_by_name_then_id() -> None:
    borough = (
        Borough()
        .provider("P5", "zeta care", cqc_rating="inadequate")
        .provider("P4", "Alpha House", cqc_rating="inadequate")
        .provider("P3", "beta lodge", cqc_rating="requires_improvement")
        .provider("P2", "Beta Lodge", cqc_rating="requires_improvement")
        .provider("P1", "Acorn", cqc_rating=None)
        .provider("P0", "acorn")
    )
    ratings = _score(borough)
    assert [(r.rating, r.provider_id) for r in ratings] == [
        (RED, "P4"),
        (RED, "P5"),
        (AMBER, "P2"),
        (AMBER, "P3"),
        (GREEN, "P0"),
        (GREEN, "P1"),
    ]


def test_an_empty_register_gives_no_ratings() -> None:
    assert _score(Borough()) == []


def test_providers_keep_their_register_details() -> None:
    rating = _p1(Borough().provider(name="Oakview"))
    assert (rating.provider_name, rating.service_type) == ("Oakview", "care_home")
    assert (rating.regulated, rating.commissioned, rating.board_month) == (True, True, MONTH)


def test_python_dates_and_datetime64_give_the_same_ratings() -> None:
    borough = Borough().provider().alert(LONG_AGO).provider_concern().action(IN_WINDOW)
    borough.concern(LONG_AGO, enquiry_started_on=LONG_AGO, enquiry_concluded_on=IN_WINDOW)
    providers, alerts, concerns, actions = borough.frames()

    def as_python_dates(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = [None if pd.isna(v) else v.date() for v in frame[column]]
        return frame

    expected = scoring.score_month(
        MONTH, *rows_from_frames(providers, alerts, concerns, actions), DEFAULTS
    )
    assert expected[0].rating == AMBER
    assert (
        scoring.score_month(
            MONTH,
            *rows_from_frames(
                providers,
                as_python_dates(alerts),
                as_python_dates(concerns),
                as_python_dates(actions),
            ),
            DEFAULTS,
        )
        == expected
    )


def test_a_frame_without_a_needed_column_is_bad_input() -> None:
    providers, alerts, concerns, actions = Borough().provider().frames()
    with pytest.raises(BadInput, match="alerts frame has no column severity"):
        scoring.score_month(
            MONTH,
            *rows_from_frames(providers, alerts.drop(columns="severity"), concerns, actions),
            DEFAULTS,
        )


def test_a_repeated_provider_id_is_bad_input() -> None:
    with pytest.raises(BadInput, match="P1"):
        _score(Borough().provider().provider())


# --- configuration --------------------------------------------------------------------------------


def _config_file(tmp_path: Path, old: str = "", new: str = "") -> Path:
    """A copy of the project's config/rag_thresholds.toml with `old` replaced by `new`."""
    path = tmp_path / "rag_thresholds.toml"
    shutil.copyfile(REPO_CONFIG, path)
    if old:
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_project_config_holds_the_contract_defaults() -> None:
    assert load_scoring_config() == DEFAULTS
    assert load_scoring_config(REPO_CONFIG) == DEFAULTS


def test_changing_a_threshold_in_the_file_changes_the_rating(tmp_path: Path) -> None:
    path = _config_file(
        tmp_path, "alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 1, red = 2 }"
    )
    config = load_scoring_config(path)
    borough = Borough().provider()
    _ADD["alerts_3m"](borough, 2)
    assert _p1(borough).rating == GREEN
    rating = _p1(borough, config)
    assert rating.rating == RED
    assert rating.reasons == ["2 quality alerts in 3 months (red at 2)"]


def test_the_recommended_action_wording_comes_from_the_file(tmp_path: Path) -> None:
    path = _config_file(tmp_path, 'green = "Routine contract monitoring"', 'green = "Annual visit"')
    assert _p1(Borough().provider(), load_scoring_config(path)).recommended_action == (
        "Annual visit"
    )


def test_a_cqc_level_can_be_switched_off_and_labels_are_accepted(tmp_path: Path) -> None:
    path = _config_file(
        tmp_path,
        'cqc_rating = { amber = ["requires_improvement"], red = ["inadequate"] }',
        'cqc_rating = { amber = ["Inadequate"], red = [] }',
    )
    rating = _p1(Borough().provider(cqc_rating="inadequate"), load_scoring_config(path))
    assert (rating.rating, rating.reasons) == (AMBER, ["CQC rating: Inadequate (amber)"])


def test_a_count_level_set_false_does_not_exist(tmp_path: Path) -> None:
    path = _config_file(
        tmp_path,
        "high_alerts_3m = { amber = 1, red = 3 }",
        "high_alerts_3m = { amber = 1, red = false }",
    )
    borough = Borough().provider()
    _ADD["high_alerts_3m"](borough, 9)
    assert _p1(borough, load_scoring_config(path)).levels["high_alerts_3m"] == AMBER


def test_a_longer_window_from_the_file(tmp_path: Path) -> None:
    config = load_scoring_config(
        _config_file(tmp_path, "window_months = 3", "window_months = 6")
    )
    borough = Borough().provider()
    for _ in range(3):
        borough.closed_alert(IN_PREVIOUS)
    rating = _p1(borough, config)
    assert rating.indicators["alerts_3m"] == 3
    assert "3 quality alerts in 6 months (amber at 3)" in rating.reasons
    assert (
        "Alerts and concerns rising: 3 in 6 months against 0 in the 6 months before"
        in (rating.indicator_reasons["rising_trend"])
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # amber not below red
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 6, red = 6 }",
         r"scoring\.indicators\.alerts_3m\.red: must be above amber \(6\)"),
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 7, red = 6 }",
         r"scoring\.indicators\.alerts_3m\.red: must be above amber \(7\)"),
        # a missing key
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 3 }",
         r"scoring\.indicators\.alerts_3m\.red: missing"),
        ("open_enquiries = { amber = 1, red = 3 }\n", "",
         r"scoring\.indicators\.open_enquiries: missing"),
        ("reds_from_ambers = 3\n", "", r"scoring\.reds_from_ambers: missing"),
        ('amber = "Enhanced monitoring"\n', "", r"scoring\.recommended_action\.amber: missing"),
        # wrong types
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 3, red = '6' }",
         r"scoring\.indicators\.alerts_3m\.red: .*integer"),
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 2.5, red = 6 }",
         r"scoring\.indicators\.alerts_3m\.amber: "),
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = true, red = 6 }",
         r"scoring\.indicators\.alerts_3m\.amber: must be a whole number"),
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 0, red = 6 }",
         r"scoring\.indicators\.alerts_3m\.amber: must be a whole number"),
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = 6",
         r"scoring\.indicators\.alerts_3m: must be a table"),
        ("window_months = 3", "window_months = '3'", r"scoring\.window_months: "),
        ("unresolved_after_days = 28", "unresolved_after_days = 0",
         r"scoring\.unresolved_after_days: "),
        ("reds_from_ambers = 3", "reds_from_ambers = 1", r"scoring\.reds_from_ambers: "),
        ("factor = 1.5", "factor = 1", r"scoring\.indicators\.rising_trend\.factor: "),
        ("min_sum = 3", "min_sum = 'three'", r"scoring\.indicators\.rising_trend\.min_sum: "),
        ('red = ["inadequate"]', 'red = ["poor"]',
         r"scoring\.indicators\.cqc_rating\.red: 'poor' is not one of"),
        ('red = ["inadequate"]', 'red = "inadequate"',
         r"scoring\.indicators\.cqc_rating\.red: must be a list"),
        ('red = ["inadequate"]', 'red = ["requires_improvement"]',
         r"scoring\.indicators\.cqc_rating\.red: requires_improvement is also amber"),
        ('red = "Improvement plan required"', 'red = ""',
         r"scoring\.recommended_action\.red: "),
        # unknown keys and indicators
        ("alerts_3m = { amber = 3, red = 6 }", "alerts_3m = { amber = 3, red = 6, green = 0 }",
         r"scoring\.indicators\.alerts_3m\.green: unknown key"),
        ("alerts_3m = { amber = 3, red = 6 }",
         "alerts_3m = { amber = 3, red = 6 }\nfalls_3m = { amber = 1, red = 2 }",
         r"scoring\.indicators\.falls_3m: unknown key"),
        ("window_months = 3", "window_months = 3\nwindow_weeks = 2",
         r"scoring\.window_weeks: unknown key"),
    ],
)  # fmt: skip
def test_a_broken_config_names_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _config_file(tmp_path, old, new)
    with pytest.raises(BadInput, match=message) as caught:
        load_scoring_config(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_misspelt_indicator_is_reported_as_unknown_and_missing(tmp_path: Path) -> None:
    path = _config_file(tmp_path, "alerts_3m = {", "alert_3m = {")
    with pytest.raises(BadInput) as caught:
        load_scoring_config(path)
    message = str(caught.value)
    assert "scoring.indicators.alerts_3m: missing" in message
    assert "scoring.indicators.alert_3m: unknown key" in message


def test_the_default_file_is_named_as_the_project_path() -> None:
    with pytest.raises(BadInput, match=r"^config/rag_thresholds\.toml: scoring\.window_months"):
        scoring_config_from(
            {**_section(), "window_months": 0}, source="config/rag_thresholds.toml"
        )


def _section() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(REPO_CONFIG.read_text(encoding="utf-8"))["scoring"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[weekly]\nflag_critical_alert = true\n",
         r"\[scoring\]: missing \(the \[scoring\] section\)"),
        ("scoring = 3\n", r"\[scoring\] must be a table of settings"),
        ("[scoring\n", "not valid TOML"),
    ],
)
def test_an_unusable_config_file_is_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rag_thresholds.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        load_scoring_config(path)


def test_a_missing_config_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        load_scoring_config(tmp_path / "absent.toml")


def test_the_weekly_section_still_reads_beside_the_scoring_section() -> None:
    from sgoversight.weekly import config as weekly

    assert weekly.load_weekly_config(REPO_CONFIG) == weekly.WeeklyConfig()


# --- output ---------------------------------------------------------------------------------------


def _mixed() -> list[ProviderRating]:
    borough = (
        Borough()
        .provider("P1", "Oakview Care Home", cqc_rating="inadequate")
        .provider("P2", "=HYPERLINK(1)", cqc_rating="requires_improvement")
        .provider("P3", "Riverside", cqc_rating=None)
    )
    for _ in range(3):
        borough.closed_alert(provider_id="P1")
    return _score(borough)


def test_json_is_the_contract_shape() -> None:
    document = json.loads(scoring.ratings_json(_mixed()))
    assert [item["provider_id"] for item in document] == ["P1", "P2", "P3"]
    for item in document:
        assert {"provider_id", "provider_name", "rating", "recommended_action", "reasons",
                "indicators"} <= set(item)  # fmt: skip
        assert item["rating"] in {"Red", "Amber", "Green"}
        assert isinstance(item["reasons"], list)
        assert list(item["indicators"]) == list(scoring.INDICATORS)
        for name in scoring.COUNT_INDICATORS:
            assert type(item["indicators"][name]) is int
        assert type(item["indicators"]["rising_trend"]) is bool
    first, _, last = document
    assert first["indicators"]["cqc_rating"] == "inadequate"
    assert first["indicators"]["alerts_3m"] == 3
    assert first["indicators"]["rising_trend"] is True
    assert first["reasons"] == [
        "3 quality alerts in 3 months (amber at 3)",
        "CQC rating: Inadequate (red)",
        "Alerts and concerns rising: 3 in 3 months against 0 in the 3 months before"
        " (amber at 1.5 times)",
    ]
    assert first["recommended_action"] == "Improvement plan required"
    assert last["indicators"]["cqc_rating"] is None
    assert (last["rating"], last["reasons"]) == ("Green", [])


def test_json_of_no_ratings_is_an_empty_list() -> None:
    assert json.loads(scoring.ratings_json([])) == []


def test_the_frame_has_one_row_per_provider_with_indicator_columns() -> None:
    frame = scoring_frames.ratings_frame(_mixed())
    assert list(frame.columns) == list(scoring.FRAME_COLUMNS)
    assert frame["provider_id"].tolist() == ["P1", "P2", "P3"]
    assert frame.loc[0, "reasons"].startswith("3 quality alerts in 3 months (amber at 3); CQC")
    assert frame["alerts_3m"].tolist() == [3, 0, 0]
    assert frame["rising_trend"].tolist() == [True, False, False]
    assert list(scoring_frames.ratings_frame([]).columns) == list(scoring.FRAME_COLUMNS)


def test_csv_neutralises_formulas_and_writes_yes_no() -> None:
    rows = list(csv.DictReader(io.StringIO(scoring.ratings_csv(_mixed()))))
    assert [row["provider_id"] for row in rows] == ["P1", "P2", "P3"]
    assert rows[1]["provider_name"] == "'=HYPERLINK(1)"
    assert [row["rising_trend"] for row in rows] == ["yes", "no", "no"]
    assert rows[0]["regulated"] == "yes"
    assert rows[2]["cqc_rating"] == ""
    assert rows[0]["rating"] == "Red"


def test_the_table_lists_each_provider_with_its_reasons() -> None:
    text = scoring.ratings_table(_mixed())
    lines = text.splitlines()
    assert lines[0] == "Provider ratings for 2026-11: 1 Red, 1 Amber, 1 Green"
    assert lines[2].split() == [
        "Rating",
        "Provider",
        "ID",
        "Service",
        "type",
        "Recommended",
        "action",
    ]
    assert any(line.startswith("Red") and "Oakview Care Home" in line for line in lines)
    assert "  - CQC rating: Inadequate (red)" in text
    assert "Care home" in text
    assert scoring.ratings_table([]) == "No providers in the register.\n"


@pytest.mark.parametrize("fmt", scoring.FORMATS)
def test_render_gives_each_format(fmt: str) -> None:
    ratings = _mixed()
    expected = {
        "json": scoring.ratings_json,
        "csv": scoring.ratings_csv,
        "table": scoring.ratings_table,
    }[fmt](ratings)
    assert scoring.render_ratings(ratings, fmt) == expected


def test_render_refuses_an_unknown_format() -> None:
    with pytest.raises(BadInput, match="format must be one of table, csv, json"):
        scoring.render_ratings([], "xml")


# --- movement -------------------------------------------------------------------------------------


def test_movement_says_worse_better_same_or_new() -> None:
    def ratings(**by_id: str) -> list[ProviderRating]:
        borough = Borough()
        cqc = {GREEN: "good", AMBER: "requires_improvement", RED: "inadequate"}
        for provider_id, level in by_id.items():
            borough.provider(provider_id, cqc_rating=cqc[level])
        return _score(borough)

    previous = ratings(P1=GREEN, P2=RED, P3=AMBER, P4=GREEN, P9=RED)
    current = ratings(P1=AMBER, P2=AMBER, P3=AMBER, P4=RED, P5=GREEN)
    assert scoring.movement(current, previous) == {
        "P1": scoring.WORSE,
        "P2": scoring.BETTER,
        "P3": scoring.SAME,
        "P4": scoring.WORSE,
        "P5": scoring.NEW,
    }
