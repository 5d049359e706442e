"""PDF tables: every column's name is printed in full inside its column, and a table's header is
never left alone at the foot of a page."""

from __future__ import annotations

import pandas as pd

from sgoversight.pdf import FONT_FAMILY, PdfReport
from tests.support.pdftext import pdf_text

TITLES = ["Measure", "Change on the previous week", "12-week average"]
WIDTHS = [60.0, 22.0, 18.0]


def _table() -> pd.DataFrame:
    return pd.DataFrame([["Quality alerts raised", "▲ 1 more", 17.6]], columns=TITLES)


def test_a_long_column_name_wraps_inside_its_column() -> None:
    pdf = PdfReport("Weekly safeguarding data report 2026-W47")
    pdf.table(_table(), widths=WIDTHS, font_size=9)
    lines = pdf_text(pdf.to_bytes()).splitlines()
    measure = PdfReport("measure")
    measure.set_font(FONT_FAMILY, "B", 9)
    for title, width in zip(TITLES, WIDTHS, strict=True):
        words = title.split()
        printed = [line for line in lines if line.split() and set(line.split()) <= set(words)]
        assert " ".join(printed) == title  # every word, in order, nothing cut off
        for line in printed:  # and each printed line fits between the column's edges
            assert measure.get_string_width(line) <= width - 2 * measure.c_margin, line


def test_a_header_moves_to_the_next_page_with_its_first_row() -> None:
    pdf = PdfReport("Standards")
    while pdf.get_y() < pdf.page_break_trigger - 14:  # room for the header, not for a row
        pdf.paragraph("Filler line.")
    boxes = bytes(pdf.pages[1].contents).count(b" re")
    pdf.table(_table(), widths=WIDTHS, font_size=9)
    assert bytes(pdf.pages[1].contents).count(b" re") == boxes  # no cell on the first page
    assert pdf.page_no() == 2
    assert bytes(pdf.pages[2].contents).count(b" re") == 2 * len(TITLES)  # header and the row


def test_a_tables_title_moves_to_the_next_page_with_it() -> None:
    pdf = PdfReport("Standards")
    while pdf.get_y() < pdf.page_break_trigger - 14:  # room for the title, not for its table
        pdf.paragraph("Filler line.")
    pdf.paragraph("Concerns received by ethnicity", 11, keep_with_next=20)
    assert pdf.page_no() == 2
    pdf.paragraph("A paragraph on its own may end a page.")
    assert pdf.page_no() == 2
