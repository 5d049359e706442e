"""PDF reports: an A4 layout with a running title and page numbers, built from headings, text and
tables.

Rules: a Red, Amber or Green rating in a PDF is printed as a word with a shape beside its colour, so
it reads in greyscale. Text is printed in an embedded Unicode TrueType font (DejaVu Sans, from the
Debian package fonts-dejavu-core), so names outside Latin-1 (Welsh ŵ and ŷ, Polish Ł) print as
written in every PDF; the font is found through fontconfig or at the usual system paths, or in the
folder named by SGO_PDF_FONT_DIR, and a clear error says how to install it when it is missing.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from fpdf import FPDF

RAG_FILL = {"Red": (244, 199, 195), "Amber": (253, 230, 176), "Green": (205, 232, 210)}
# ZapfDingbats characters: a cross, a triangle and a disc, matching the icons on screen.
RAG_SYMBOL = {"Red": "8", "Amber": "s", "Green": "l"}

#: The family every PDF prints its text in, and its files by style ("" regular, B, I, BI).
FONT_FAMILY = "dejavu"
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
#: Where Linux distributions (and Homebrew or a user install) put DejaVu Sans.
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "/opt/homebrew/share/fonts",
)
#: The core font names callers may ask for: printed in the embedded font instead.
_CORE_TEXT_FAMILIES = {"", "helvetica", "arial", "times", "courier"}


class PdfFontMissing(RuntimeError):
    """The Unicode font the PDFs print in is not installed on this server."""


@functools.cache
def font_files() -> dict[str, Path]:
    """The DejaVu Sans files by style: from SGO_PDF_FONT_DIR if set, else the folder fontconfig
    names for "DejaVu Sans", else the first of FONT_DIRS holding them all. PdfFontMissing, saying
    what to install, when none does."""
    folders: list[Path] = []
    if configured := os.environ.get("SGO_PDF_FONT_DIR", "").strip():
        folders.append(Path(configured).expanduser())
    if fc_match := shutil.which("fc-match"):
        try:
            found = subprocess.run(  # noqa: S603 - a fixed program and arguments
                [fc_match, "--format=%{file}", "DejaVu Sans:style=Book"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found.endswith(FONT_FILES[""]):
            folders.append(Path(found).parent)
    folders += [Path(folder).expanduser() for folder in FONT_DIRS]
    for folder in folders:
        files = {style: folder / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    raise PdfFontMissing(
        "PDFs cannot be made: the font DejaVu Sans (files "
        f"{', '.join(FONT_FILES.values())}) is not installed. Install the package "
        "fonts-dejavu-core (apt-get install fonts-dejavu-core), or set SGO_PDF_FONT_DIR to a "
        "folder holding those files."
    )


def pdf_text(text: object) -> str:
    """A value as the text to print: blank for a missing value, otherwise as written (the
    embedded font prints any language's letters)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return str(text)


class PdfReport(FPDF):
    """An A4 report with a running title and page numbers, built from headings, text and tables."""

    def __init__(self, title: str, subtitle: str = "", landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        for style, path in font_files().items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.report_title = pdf_text(title)
        self.set_title(self.report_title)
        self.set_author("sgoversight")
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font(FONT_FAMILY, "B", 18)
        self.multi_cell(0, 9, self.report_title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.set_font(FONT_FAMILY, "", 11)
            self.multi_cell(0, 6, pdf_text(subtitle), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def set_font(self, family: str | None = None, style: str = "", size: float = 0) -> None:
        """Any core text font asked for (helvetica, arial, times, courier) prints in the embedded
        Unicode font; symbol fonts (zapfdingbats) are kept."""
        if family is None or family.lower() in _CORE_TEXT_FAMILIES:
            family = FONT_FAMILY
        super().set_font(family, style, size)

    def header(self) -> None:
        """The report's title atop every page after the first, wrapped rather than cut off."""
        if self.page_no() > 1:
            self.set_font(FONT_FAMILY, "I", 8)
            self.multi_cell(0, 5, self.report_title, new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "I", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FONT_FAMILY, "B", 13)
        self.multi_cell(0, 7, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text: str, size: int = 10, keep_with_next: float = 0) -> None:
        """Text in `size` points; with `keep_with_next` (mm), a paragraph that would leave less
        than that below it on the page (a table's title) starts the next page instead."""
        self.set_font(FONT_FAMILY, "", size)
        if keep_with_next:
            lines = len(self.multi_cell(0, 5, pdf_text(text), dry_run=True, output="LINES"))
            if self.get_y() + lines * 5 + keep_with_next > self.page_break_trigger:
                self.add_page()
                self.set_font(FONT_FAMILY, "", size)
        self.multi_cell(0, 5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def rag_label(self, rating: str, width: float, height: float) -> None:
        """A filled cell with a shape and the rating word (reads without colour)."""
        x, y = self.get_x(), self.get_y()
        self.set_fill_color(*RAG_FILL[rating])
        self.rect(x, y, width, height, style="F")
        self.set_font("zapfdingbats", "", 8)
        self.cell(5, height, RAG_SYMBOL[rating], align="C")
        self.set_font(FONT_FAMILY, "B", 9)
        self.cell(width - 5, height, rating)
        self.set_xy(x + width, y)

    def table(
        self,
        frame: pd.DataFrame,
        widths: Sequence[float] | None = None,
        rag_column: str | None = None,
        font_size: int = 8,
    ) -> None:
        """A table with a bold header repeated on each page; `rag_column` drawn as RAG labels.

        A header that does not fit its column wraps onto more lines (the row grows), so no
        column's name is cut off or runs into the next; the header is never left alone at the
        foot of a page: it moves to the next page with the first row. Text is set flush left,
        never stretched word by word across a narrow column."""
        columns = list(frame.columns)
        usable = self.w - self.l_margin - self.r_margin
        widths = list(widths) if widths else [usable / len(columns)] * len(columns)
        line = font_size * 0.5
        titles = [pdf_text(title) for title in columns]

        def lines_high(texts: Sequence[str], style: str) -> float:
            self.set_font(FONT_FAMILY, style, font_size)
            return max(
                len(self.multi_cell(w, line, t, dry_run=True, output="LINES", align="L")) * line
                for t, w in zip(texts, widths, strict=True)
            )

        header_height = lines_high(titles, "B") + 2

        def draw_header() -> None:
            self.set_font(FONT_FAMILY, "B", font_size)
            self.set_fill_color(230, 230, 230)
            y, x = self.get_y(), self.l_margin
            for title, width in zip(titles, widths, strict=True):
                self.rect(x, y, width, header_height, style="DF")
                self.set_xy(x, y + 1)
                self.multi_cell(width, line, title, border=0, align="L")
                x += width
            self.set_xy(self.l_margin, y + header_height)

        first = next(frame.itertuples(index=False), None)
        first_height = max(lines_high([pdf_text(v) for v in first], ""), line + 2) if first else 0
        if self.get_y() + header_height + first_height > self.page_break_trigger:
            self.add_page()
        draw_header()
        for row in frame.itertuples(index=False):
            texts = [pdf_text(v) for v in row]
            self.set_font(FONT_FAMILY, "", font_size)
            heights = [
                len(self.multi_cell(w, line, t, dry_run=True, output="LINES", align="L")) * line
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
                    self.set_font(FONT_FAMILY, "", font_size)
                    self.multi_cell(width, line, text, border=0, align="L")
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
