"""The weekly safeguarding data report (CONTRACT.md section 4), on small hand-built rows.

Week 2026-W47 runs from Monday 16 November to Sunday 22 November 2026.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sgoversight.errors import BadInput
from sgoversight.periods import Period, parse_week
from sgoversight.vocabulary import ABUSE_TYPE, LOCATION
from sgoversight.weekly import rules as weekly
from sgoversight.weekly.config import WeeklyConfig, load_weekly_config
from sgoversight.weekly.rules import AlertRow, ConcernRow, ProviderRow, WeeklyRows

WEEK = "2026-W47"
SUNDAY_BEFORE, MONDAY, SUNDAY, MONDAY_AFTER = "2026-11-15", "2026-11-16", "2026-11-22", "2026-11-23"
DEFAULTS = WeeklyConfig()


@dataclass
class Borough:
    """A builder of the rows the report reads (sgoversight.weekly.rules.WeeklyRows).

    Unnamed columns are left not recorded; each method returns the builder so rows chain.
    """

    providers: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    concerns: list[dict[str, Any]] = field(default_factory=list)

    def provider(self, provider_id: str, name: str | None = None) -> Borough:
        self.providers.append(
            {"provider_id": provider_id, "name": name or f"Provider {provider_id}"}
        )
        return self

    def alert(
        self,
        raised_on: str,
        provider_id: str = "P1",
        severity: str = "medium",
        closed_on: str | None = None,
    ) -> Borough:
        self.alerts.append(
            {
                "alert_id": f"A{len(self.alerts) + 1}",
                "provider_id": provider_id,
                "raised_on": raised_on,
                "severity": severity,
                "status": "closed" if closed_on else "open",
                "closed_on": closed_on,
            }
        )
        return self

    def concern(
        self,
        received_on: str,
        provider_id: str | None = None,
        source_of_risk: str = "known_to_individual",
        abuse_type: str = "neglect",
        location: str = "own_home",
        enquiry_started_on: str | None = None,
        enquiry_concluded_on: str | None = None,
    ) -> Borough:
        self.concerns.append(
            {
                "concern_id": f"C{len(self.concerns) + 1}",
                "received_on": received_on,
                "provider_id": provider_id,
                "source_of_risk": source_of_risk,
                "abuse_type": abuse_type,
                "location": location,
                "enquiry_started_on": enquiry_started_on,
                "enquiry_concluded_on": enquiry_concluded_on,
            }
        )
        return self

    def provider_concern(self, received_on: str, provider_id: str = "P1", **kwargs: Any) -> Borough:
        return self.concern(received_on, provider_id, source_of_risk="service_provider", **kwargs)

    def rows(self) -> WeeklyRows:
        return WeeklyRows(
            providers=tuple(ProviderRow(p["provider_id"], p["name"]) for p in self.providers),
            alerts=tuple(_typed(AlertRow, a) for a in self.alerts),
            concerns=tuple(_typed(ConcernRow, c) for c in self.concerns),
        )


def _typed(row_type: type[Any], values: dict[str, Any]) -> Any:
    """A row of `row_type` from the builder's fields: ISO text made a date, blank None."""
    return row_type(
        **{
            name: D(values[name]) if name.endswith("_on") and values.get(name) else values.get(name)
            for name in row_type._fields
        }
    )


D = dt.date.fromisoformat


def _report(
    borough: Borough, week: str | Period = WEEK, config: WeeklyConfig = DEFAULTS
) -> weekly.WeeklyReport:
    return weekly.weekly_report(borough.rows(), week, config)


def _flags(borough: Borough, config: WeeklyConfig = DEFAULTS) -> dict[str, tuple[str, ...]]:
    return {
        flag.provider_id: flag.reasons for flag in _report(borough, config=config).providers_flagged
    }


# --- week boundaries ------------------------------------------------------------------------------

_DATED = {
    "concerns_received": lambda b, day: b.concern(day),
    "provider_concerns": lambda b, day: b.provider_concern(day),
    "enquiries_started": lambda b, day: b.concern("2026-01-05", enquiry_started_on=day),
    "enquiries_concluded": lambda b, day: b.concern(
        "2026-01-05", enquiry_started_on="2026-01-06", enquiry_concluded_on=day
    ),
    "alerts_raised": lambda b, day: b.alert(day),
    "alerts_closed": lambda b, day: b.alert("2026-01-05", closed_on=day),
}


