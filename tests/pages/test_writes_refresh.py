"""Writes invalidate what they change: for each change an administrator can make on the report
pages, save it, then read every figure, pack and download the page offers in the same session
and find the saved state (not the state the page had read before the save)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.store.models import Provider, QualityAlert, SafeguardingConcern
from tests.support.downloads import Downloads
from tests.support.pdftext import pdf_text

REQUIRED_CONCERN_COLUMNS = {
    "concern_id", "person_id", "received_on", "referral_source", "abuse_type", "location",
    "source_of_risk", "age_band", "gender", "ethnicity",
}  # fmt: skip
MONDAY = dt.date(2026, 11, 16)  # week 2026-W47, the last complete week on 24 November 2026


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    return Downloads(monkeypatch)


@pytest.fixture
def seeded(page_db: Engine) -> Engine:
    with Session(page_db) as session, session.begin():
        session.add(
            Provider(provider_id="PRV-A", name="Harbour View", service_type="care_home",
                     regulated=True)
        )  # fmt: skip
        session.flush()
        session.add(
            QualityAlert(
                alert_id="A1", provider_id="PRV-A", raised_on=MONDAY, raised_by="commissioner",
                category="medication", severity="medium", summary="Late", status="open",
            )
        )  # fmt: skip
        session.add(_concern("C1", MONDAY + dt.timedelta(days=1)))
        session.add(_concern("C9", dt.date(2026, 8, 3)))
    return page_db


def _concern(concern_id: str, received: dt.date) -> SafeguardingConcern:
    return SafeguardingConcern(
        concern_id=concern_id, person_id=f"PER-{concern_id}", received_on=received,
        referral_source="police", abuse_type="neglect", location="own_home",
        source_of_risk="known_to_individual", age_band="85-94", gender="female",
        ethnicity="white",
    )  # fmt: skip


def _cells(xlsx: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    return [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


def _metric(app: AppTest, label: str) -> str:
    """This week's figure for `label` in the weekly page's headline table, as text."""
    headline = next(d.value for d in app.dataframe if "12-week average" in d.value.columns)
    return str(headline.set_index("Measure").loc[label, "This week"])


def _prepare_pdf(app: AppTest, key: str) -> tuple[AppTest, bytes]:
    app = next(b for b in app.button if b.label == "Prepare the PDF").click().run()
    assert not app.exception
    return app, app.session_state[key][-1]


def test_weekly_text_saved_then_in_the_box_the_excel_and_the_pdf(
    run_page: Callable[..., AppTest], seeded: Engine, downloads: Downloads
) -> None:
    app = run_page("pages/weekly.py", as_user="admin", timeout=60)
    text = "Visit to Harbour View arranged for Thursday."
    app.text_area[0].input(text)
    app = next(b for b in app.button if b.label == "Save the text").click().run()
    assert [s.value for s in app.success][:1] == ["Saved."]
    assert app.text_area[0].value == text
    excel = downloads.get("weekly-safeguarding-report-2026-W47-council.xlsx")
    assert text in _cells(excel)
    app, pdf = _prepare_pdf(app, "weekly-pdf")
    assert text in pdf_text(pdf)


def test_weekly_extract_saved_then_in_the_figures_and_the_excel(
    run_page: Callable[..., AppTest], seeded: Engine, downloads: Downloads
) -> None:
    from tests.fixtures.importing import csv_bytes, good_row

    app = run_page("pages/weekly.py", as_user="admin", timeout=60)
    assert _metric(app, "Safeguarding concerns received") == "1"
    rows = [
        {
            column: value
            for column, value in good_row("concerns", n).items()
            if column in REQUIRED_CONCERN_COLUMNS
        }
        | {"concern_id": f"NEW-{n}", "received_on": str(MONDAY), "location": "own_home",
           "source_of_risk": "known_to_individual"}
        for n in (1, 2)
    ]  # fmt: skip
    app.file_uploader[0].set_value(("concerns.csv", csv_bytes(rows), "text/csv"))
    app = app.run()
    assert not app.exception
    app = next(b for b in app.button if b.label == "Save the extract").click().run()
    assert not app.exception
    assert any("2" in s.value for s in app.success), [e.value for e in app.error]
    assert _metric(app, "Safeguarding concerns received") == "3"
    excel = downloads.get("weekly-safeguarding-report-2026-W47-council.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(excel), read_only=True)
    headline = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert any(row[:2] == ("Safeguarding concerns received", 3) for row in headline)


def test_standards_text_saved_then_in_the_boxes_the_excel_and_the_pdf(
    run_page: Callable[..., AppTest], seeded: Engine, downloads: Downloads
) -> None:
    app = run_page("pages/standards.py", as_user="admin", timeout=90)
    texts = [f"Section {n}: what we learnt this quarter." for n in range(5)]
    for box, text in zip(app.text_area, texts, strict=True):
        box.input(text)
    app = next(b for b in app.button if b.label == "Save the report text").click().run()
    assert [s.value for s in app.success][:1] == ["Saved 5 sections."]
    assert [box.value for box in app.text_area] == texts
    cells = _cells(downloads.get("safeguarding-standards-2026-Q3-council.xlsx"))
    assert all(text in cells for text in texts)
    assert "Not written." not in cells
    app, pdf = _prepare_pdf(app, "standards-pdf")
    drawn = pdf_text(pdf)
    assert all(text in drawn for text in texts)
