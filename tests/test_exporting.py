"""Exports: formulas neutralised, counts below 5 suppressed, XLSX and PDF that open."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from sgoversight import exporting, pdf


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(text: str) -> None:
    assert exporting.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Fine", "a=b", 3, None, -3])
def test_other_values_unchanged(value: object) -> None:
    assert exporting.neutralise(value) == value


def test_suppression_below_five_only_for_counts() -> None:
    frame = pd.DataFrame({"what": ["a", "b", "c", "d"], "count": [0, 4, 5, 12]})
    out = exporting.suppress_counts(frame, ["count"])
    assert out["count"].tolist() == ["<5", "<5", 5, 12]
    assert frame["count"].tolist() == [0, 4, 5, 12]  # the original is untouched
    assert exporting.suppress_count(3.5) == 3.5
    assert exporting.suppress_count("7") == "7"


def test_xlsx_has_text_not_formulas() -> None:
    frame = pd.DataFrame({"summary": ['=HYPERLINK("http://x")', "ok"], "n": [1, 2]})
    data = exporting.to_xlsx_bytes({"Alerts": frame}, notes={"Alerts": "Exported for a test"})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Exported for a test"
    assert sheet["A3"].value == "summary"
    assert sheet["A4"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A4"].data_type == "s"
    assert sheet["B5"].value == 2


def test_csv_neutralised_with_bom() -> None:
    data = exporting.to_csv_bytes(pd.DataFrame({"summary": ["@cmd", "café"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "'@cmd" in data.decode("utf-8-sig") and "café" in data.decode("utf-8-sig")


def test_pdf_with_rag_table_renders() -> None:
    report = pdf.PdfReport("Board pack – October 2026", "Test ≥ subtitle")
    report.heading("Ratings")
    frame = pd.DataFrame({"Rating": ["Red", "Amber", "Green"], "Provider": ["A", "B", "C" * 300]})
    report.table(frame, widths=[30, 150], rag_column="Rating")
    data = report.to_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 1000


def test_a_value_longer_than_an_excel_cell_continues_in_a_second_sheet() -> None:
    """Nothing is cut silently: the cell keeps the start and says where the rest is; the parts
    in "Long values", joined in order, give back the whole value; none starts as a formula."""
    import io as _io

    import openpyxl

    long = "a" * 32_566 + "=" + "b" * 40_000 + "-tail"
    frame = pd.DataFrame({"Id": ["E1", "E2"], "After": ["short", long]})
    assert exporting.long_values(frame) == 1
    book = openpyxl.load_workbook(_io.BytesIO(exporting.to_xlsx_bytes({"Audit trail": frame})))
    assert book.sheetnames == ["Audit trail", "Long values"]
    cell = book["Audit trail"]["B3"].value
    assert len(cell) <= exporting.EXCEL_CELL_LIMIT
    start, note = cell.split(" […continued in sheet 'Long values'", 1)
    assert "72,572 characters in all" in note
    rows = list(book["Long values"].iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [("Audit trail", 3, "After")] * len(rows)
    assert [r[3] for r in rows] == list(range(2, len(rows) + 2))
    assert not any(r[4].startswith(exporting.FORMULA_STARTS) for r in rows)
    assert start + "".join(r[4] for r in rows) == long