@pytest.mark.parametrize("measure", list(_DATED))
def test_dated_count_includes_monday_and_sunday_not_the_days_either_side(measure: str) -> None:
    borough = Borough().provider("P1")
    for day in (SUNDAY_BEFORE, MONDAY, SUNDAY, MONDAY_AFTER):
        _DATED[measure](borough, day)
    assert getattr(_report(borough), measure) == 2


@pytest.mark.parametrize("measure", list(_DATED))
def test_dated_count_is_zero_for_a_week_with_nothing_in_it(measure: str) -> None:
    borough = Borough().provider("P1")
    _DATED[measure](borough, SUNDAY_BEFORE)
    _DATED[measure](borough, MONDAY_AFTER)
    assert getattr(_report(borough), measure) == 0


def test_week_53_runs_across_the_year_end() -> None:
    borough = Borough()
    for day in ("2026-12-27", "2026-12-28", "2027-01-03", "2027-01-04"):
        borough.concern(day)
    report = _report(borough, "2026-W53")
    assert (report.start, report.end) == (dt.date(2026, 12, 28), dt.date(2027, 1, 3))
    assert report.concerns_received == 2


def test_week_1_of_2027_starts_the_monday_after_week_53() -> None:
    borough = Borough()
    for day in ("2027-01-03", "2027-01-04", "2027-01-10", "2027-01-11"):
        borough.concern(day)
    report = _report(borough, "2027-W01")
    assert (report.start, report.end) == (dt.date(2027, 1, 4), dt.date(2027, 1, 10))
    assert report.concerns_received == 2


@pytest.mark.parametrize("week", ["2026-W54", "2027-W53", "2026-W00", "2026-47", "next week"])
def test_a_week_that_does_not_exist_is_bad_input(week: str) -> None:
    with pytest.raises(BadInput):
        _report(Borough(), week)


def test_a_period_that_is_not_monday_to_sunday_is_bad_input() -> None:
    with pytest.raises(BadInput, match="not an ISO week"):
        _report(Borough(), Period(dt.date(2026, 11, 17), dt.date(2026, 11, 23), "Tue-Mon"))


def test_a_parsed_week_is_accepted() -> None:
    assert _report(Borough(), parse_week(WEEK)).week == WEEK


# --- what each count counts -----------------------------------------------------------------------


def test_provider_concerns_count_only_service_provider_source_of_risk() -> None:
    borough = (
        Borough()
        .provider("P1")
        .provider_concern(MONDAY)
        .concern(MONDAY, provider_id="P1", source_of_risk="known_to_individual")
        .concern(MONDAY, provider_id="P1", source_of_risk="unknown_to_individual")
        .concern(MONDAY)
    )
    report = _report(borough)
    assert (report.concerns_received, report.provider_concerns) == (4, 1)


def test_enquiries_count_by_their_own_dates_not_when_the_concern_was_received() -> None:
    borough = (
        Borough()
        .concern(MONDAY)
        .concern("2026-10-01", enquiry_started_on="2026-10-02", enquiry_concluded_on=SUNDAY)
    )
    report = _report(borough)
    assert (report.concerns_received, report.enquiries_started, report.enquiries_concluded) == (
        1,
        0,
        1,
    )


@pytest.mark.parametrize(
    ("raised_on", "closed_on", "open_at_end"),
    [
        (SUNDAY, None, True),  # raised on the last day
        (MONDAY_AFTER, None, False),  # raised after the week
        ("2026-01-05", SUNDAY, False),  # closed on the last day
        ("2026-01-05", MONDAY_AFTER, True),  # closed the day after
        ("2026-01-05", SUNDAY_BEFORE, False),  # closed before the week
        ("2026-01-05", None, True),  # never closed
    ],
)
def test_open_alerts_at_the_end_of_the_week(
    raised_on: str, closed_on: str | None, open_at_end: bool
) -> None:
    borough = Borough().provider("P1").alert(raised_on, closed_on=closed_on)
    assert _report(borough).open_alerts == int(open_at_end)


def test_an_empty_register_gives_zeros_and_no_flags() -> None:
    report = _report(Borough())
    assert all(value == 0 for value in asdict(report.headline_counts).values())
    assert report.providers_flagged == ()
    assert set(report.concerns_by_abuse_type.values()) == {0}


# --- breakdowns -----------------------------------------------------------------------------------


