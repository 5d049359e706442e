"""The weekly report as read and shared: 12-week average, open alerts by age, suppression, files.

Week 2026-W47 runs from Monday 16 November to Sunday 22 November 2026.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sgoversight.weekly import output as weekly_output
from sgoversight.weekly.config import WeeklyConfig
from tests.weekly.test_weekly import Borough

WEEK, SUNDAY = "2026-W47", "2026-11-22"
CONFIG = WeeklyConfig()


def _pack(borough: Borough, text: str = "") -> weekly_output.WeeklyPack:
    return weekly_output.build_pack(borough.rows(), WEEK, CONFIG, text)


def test_average_is_over_the_twelve_weeks_before_not_this_one() -> None:
    borough = Borough().provider("P1")
    for _ in range(12):
        borough.alert("2026-11-16")  # 12 alerts this week: not in the average
    borough.alert("2026-08-24")  # Monday of 2026-W35, the first of the 12 weeks before
    borough.alert("2026-08-23")  # Sunday of 2026-W34, one week too early
    borough.alert("2026-11-15")  # Sunday of 2026-W46, the last of the 12 weeks before
    pack = _pack(borough)
    assert list(pack.series["week"])[:1] == ["2026-W35"]
    assert pack.average["alerts_raised"] == round(2 / 12, 1)
    headline = pack.headline().set_index("measure")
    assert headline.loc["alerts_raised", "This week"] == 12
    assert headline.loc["alerts_raised", "Previous week"] == 1
    assert headline.loc["alerts_raised", "Change on previous week"] == 11


@pytest.mark.parametrize(
    ("raised_on", "band"),
    [
        ("2026-11-22", "Under 1 week"),  # 0 days at the week's end
        ("2026-11-16", "Under 1 week"),  # 6 days
        ("2026-11-15", "1 to 4 weeks"),  # 7 days
        ("2026-10-26", "1 to 4 weeks"),  # 27 days
        ("2026-10-25", "4 to 12 weeks"),  # 28 days
        ("2026-08-31", "4 to 12 weeks"),  # 83 days
        ("2026-08-30", "12 weeks or more"),  # 84 days
    ],
)
def test_open_alerts_banded_by_days_open_at_the_weeks_end(raised_on: str, band: str) -> None:
    by_age = _pack(Borough().provider("P1").alert(raised_on)).open_alerts_by_age
    assert dict(zip(by_age["age"], by_age["open_alerts"], strict=True)) == {
        label: int(label == band) for label, _, _ in weekly_output.AGE_BANDS
    }


def test_alerts_closed_by_the_weeks_end_or_raised_after_it_are_not_open() -> None:
    borough = Borough().provider("P1")
    borough.alert("2026-11-01", closed_on=SUNDAY)
    borough.alert("2026-11-23")
    borough.alert("2026-11-01", closed_on="2026-11-23")  # still open on the Sunday
    assert int(_pack(borough).open_alerts_by_age["open_alerts"].sum()) == 1


def _flagged() -> Borough:
    borough = Borough().provider("P1", "Harbour View")
    borough.alert("2026-11-16", severity="critical").alert("2026-11-17").alert("2026-11-18")
    borough.provider_concern("2026-11-19", abuse_type="organisational")
    for _ in range(6):
        borough.concern("2026-11-20", abuse_type="financial")
    return borough


def test_shared_version_suppresses_every_small_count() -> None:
    tables = weekly_output.export_tables(_pack(_flagged()), suppress=True)
    summary = tables["Summary"].set_index("Measure")
    assert summary.loc["Safeguarding concerns received", "This week"] == 7
    assert summary.loc["Quality alerts raised", "This week"] == "<5"
    assert summary.loc["Quality alerts raised", "12-week average"] == "<5"
    assert "Change on previous week" not in summary.columns  # a change reveals small numbers
    abuse = tables["By type of abuse"].set_index("Type of abuse")["Concerns received"]
    assert abuse["Financial or material"] == 6
    assert abuse["Organisational"] == "<5"
    assert abuse["Cuckooing"] == "<5"  # zero is a small number too
    reasons = tables["Providers flagged"]["Why flagged"].iloc[0]
    assert reasons == (  # what the rules say, in words; never the count (4, 1 and 1 here)
        "At least 3 quality alerts and safeguarding concerns this week (flag at 3); "
        "At least one critical quality alert this week; "
        "At least one organisational abuse concern this week"
    )


def test_shared_reasons_print_a_count_of_5_or_more() -> None:
    borough = Borough().provider("P1", "Harbour View")
    for day in ("2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"):
        borough.alert(day, severity="critical")
    tables = weekly_output.export_tables(_pack(borough), suppress=True)
    assert tables["Providers flagged"]["Why flagged"].iloc[0] == (
        "5 quality alerts and safeguarding concerns this week (flag at 3); "
        "5 critical quality alerts this week"
    )


def test_council_version_keeps_the_counts() -> None:
    tables = weekly_output.export_tables(_pack(_flagged()), suppress=False)
    summary = tables["Summary"].set_index("Measure")
    assert summary.loc["Quality alerts raised", "This week"] == 3
    assert "4 quality alerts and safeguarding concerns" in tables["Providers flagged"].iloc[0, 2]


def test_workbook_has_every_table_and_text_is_never_a_formula() -> None:
    pack = _pack(_flagged(), text='=HYPERLINK("http://example.org","click")')
    book = openpyxl.load_workbook(io.BytesIO(weekly_output.weekly_xlsx(pack, suppress=True)))
    assert book.sheetnames == [
        "Summary",
        "By type of abuse",
        "By location of risk",
        "Providers flagged",
        "13 weeks",
        "Open alerts by age",
        "Significant issues",
    ]
    assert "counts below 5 are shown as <5" in book["Summary"]["A1"].value
    text = book["Significant issues"]["A4"].value
    assert text.startswith("'=HYPERLINK")
    assert book["Summary"]["A4"].data_type != "f"


def test_pdf_reads_as_text_with_the_figures(tmp_path: Path) -> None:
    pdf = weekly_output.weekly_pdf(_pack(_flagged(), text="Visit arranged."), suppress=False)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "weekly.pdf"
    path.write_bytes(pdf)
    try:
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert "Weekly safeguarding data report 2026-W47" in text
    assert "Visit arranged." in text
    assert "Harbour View" in text
    assert "Council use only" in text


def test_shared_pdf_keeps_its_charts() -> None:
    council = weekly_output.weekly_pdf(_pack(_flagged()), suppress=False)
    shared = weekly_output.weekly_pdf(_pack(_flagged()), suppress=True)
    assert council.count(b"/Subtype /Image") == 3
    assert shared.count(b"/Subtype /Image") == 3


def _numbers_in(value: object) -> list[float]:
    """Every number anywhere in a chart's data (nested lists and records included)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers_in(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers_in(item)]
    return []


