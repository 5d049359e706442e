"""The data dictionary and file templates on the Data imports page.

Rule: what the page says a file may hold is sgoversight.intake.data_dictionary, generated from the
import schemas, so the page, docs/data-formats.md and the importer never disagree.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.intake import data_dictionary, schemas


def _column_rows(kind: str) -> pd.DataFrame:
    schema = schemas.ROW_SCHEMAS[kind]
    entries = data_dictionary.entries(kind)
    return pd.DataFrame(
        {
            "Column": [e.column for e in entries],
            "Required": [e.required.replace("`", "") for e in entries],
            "What it holds": [e.about.replace("`", "") for e in entries],
            "Type": [e.type.replace("`", "") for e in entries],
            "Accepted values (code: label)": [e.values_plain for e in entries],
            "Rules": [e.rules.replace("`", "") for e in entries],
        },
        index=list(schema.columns()),
    )


def show_dictionary(labels: dict[str, str]) -> None:
    """Every import file: its columns, what each holds, its accepted values and rules, and a
    template (the header row and one example row) to download."""
    st.subheader("What each file holds")
    st.caption(
        "Every column the app reads, whether it is required, the values it accepts and its rules. "
        "A template has the header row and one example row: replace the example with your data. "
        "The same dictionary is in the repository as docs/data-formats.md."
    )
    tabs = st.tabs([data_dictionary.FILES[kind].title for kind in schemas.ROW_SCHEMAS])
    for tab, kind in zip(tabs, schemas.ROW_SCHEMAS, strict=True):
        with tab:
            notes = data_dictionary.FILES[kind]
            st.markdown(f"**{labels.get(kind, notes.title)}**: {notes.about}")
            # A table, not a data grid: every column's text wraps and is read in full.
            st.table(_column_rows(kind), hide_index=True)
            st.download_button(
                f"Download a template of {kind}.csv",
                data_dictionary.template_csv(kind),
                file_name=f"{kind}-template.csv",
                mime="text/csv",
                icon=":material/download:",
                key=f"template-{kind}",
                on_click="ignore",
            )