def test_breakdowns_list_every_code_in_contract_order_with_zeros() -> None:
    borough = (
        Borough()
        .concern(MONDAY, abuse_type="cuckooing", location="hospital_acute")
        .concern(SUNDAY, abuse_type="cuckooing", location="own_home")
        .concern(MONDAY_AFTER, abuse_type="physical", location="other")
    )
    report = _report(borough)
    assert list(report.concerns_by_abuse_type) == list(ABUSE_TYPE.codes)
    assert list(report.concerns_by_location) == list(LOCATION.codes)
    assert report.concerns_by_abuse_type["cuckooing"] == 2
    assert report.concerns_by_abuse_type["physical"] == 0
    assert report.concerns_by_location == {
        code: {"hospital_acute": 1, "own_home": 1}.get(code, 0) for code in LOCATION.codes
    }


def test_a_code_outside_the_vocabulary_is_listed_after_the_contract_codes() -> None:
    report = _report(Borough().concern(MONDAY, abuse_type="mystery"))
    assert list(report.concerns_by_abuse_type)[-1] == "mystery"
    assert sum(report.concerns_by_abuse_type.values()) == report.concerns_received == 1


# --- provider flags -------------------------------------------------------------------------------


def test_flagged_at_three_alerts_and_provider_concerns() -> None:
    borough = Borough().provider("P1").alert(MONDAY).alert(SUNDAY).provider_concern(SUNDAY)
    assert _flags(borough) == {
        "P1": ("3 quality alerts and safeguarding concerns this week (flag at 3)",)
    }


def test_not_flagged_at_two() -> None:
    borough = Borough().provider("P1").alert(MONDAY).provider_concern(SUNDAY)
    assert _flags(borough) == {}


def test_alerts_and_concerns_outside_the_week_do_not_count_towards_the_flag() -> None:
    borough = (
        Borough()
        .provider("P1")
        .alert(MONDAY)
        .alert(SUNDAY_BEFORE)
        .provider_concern(SUNDAY)
        .provider_concern(MONDAY_AFTER)
    )
    assert _flags(borough) == {}


def test_concerns_about_a_provider_from_other_sources_of_risk_do_not_count_towards_the_flag() -> (
    None
):
    borough = (
        Borough()
        .provider("P1")
        .alert(MONDAY)
        .alert(SUNDAY)
        .concern(SUNDAY, provider_id="P1", source_of_risk="known_to_individual")
        .concern(SUNDAY, provider_id="P1", source_of_risk="unknown_to_individual")
    )
    assert _flags(borough) == {}


def test_another_providers_rows_do_not_count_towards_the_flag() -> None:
    borough = Borough().provider("P1").provider("P2").alert(MONDAY).alert(MONDAY, "P2")
    borough.provider_concern(MONDAY, "P2")
    assert _flags(borough) == {}


def test_flagged_for_a_critical_alert() -> None:
    borough = Borough().provider("P1").alert(SUNDAY, severity="critical")
    assert _flags(borough) == {"P1": ("A critical quality alert this week",)}


def test_a_high_alert_or_a_critical_one_outside_the_week_is_not_flagged() -> None:
    borough = (
        Borough()
        .provider("P1")
        .alert(MONDAY, severity="high")
        .alert(SUNDAY_BEFORE, severity="critical")
        .alert(MONDAY_AFTER, severity="critical")
    )
    assert _flags(borough) == {}


def test_flagged_for_an_organisational_abuse_concern_whatever_the_source_of_risk() -> None:
    borough = Borough().provider("P1").concern(MONDAY, "P1", abuse_type="organisational")
    assert _flags(borough) == {"P1": ("An organisational abuse concern this week",)}


def test_organisational_abuse_outside_the_week_or_about_no_provider_is_not_flagged() -> None:
    borough = (
        Borough()
        .provider("P1")
        .provider_concern(SUNDAY_BEFORE, abuse_type="organisational")
        .concern(MONDAY, abuse_type="organisational")
        .provider_concern(MONDAY, abuse_type="neglect")
    )
    assert _flags(borough) == {}


def test_every_rule_that_fires_gives_a_reason_in_rule_order() -> None:
    borough = (
        Borough()
        .provider("P1")
        .alert(MONDAY, severity="critical")
        .alert(MONDAY, severity="critical")
    )
    borough.provider_concern(SUNDAY, abuse_type="organisational").provider_concern(SUNDAY)
    flag = _report(borough).providers_flagged[0]
    assert flag.reasons == (
        "4 quality alerts and safeguarding concerns this week (flag at 3)",
        "2 critical quality alerts this week",
        "An organisational abuse concern this week",
    )
    assert (flag.alerts_raised, flag.provider_concerns) == (2, 2)
    assert (flag.critical_alerts, flag.organisational_concerns) == (2, 1)