def _small_counts_borough() -> Borough:
    """Counts 0 to 7 in the week and the 12 before it: every small count from 0 to 4 appears
    in each chart, beside counts of 5 or more."""
    borough = _flagged()  # this week: 4 alerts raised, organisational 1, financial 6, 1 critical
    for week_back, alerts in enumerate([0, 1, 2, 3, 4, 5, 7, 1, 2, 3, 6, 0], start=1):
        monday = pd.Timestamp("2026-11-16") - pd.Timedelta(weeks=week_back)
        for n in range(alerts):
            day = f"{monday + pd.Timedelta(days=n % 7):%Y-%m-%d}"
            borough.alert(day, closed_on=day if n % 2 else None)
            borough.provider_concern(day, abuse_type="neglect")
    return borough


def test_no_suppressed_count_can_be_read_back_from_the_shared_charts() -> None:
    """In the shared charts' data every number is 5 or more (a suppressed bar reaches 5), each
    bar below 5 is labelled <5 and marked, and the small counts the council version shows are
    nowhere in it: not as heights, labels or tooltips."""
    pack = _pack(_small_counts_borough())
    council = [chart.to_dict() for chart in weekly_output.shared_charts(pack, suppress=False)]
    small_in_council = {n for spec in council for n in _numbers_in(spec["datasets"]) if n < 5}
    assert small_in_council >= {0.0, 1.0, 2.0, 3.0, 4.0}  # the test data has every small count
    charts = [
        *weekly_output.shared_charts(pack, suppress=True),
        weekly_output.location_chart(pack.report, suppress=True),
        weekly_output.open_alerts_age_chart(pack.open_alerts_by_age, suppress=True),
    ]
    marked = 0
    for chart in charts:
        spec = chart.to_dict()
        assert spec["datasets"], "the chart's data travels with it"
        assert [n for n in _numbers_in(spec["datasets"]) if n < 5] == []
        for rows in spec["datasets"].values():
            for row in rows:
                texts = {str(v) for v in row.values() if isinstance(v, str)}
                assert not texts & {"0", "1", "2", "3", "4"}, row
                if row["Suppressed"]:
                    marked += 1
                    assert row["Shown"] == "<5"
                else:
                    assert int(row["Shown"].replace(",", "")) >= 5
    assert marked > 20
    assert all(weekly_output.SUPPRESSED_NOTE in str(chart.to_dict()) for chart in charts)


def test_headline_table_says_the_change_in_words_beside_the_average() -> None:
    borough = Borough().provider("P1")
    borough.alert("2026-11-16").alert("2026-11-17")  # 2 this week
    for day in ("2026-11-09", "2026-11-10", "2026-11-11"):  # 3 in 2026-W46
        borough.alert(day)
    table = weekly_output.headline_table(_pack(borough)).set_index("Measure")
    raised = table.loc["Quality alerts raised"]
    assert raised["This week"] == 2
    assert raised["Previous week"] == 3
    assert raised["Change on the previous week"] == "▼ 1 fewer"
    assert raised["12-week average"] == round(3 / 12, 1)
    assert table.loc["Quality alerts closed", "Change on the previous week"] == "= same"
    assert weekly_output.change_words(4) == "▲ 4 more"
