"""A rejected file's unknown headers and values on the Data imports page, each once, with the
closest column or code and the line to add to config/import_mappings.toml."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.intake.import_hints import with_lines_added
from sgoversight.intake.importing import ImportReport
from sgoversight.intake.mappings import DEFAULT_PATH

MAPPING_FILE = "config/import_mappings.toml"


def show_unknowns(report: ImportReport) -> None:
    """Rule: for a rejected file, one table row per unknown header and value (with its count of
    rows, the suggestion and the mapping line), then the lines to paste, ready to copy, and the
    mapping file with them added, to download. File text is shown only in tables and code
    blocks, which render no Markdown."""
    if report.ok or not report.unknowns:
        return
    st.subheader("Headers and values the app does not know")
    st.write(
        "Each is listed once. If the suggestion is right, add its line to "
        f"`{MAPPING_FILE}` (under the section shown) and check the file again: the app then "
        "reads the extract's own wording as the code."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Column": "(header)" if hint.is_header else hint.column,
                    "In the file": hint.text,
                    # A header is in no row: "—" (text columns, so nothing shows as "None").
                    "Rows": "—" if hint.is_header else f"{hint.rows:,}",
                    "First row": "—" if hint.is_header else f"{hint.first_row:,}",
                    "Did you mean": " or ".join(hint.suggestions) or "no close match",
                    "Section": hint.section,
                    "Mapping line to add": hint.line,
                }
                for hint in report.unknowns
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Rows": st.column_config.TextColumn("Rows", help="Rows holding this value"),
            "First row": st.column_config.TextColumn(
                "First row", help="Spreadsheet row number; the header is row 1"
            ),
        },
    )
    if report.more_unknown_values:
        st.caption(f"And {report.more_unknown_values:,} more unknown values, not listed.")
    block = report.mapping_text()
    if not block:
        st.caption("No suggestion is close enough: choose each code by hand.")
        return
    st.caption(
        f"Lines to add to `{MAPPING_FILE}` (add a section line only if the file does not have "
        "it yet; a value with no close match needs its code chosen by hand):"
    )
    st.code(block, language="toml")
    current = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
    st.download_button(
        "Download import_mappings.toml with these lines added",
        with_lines_added(current, report.unknowns).encode("utf-8"),
        file_name="import_mappings.toml",
        mime="application/toml",
        icon=":material/download:",
        key="download_mappings",
    )