def test_flagged_providers_are_sorted_by_name_with_their_names() -> None:
    borough = (
        Borough()
        .provider("P1", "Oakview")
        .provider("P2", "beech house")
        .provider("P3", "Ash Court")
    )
    for provider_id in ("P1", "P2", "P3"):
        borough.alert(MONDAY, provider_id, severity="critical")
    flags = _report(borough).providers_flagged
    assert [(f.provider_id, f.provider_name) for f in flags] == [
        ("P3", "Ash Court"),
        ("P2", "beech house"),
        ("P1", "Oakview"),
    ]


def test_a_lower_threshold_in_the_config_flags_more() -> None:
    borough = Borough().provider("P1").alert(MONDAY).provider_concern(SUNDAY)
    config = WeeklyConfig(min_alerts_plus_provider_concerns=2)
    assert _flags(borough, config) == {
        "P1": ("2 quality alerts and safeguarding concerns this week (flag at 2)",)
    }


def test_a_threshold_of_one_reads_in_the_singular() -> None:
    borough = Borough().provider("P1").alert(MONDAY)
    config = WeeklyConfig(min_alerts_plus_provider_concerns=1)
    assert _flags(borough, config) == {
        "P1": ("1 quality alert or safeguarding concern this week (flag at 1)",)
    }


def test_switched_off_rules_do_not_flag() -> None:
    borough = Borough().provider("P1").alert(MONDAY, severity="critical")
    borough.concern(MONDAY, "P1", abuse_type="organisational")
    config = WeeklyConfig(flag_critical_alert=False, flag_organisational_abuse=False)
    assert _flags(borough, config) == {}


def test_a_provider_missing_from_the_register_is_named_by_its_id() -> None:
    borough = Borough().alert(MONDAY, "P9", severity="critical")
    assert _report(borough).providers_flagged[0].provider_name == "P9"


# --- configuration --------------------------------------------------------------------------------


def _config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rag_thresholds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_config_has_the_contract_values() -> None:
    assert load_weekly_config() == WeeklyConfig(
        min_alerts_plus_provider_concerns=3,
        flag_critical_alert=True,
        flag_organisational_abuse=True,
    )


def test_config_from_a_file_changes_the_flags(tmp_path: Path) -> None:
    path = _config_file(tmp_path, "[weekly]\nmin_alerts_plus_provider_concerns = 2\n")
    borough = Borough().provider("P1").alert(MONDAY).alert(SUNDAY)
    assert _flags(borough, load_weekly_config(path)) != {}
    assert _flags(borough) == {}


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("min_alerts_plus_provider_concerns = 0", "min_alerts_plus_provider_concerns"),
        ("min_alerts_plus_provider_concerns = '3'", "min_alerts_plus_provider_concerns"),
        ("min_alerts_plus_provider_concerns = 2.5", "min_alerts_plus_provider_concerns"),
        ("min_alerts_plus_provider_concerns = true", "min_alerts_plus_provider_concerns"),
        ("flag_critical_alert = 'yes'", "flag_critical_alert"),
        ("flag_organisational_abuse = 1", "flag_organisational_abuse"),
        ("min_alerts_plus_provider_concern = 2", "min_alerts_plus_provider_concern"),
    ],
)
def test_a_broken_config_value_names_the_key(tmp_path: Path, line: str, key: str) -> None:
    path = _config_file(tmp_path, f"[weekly]\n{line}\n")
    with pytest.raises(BadInput, match=rf"\[weekly\] {key} ="):
        load_weekly_config(path)


def test_other_sections_are_not_read(tmp_path: Path) -> None:
    path = _config_file(
        tmp_path, "[scoring]\nalerts_3m = 'broken'\n[weekly]\nflag_critical_alert = false\n"
    )
    assert load_weekly_config(path) == WeeklyConfig(flag_critical_alert=False)


def test_a_missing_weekly_section_takes_the_contract_values(tmp_path: Path) -> None:
    assert load_weekly_config(_config_file(tmp_path, "[other]\nx = 1\n")) == DEFAULTS


