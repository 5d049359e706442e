"""Data imports: upload a contract file, check it row by row, then import it all or nothing."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from sgoversight.auth import Permission
from sgoversight.errors import BadInput
from sgoversight.intake.import_jobs import ImportJob
from sgoversight.intake.importing import ImportReport
from sgoversight.intake.mappings import load_mappings
from sgoversight.overview import IMPORT_KINDS, freshness
from ui import format as fmt
from ui.context import engine, require, today
from ui.dictionary import show_dictionary
from ui.import_hints import show_unknowns

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
    "changes nothing; a corrected file updates the rows it names. A check runs on its own while "
    "you wait and can be cancelled; a file of more than 1,048,576 rows, or one that would take "
    "over five minutes to check, is refused: split it into parts."
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

JOB_KEY = "import_job"
MAPPING_PROBLEM_KEY = "import_mapping_problem"


def _start(kind: str, dry_run: bool) -> None:
    """Start checking (or importing) the uploaded file in a process of its own; an earlier job
    of this session that is still running is cancelled."""
    upload = st.session_state.get("upload")
    if upload is None:
        return
    # A broken mapping file is refused before any file is read (the job would refuse it too).
    try:
        load_mappings()
    except BadInput as exc:
        st.session_state[MAPPING_PROBLEM_KEY] = [str(exc), *exc.problems]
        return
    st.session_state.pop(MAPPING_PROBLEM_KEY, None)
    earlier: ImportJob | None = st.session_state.get(JOB_KEY)
    if earlier is not None:
        earlier.cancel()
    st.session_state[JOB_KEY] = ImportJob(
        engine().url.render_as_string(hide_password=False),
        kind,
        upload.getvalue(),
        filename=upload.name,
        actor=actor,
        dry_run=dry_run,
    )


def _show_report(report: ImportReport) -> None:
    """The finished job's outcome: its counts, or every problem with its row and column."""
    for message in report.unknown_column_messages():
        st.info(fmt.plain(message))
    if report.ok:
        st.success(fmt.plain(report.summary()), icon=":material/check_circle:")
        return
    st.error(fmt.plain(report.summary()), icon=":material/error:")
    problems = pd.DataFrame(
        [{"Row": p.row, "Column": p.column or "—", "Problem": p.message} for p in report.problems]
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
    show_unknowns(report)


@st.fragment(run_every=0.5)
def _watch_job() -> None:
    """The running job's progress and its Cancel button, refreshed twice a second without
    running the rest of the page; the whole page runs again once the job has finished."""
    job: ImportJob | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    status = job.status()
    if status.finished:
        st.rerun(scope="app")
    st.progress(status.fraction, text=status.message)
    st.button("Cancel", icon=":material/cancel:", key="cancel_import", on_click=job.cancel)


job: ImportJob | None = st.session_state.get(JOB_KEY)
running = job is not None and not job.status().finished
check_col, import_col = st.columns([1, 1])
check_col.button(
    "Check the file",
    icon=":material/fact_check:",
    disabled=uploaded is None or running,
    width="stretch",
    on_click=_start,
    args=(kind, True),
)
import_col.button(
    "Import",
    icon=":material/upload:",
    type="primary",
    disabled=uploaded is None or running,
    width="stretch",
    on_click=_start,
    args=(kind, False),
)

mapping_problem = st.session_state.get(MAPPING_PROBLEM_KEY)
if mapping_problem:
    st.error(
        "The import mappings (config/import_mappings.toml) have problems, so no file can be "
        "checked until they are corrected:",
        icon=":material/error:",
    )
    st.code("\n".join(mapping_problem), language=None)

job = st.session_state.get(JOB_KEY)
if job is not None:
    status = job.status()
    if status.report is None:
        _watch_job()
    else:
        _show_report(status.report)

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

# The Care Quality Commission's monthly ratings file (sgoversight.intake.cqc, ui.cqc).
from ui import cqc as cqc_ui  # noqa: E402

st.divider()
cqc_ui.ratings_upload(actor)
