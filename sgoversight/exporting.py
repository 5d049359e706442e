"""Exports: CSV, XLSX and PDF, with neutralised formula cells and optional small-number suppression.

Rules:
- A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab
  or a carriage return) is written with a leading apostrophe, so it shows as text and never runs.
- An XLSX cell holds at most 32,767 characters (Excel's limit). A longer value is never cut
  silently: its cell ends with a note naming where it continues, and the rest is written in parts
  to a sheet "Long values" (sheet, row, column, part), so the whole value can be put back together.
  `long_values` counts such values, so a page can say so beside the download.
- Tables shared outside the council suppress counts below 5, shown as `<5` (CONTRACT.md §5). This
  is a separate, last step applied to a finished table (`suppress_counts`), never inside a count.

The PDF layout lives in sgoversight.pdf, so reading a report does not load the PDF library.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pandas as pd

from sgoversight.formulas import FORMULA_STARTS as FORMULA_STARTS
from sgoversight.formulas import neutralise
from sgoversight.suppression import SUPPRESSED as SUPPRESSED
from sgoversight.suppression import SUPPRESSION_THRESHOLD as SUPPRESSION_THRESHOLD
from sgoversight.suppression import suppress_count as suppress_count

EXCEL_CELL_LIMIT = 32_767
LONG_VALUES_SHEET = "Long values"
#: Characters kept in the cell itself, leaving room for the note saying where the rest is.
_KEPT_IN_CELL = EXCEL_CELL_LIMIT - 200


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and column name) neutralised."""
    result = frame.copy()
    result.columns = [neutralise(str(c)) for c in result.columns]
    for column in result.columns:
        if result[column].dtype == object or pd.api.types.is_string_dtype(result[column]):
            result[column] = result[column].map(neutralise)
    return result


def suppress_counts(
    frame: pd.DataFrame, columns: Iterable[str], threshold: int = SUPPRESSION_THRESHOLD
) -> pd.DataFrame:
    """A copy of `frame` with the named count columns suppressed below `threshold`."""
    result = frame.copy()
    for column in columns:
        result[column] = result[column].map(lambda v: suppress_count(v, threshold)).astype(object)
    return result


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents right) of the neutralised frame."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame], notes: dict[str, str] | None = None) -> bytes:
    """An XLSX workbook, one sheet per frame, header row bold and frozen, text never a formula.

    `notes` optionally puts a line of explanation above a sheet's table.
    """
    buffer = io.BytesIO()
    notes = notes or {}
    sheets, long_parts = _split_long_values(sheets, notes)
    if long_parts:
        sheets = {**sheets, LONG_VALUES_SHEET: pd.DataFrame(long_parts)}
        notes = {
            **notes,
            LONG_VALUES_SHEET: "Values longer than an Excel cell holds (32,767 characters), in "
            "parts: join the parts in order after the start kept in the cell itself.",
        }
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        header_format = writer.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        for name, frame in sheets.items():
            sheet_name = _sheet_name(name)
            start_row = 2 if name in notes else 0
            safe = neutralise_frame(frame)
            safe.to_excel(writer, sheet_name=sheet_name, index=False, startrow=start_row)
            sheet = writer.sheets[sheet_name]
            if name in notes:
                sheet.write_string(0, 0, str(neutralise(notes[name])))
            for col, title in enumerate(safe.columns):
                sheet.write_string(start_row, col, str(title), header_format)
                width = max([len(str(title))] + [len(str(v)) for v in safe.iloc[:200, col]])
                sheet.set_column(col, col, min(max(width + 2, 8), 60))
            sheet.freeze_panes(start_row + 1, 0)
    return buffer.getvalue()


def long_values(frame: pd.DataFrame) -> int:
    """How many cells of `frame` are longer than an Excel cell holds (after neutralising)."""
    # Counted value by value: an empty text column's own sum would be "" rather than 0.
    return sum(
        1
        for column in range(frame.shape[1])
        for value in frame.iloc[:, column]
        if isinstance(value, str) and len(value) >= EXCEL_CELL_LIMIT
    )


def _split_long_values(
    sheets: dict[str, pd.DataFrame], notes: dict[str, str]
) -> tuple[dict[str, pd.DataFrame], list[dict[str, object]]]:
    """The sheets with every over-long text cell cut to its start plus a note, and the rest of
    each such value in parts (rows of the "Long values" sheet)."""
    parts: list[dict[str, object]] = []
    result = {}
    for name, frame in sheets.items():
        if not long_values(frame):
            result[name] = frame
            continue
        copy = frame.copy()
        for col_index, column in enumerate(copy.columns):
            values = copy[column]
            for row_index, value in enumerate(values):
                text = neutralise(value)
                if not (isinstance(text, str) and len(text) >= EXCEL_CELL_LIMIT):
                    continue
                excel_row = row_index + (4 if name in notes else 2)  # below the header
                kept, *pieces = _pieces(text)
                copy.iat[row_index, col_index] = (
                    kept + f" […continued in sheet '{LONG_VALUES_SHEET}': {len(pieces)} more "
                    f"part{'s' if len(pieces) != 1 else ''}, {len(text):,} characters in all]"
                )
                for number, piece in enumerate(pieces, start=2):
                    parts.append(
                        {
                            "Sheet": _sheet_name(name),
                            "Row": excel_row,
                            "Column": str(column),
                            "Part": number,
                            "Text": piece,
                        }
                    )
        result[name] = copy
    return result, parts


def _pieces(text: str) -> list[str]:
    """`text` in parts of at most _KEPT_IN_CELL characters, none starting with a character a
    spreadsheet would read as a formula (a part ends one character early instead), so no part
    needs the apostrophe that would change the joined value."""
    pieces, start = [], 0
    while start < len(text):
        end = min(start + _KEPT_IN_CELL, len(text))
        while end < len(text) and text[end].startswith(FORMULA_STARTS) and end > start + 1:
            end -= 1
        pieces.append(text[start:end])
        start = end
    return pieces


def _sheet_name(name: str) -> str:
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in name)
    return cleaned[:31] or "Sheet"


def chart_png(chart: object, scale: float = 2.0) -> bytes:
    """Render an Altair chart to PNG (offline, with vl-convert) for the PDF packs."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_json(), scale=scale)  # type: ignore[attr-defined]
