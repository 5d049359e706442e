"""Data imports: upload a contract file, check it row by row, then import it all or nothing."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from sgoversight.auth import Permission
from sgoversight.importing import import_file
from sgoversight.overview import IMPORT_KINDS, freshness
from ui import format as fmt
from ui.context import engine, require, today
from ui.dictionary import show_dictionary

actor = require(Permission.IMPORT_DATA)

KIND_LABELS = {
    "providers": "Providers (providers.csv)",
    "alerts": "Quality alerts (alerts.csv)",
    "concerns": "Safeguarding concerns and enquiries (concerns.csv)",
    "plans": "Improvement plans (plans.csv)",
    "actions": "Improvement plan actions (actions.csv)",
    "training": "Safeguarding training records (training.csv)",
}

st.title("Data imports")
st.markdown(
    "Upload a file in the council's agreed format (CSV or Excel). **Check** reads every row and "
    "lists each problem with its row and column; nothing is saved. **Import** saves the file only "
    "if every row is valid: one bad row and nothing is written. Importing the same file again "
    "changes nothing; a corrected file updates the rows it names."
)


def _guess_kind(filename: str) -> str | None:
    stem = filename.lower().rsplit(".", 1)[0]
    return next((kind for kind in IMPORT_KINDS if kind in stem), None)


uploaded = st.file_uploader("File to import", type=["csv", "xlsx"], key="upload")
guessed = _guess_kind(uploaded.name) if uploaded else None
kind = st.selectbox(
    "What the file holds",
    IMPORT_KINDS,
    index=IMPORT_KINDS.index(guessed) if guessed else 0,
    format_func=KIND_LABELS.__getitem__,
    key=f"kind-{guessed}",
)

check_col, import_col = st.columns([1, 1])
check = check_col.button(
    "Check the file", icon=":material/fact_check:", disabled=uploaded is None, width="stretch"
)
save = import_col.button(
    "Import",
    icon=":material/upload:",
    type="primary",
    disabled=uploaded is None,
    width="stretch",
)

if uploaded is not None and (check or save):
    progress = st.progress(0.0, text="Reading the file…")

    def _progress(fraction: float, message: str) -> None:
        progress.progress(min(max(fraction, 0.0), 1.0), text=message)

    report = import_file(
        engine(),
        kind,
        uploaded.getvalue(),
        filename=uploaded.name,
        actor=actor,
        dry_run=not save,
        progress=_progress,
    )
    progress.empty()
    for message in report.unknown_column_messages():
        st.info(fmt.plain(message))
    if report.ok:
        st.success(fmt.plain(report.summary()), icon=":material/check_circle:")
    else:
        st.error(fmt.plain(report.summary()), icon=":material/error:")
        problems = pd.DataFrame(
            [
                {"Row": p.row, "Column": p.column or "—", "Problem": p.message}
                for p in report.problems
            ]
        )
        st.dataframe(
            problems,
            hide_index=True,
            width="stretch",
            column_config={
                "Row": st.column_config.NumberColumn(
                    "Row", help="Spreadsheet row number; the header is row 1", format="%d"
                )
            },
        )

st.subheader("Last imports")
with Session(engine()) as session:
    fresh = freshness(session)
st.dataframe(
    pd.DataFrame(
        {
            "Data": [KIND_LABELS[f.kind] for f in fresh],
            "Last imported": [fmt.when(f.last_imported_at, today()) for f in fresh],
            "From file": [f.filename or "—" for f in fresh],
            "Rows": [fmt.whole(f.rows) for f in fresh],
        }
    ),
    hide_index=True,
    width="stretch",
)

show_dictionary(KIND_LABELS)
