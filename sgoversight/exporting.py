"""Exports: CSV, XLSX and PDF, with neutralised formula cells and optional small-number suppression.

Rules:
- A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab
  or a carriage return) is written with a leading apostrophe, so it shows as text and never runs.
- Tables shared outside the council suppress counts below 5, shown as `<5` (CONTRACT.md §5). This
  is a separate, last step applied to a finished table (`suppress_counts`), never inside a count.
- A Red, Amber or Green rating in a PDF is printed as a word with a shape beside its colour, so it
  reads in greyscale.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import pandas as pd
from fpdf import FPDF

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and column name) neutralised."""
    result = frame.copy()
    result.columns = [neutralise(str(c)) for c in result.columns]
    for column in result.columns:
        if result[column].dtype == object or pd.api.types.is_string_dtype(result[column]):
            result[column] = result[column].map(neutralise)
    return result


def suppress_count(value: object, threshold: int = SUPPRESSION_THRESHOLD) -> object:
    """`<5` for a whole-number count below the threshold (0 included); anything else unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and not pd.isna(value) and float(value).is_integer():
        return SUPPRESSED if value < threshold else value
    return value


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


def _sheet_name(name: str) -> str:
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in name)
    return cleaned[:31] or "Sheet"


def chart_png(chart: object, scale: float = 2.0) -> bytes:
    """Render an Altair chart to PNG (offline, with vl-convert) for the PDF packs."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_json(), scale=scale)  # type: ignore[attr-defined]


_LATIN1_REPLACEMENTS = {
    "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...",
    "≥": ">=", "≤": "<=", "×": "x", "→": "->", "•": "-", " ": " ",
}  # fmt: skip
RAG_FILL = {"Red": (244, 199, 195), "Amber": (253, 230, 176), "Green": (205, 232, 210)}
# ZapfDingbats characters: a cross, a triangle and a disc, matching the icons on screen.
RAG_SYMBOL = {"Red": "8", "Amber": "s", "Green": "l"}


def pdf_text(text: object) -> str:
    """Text the PDF core fonts can print (Latin-1), with typographic characters spelt plainly."""
    value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    for old, new in _LATIN1_REPLACEMENTS.items():
        value = value.replace(old, new)
    return value.encode("latin-1", "replace").decode("latin-1")


class PdfReport(FPDF):
    """An A4 report with a running title and page numbers, built from headings, text and tables."""

    def __init__(self, title: str, subtitle: str = "", landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.report_title = pdf_text(title)
        self.set_title(self.report_title)
        self.set_author("sgoversight")
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font("helvetica", "B", 18)
        self.multi_cell(0, 9, self.report_title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.set_font("helvetica", "", 11)
            self.multi_cell(0, 6, pdf_text(subtitle), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("helvetica", "I", 8)
            self.cell(0, 5, self.report_title, new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "I", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("helvetica", "B", 13)
        self.multi_cell(0, 7, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font("helvetica", "", size)
        self.multi_cell(0, 5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def rag_label(self, rating: str, width: float, height: float) -> None:
        """A filled cell with a shape and the rating word (reads without colour)."""
        x, y = self.get_x(), self.get_y()
        self.set_fill_color(*RAG_FILL[rating])
        self.rect(x, y, width, height, style="F")
        self.set_font("zapfdingbats", "", 8)
        self.cell(5, height, RAG_SYMBOL[rating], align="C")
        self.set_font("helvetica", "B", 9)
        self.cell(width - 5, height, rating)
        self.set_xy(x + width, y)

    def table(
        self,
        frame: pd.DataFrame,
        widths: Sequence[float] | None = None,
        rag_column: str | None = None,
        font_size: int = 8,
    ) -> None:
        """A table with a bold header repeated on each page; `rag_column` drawn as RAG labels."""
        columns = list(frame.columns)
        usable = self.w - self.l_margin - self.r_margin
        widths = list(widths) if widths else [usable / len(columns)] * len(columns)
        line = font_size * 0.5

        def draw_header() -> None:
            self.set_font("helvetica", "B", font_size)
            self.set_fill_color(230, 230, 230)
            for title, width in zip(columns, widths, strict=True):
                self.cell(width, line + 2, pdf_text(title), border=1, fill=True)
            self.ln()

        draw_header()
        for row in frame.itertuples(index=False):
            texts = [pdf_text(v) for v in row]
            self.set_font("helvetica", "", font_size)
            heights = [
                len(self.multi_cell(w, line, t, dry_run=True, output="LINES")) * line
                for t, w in zip(texts, widths, strict=True)
            ]
            height = max([*heights, line + 2])
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                draw_header()
            y = self.get_y()
            x = self.l_margin
            for title, text, width in zip(columns, texts, widths, strict=True):
                self.set_xy(x, y)
                if title == rag_column and text in RAG_FILL:
                    self.rag_label(text, width, height)
                else:
                    self.set_font("helvetica", "", font_size)
                    self.multi_cell(width, line, text, border=0)
                self.rect(x, y, width, height)
                x += width
            self.set_xy(self.l_margin, y + height)
        self.ln(2)

    def image_png(self, png: bytes, width: float | None = None) -> None:
        """Place a PNG (a chart) at full text width unless `width` is given."""
        usable = self.w - self.l_margin - self.r_margin
        self.image(io.BytesIO(png), w=width or usable)
        self.ln(2)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