@pytest.mark.parametrize(
    ("text", "message"),
    [("[weekly\n", "not valid TOML"), ("weekly = 3\n", r"\[weekly\] must be a table")],
)
def test_an_unreadable_config_is_bad_input(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        load_weekly_config(_config_file(tmp_path, text))


def test_a_missing_config_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not found"):
        load_weekly_config(tmp_path / "absent.toml")


# --- the 12-week series ---------------------------------------------------------------------------


def test_series_gives_each_of_the_last_weeks_oldest_first_across_the_year_end() -> None:
    series = weekly.weekly_series(Borough().rows(), "2027-W02", weeks=4)
    assert [row.week for row in series] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert (series[0].start, series[0].end) == (D("2026-12-21"), D("2026-12-27"))
    assert all(list(asdict(row.counts)) == list(weekly.COUNT_NAMES) for row in series)


def test_each_week_of_the_series_equals_that_weeks_report() -> None:
    borough = Borough().provider("P1")
    for day in ("2026-10-26", "2026-11-01", "2026-11-02", "2026-11-09", SUNDAY, MONDAY_AFTER):
        borough.concern(day, enquiry_started_on=day)
        borough.provider_concern(day)
        borough.alert(day, closed_on="2026-11-12" if day < "2026-11-12" else None)
    rows = borough.rows()
    series = weekly.weekly_series(rows, WEEK)
    assert len(series) == weekly.SERIES_WEEKS
    for row in series:
        report = weekly.weekly_report(rows, row.week, DEFAULTS)
        assert asdict(row.counts) == asdict(report.headline_counts)
    # Two concerns a day on five days: MONDAY_AFTER is after the last week of the series.
    received = sum(row.counts.concerns_received for row in series)
    assert (received, sum(row.counts.provider_concerns for row in series)) == (10, 5)


def test_series_needs_at_least_one_week() -> None:
    with pytest.raises(BadInput, match="weeks"):
        weekly.weekly_series(Borough().rows(), WEEK, weeks=0)


# --- output ---------------------------------------------------------------------------------------


def _flagged_borough() -> Borough:
    borough = Borough().provider("P1", "Oakview").provider("=P2", "=cmd()")
    borough.alert(MONDAY, "P1", severity="critical").alert(MONDAY, "=P2", severity="critical")
    return borough.concern(SUNDAY, abuse_type="physical", location="own_home")


def test_json_has_exactly_the_contract_keys_and_iso_dates() -> None:
    document = weekly.report_json(_report(_flagged_borough()))
    assert list(document) == [
        "week",
        "start",
        "end",
        "concerns_received",
        "provider_concerns",
        "enquiries_started",
        "enquiries_concluded",
        "alerts_raised",
        "alerts_closed",
        "open_alerts",
        "concerns_by_abuse_type",
        "concerns_by_location",
        "providers_flagged",
    ]
    assert (document["start"], document["end"]) == ("2026-11-16", "2026-11-22")
    assert document["providers_flagged"][1] == {
        "provider_id": "P1",
        "provider_name": "Oakview",
        "reasons": ["A critical quality alert this week"],
    }
    assert json.loads(weekly.render_report(_report(_flagged_borough()), "json")) == document


def test_csv_is_measure_value_rows_with_formulas_neutralised() -> None:
    text = weekly.render_report(_report(_flagged_borough()), "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["measure", "value"]
    values = dict(rows[1:])
    assert values["week"] == WEEK
    assert values["alerts_raised"] == "2"
    assert values["concerns_by_abuse_type.physical"] == "1"
    assert values["concerns_by_location.hospital_acute"] == "0"
    assert values["providers_flagged"] == "2"
    assert values["providers_flagged.P1"] == "Oakview: A critical quality alert this week"
    assert values["providers_flagged.=P2"] == "'=cmd(): A critical quality alert this week"
    assert len(rows) == 1 + 3 + 7 + len(ABUSE_TYPE.codes) + len(LOCATION.codes) + 1 + 2


def test_table_reads_as_plain_text() -> None:
    text = weekly.render_report(_report(_flagged_borough()), "table")
    assert text.startswith(
        "Weekly safeguarding data report 2026-W47: "
        "Monday 16 November 2026 to Sunday 22 November 2026"
    )
    assert "Quality alerts raised" in text
    assert "  Physical" in text
    assert "Providers flagged: 2" in text
    assert "  Oakview (P1)\n    - A critical quality alert this week" in text
    assert "Providers flagged: none" in weekly.render_report(_report(Borough()), "table")


def test_an_unknown_format_is_bad_input() -> None:
    with pytest.raises(BadInput, match="format"):
        weekly.render_report(_report(Borough()), "xml")
