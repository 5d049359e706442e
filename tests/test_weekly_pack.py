"""The weekly report as read and shared: 12-week average, open alerts by age, suppression, files.

Week 2026-W47 runs from Monday 16 November to Sunday 22 November 2026.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import openpyxl
import pytest

from sgoversight import weekly_pack
from sgoversight.weekly import WeeklyConfig
from tests.test_weekly import Borough

WEEK, SUNDAY = "2026-W47", "2026-11-22"
CONFIG = WeeklyConfig()


def _pack(borough: Borough, text: str = "") -> weekly_pack.WeeklyPack:
    return weekly_pack.build_pack(borough.frames(), WEEK, CONFIG, text)


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
        label: int(label == band) for label, _, _ in weekly_pack.AGE_BANDS
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
    tables = weekly_pack.export_tables(_pack(_flagged()), suppress=True)
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
    assert reasons == (
        "<5 quality alerts and safeguarding concerns this week (flag at 3); "
        "<5 critical quality alerts this week; <5 organisational abuse concerns this week"
    )


def test_council_version_keeps_the_counts() -> None:
    tables = weekly_pack.export_tables(_pack(_flagged()), suppress=False)
    summary = tables["Summary"].set_index("Measure")
    assert summary.loc["Quality alerts raised", "This week"] == 3
    assert "4 quality alerts and safeguarding concerns" in tables["Providers flagged"].iloc[0, 2]


def test_workbook_has_every_table_and_text_is_never_a_formula() -> None:
    pack = _pack(_flagged(), text='=HYPERLINK("http://example.org","click")')
    book = openpyxl.load_workbook(io.BytesIO(weekly_pack.weekly_xlsx(pack, suppress=True)))
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
    pdf = weekly_pack.weekly_pdf(_pack(_flagged(), text="Visit arranged."), suppress=False)
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


def test_shared_pdf_leaves_out_charts_and_says_so() -> None:
    council = weekly_pack.weekly_pdf(_pack(_flagged()), suppress=False)
    shared = weekly_pack.weekly_pdf(_pack(_flagged()), suppress=True)
    assert b"/Subtype /Image" in council
    assert b"/Subtype /Image" not in shared
