"""The quarterly standards report's files: every table, suppression, narrative, charts."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from sgoversight.periods import parse_quarter
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import rules as standards
from sgoversight.standards.report import (
    QuarterlyReport,
    change_on_previous,
    export_tables,
    quarterly_pdf,
    quarterly_xlsx,
    scorecard_table,
    status_text,
)
from tests.support.standards_rows import inputs_from

QUARTER = parse_quarter("2026-Q3")


def _report(concerns: int = 12) -> QuarterlyReport:
    rows = [
        {
            "concern_id": f"C{n}",
            "person_id": f"P{n}",
            "received_on": f"2026-07-{n + 1:02d}",
            "screened_on": f"2026-07-{n + 1:02d}",
            "referral_source": "police",
            "abuse_type": "financial",
            "location": "own_home",
            "source_of_risk": "known_to_individual",
            "age_band": "85-94",
            "gender": "male",
            "ethnicity": "asian",
        }
        for n in range(concerns)
    ]
    inputs = inputs_from(rows, [], [], QUARTER)
    return QuarterlyReport(
        quarter=QUARTER,
        results=standards.scorecard(inputs),
        series=standards_frames.scorecard_series(inputs, QUARTER),
        breakdowns=standards_frames.breakdowns(inputs, QUARTER),
        narrative={"performance_summary": "=SUM(A1:A9) is not a formula here"},
    )


def test_status_is_always_a_word_with_an_icon() -> None:
    assert [status_text(s) for s in ("met", "not_met", "no_data", "trend")] == [
        "✔ Met",
        "✖ Not met",
        "– No data",
        "○ No target",  # no arrow, no "Trend": neither may be read as "rising"
    ]


def test_scorecard_table_suppresses_small_counts_only_when_asked() -> None:
    report = _report(concerns=3)
    council = scorecard_table(report.results).set_index("Measure")
    shared = scorecard_table(report.results, suppress=True).set_index("Measure")
    assert council.loc["PROP-1", "Value"] == "3"
    assert shared.loc["PROP-1", "Value"] == "<5"
    assert council.loc["ACC-1", "Counted"] == "3 of 3"
    assert shared.loc["ACC-1", "Counted"] == "<5 of <5"
    assert shared.loc["ACC-1", "Value"] == "100.0%"


def test_workbook_has_scorecard_trends_breakdowns_and_narrative() -> None:
    book = openpyxl.load_workbook(io.BytesIO(quarterly_xlsx(_report(), suppress=True)))
    assert book.sheetnames[:2] == ["Scorecard", "8 quarters"]
    assert book.sheetnames[-1] == "Narrative"
    assert len(book.sheetnames) == 2 + len(standards.BREAKDOWN_TITLES) + 1
    narrative = book["Narrative"]
    assert narrative["B4"].value.startswith("'=SUM")  # neutralised, never run as a formula
    assert "counts below 5" in book["Scorecard"]["A1"].value


def test_pdf_has_charts_and_the_narrative() -> None:
    pdf = quarterly_pdf(_report(), suppress=False)
    assert pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf


def _series(measure_id: str, values: list[float | None], denominator: int | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarter": ["2026-Q1", "2026-Q2", "2026-Q3"][: len(values)],
            "measure_id": measure_id,
            "value": [float("nan") if v is None else v for v in values],
            "denominator": float("nan") if denominator is None else denominator,
        }
    )


def test_change_on_previous_quarter_in_points_words_and_arrows() -> None:
    series = _series("ACC-1", [50.0, 87.5, 85.0], 40)
    assert change_on_previous(series, "ACC-1", "2026-Q2") == "▲ up 37.5 points on 2026-Q1"
    assert change_on_previous(series, "ACC-1", "2026-Q3") == "▼ down 2.5 points on 2026-Q2"
    assert change_on_previous(series, "ACC-1", "2026-Q1") == "no earlier quarter to compare with"
    one = _series("ACC-1", [70.0, 71.0], 40)
    assert change_on_previous(one, "ACC-1", "2026-Q2") == "▲ up 1.0 point on 2026-Q1"


def test_change_on_previous_quarter_for_counts_and_missing_figures() -> None:
    counts = _series("PROP-1", [12, 12, 9], None)
    assert change_on_previous(counts, "PROP-1", "2026-Q2") == "= same as 2026-Q1"
    assert change_on_previous(counts, "PROP-1", "2026-Q3") == "▼ down 3 on 2026-Q2"
    gaps = _series("EMP-2", [80.0, None, 90.0], 10)
    assert change_on_previous(gaps, "EMP-2", "2026-Q3") == "no figure to compare with 2026-Q2"


def test_change_is_computed_from_the_scorecard_series() -> None:
    report = _report()  # 12 concerns in 2026-Q3, none in 2026-Q2
    assert change_on_previous(report.series, "PROP-1", "2026-Q3") == "▲ up 12 on 2026-Q2"
    assert change_on_previous(report.series, "ACC-1", "2026-Q3") == (
        "no figure to compare with 2026-Q2"
    )


def test_council_files_give_each_measures_change_and_shared_files_do_not() -> None:
    council = export_tables(_report(), suppress=False)["Scorecard"].set_index("Measure")
    assert council.loc["PROP-1", "Change on previous quarter"] == "▲ up 12 on 2026-Q2"
    assert list(council.columns)[-2:] == ["Change on previous quarter", "Status"]
    shared = export_tables(_report(), suppress=True)["Scorecard"]
    assert "Change on previous quarter" not in shared.columns  # a change can reveal a small count
    assert quarterly_pdf(_report(), suppress=True).startswith(b"%PDF")
