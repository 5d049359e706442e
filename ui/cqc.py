"""Page pieces for the Care Quality Commission (CQC) ratings feed (sgoversight.intake.cqc).

- `ratings_upload`: the Data imports page's section to check or import the CQC's latest ratings
  file, and what it found: providers matched, quality alerts raised, possible gaps.
- `provider_ratings`: a provider profile's overall rating and five key questions, the age of the
  last inspection report and the rating history.
- `old_inspections`: the Board's list of providers whose last inspection report is older than
  the configured number of years.

Each checks its permission in the domain functions it calls; the import runs in its button's
callback (ui.writes' rule), so the page that follows already reads the new ratings.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sgoversight.auth import Actor, PermissionDenied
from sgoversight.errors import BadInput
from sgoversight.intake import cqc
from sgoversight.intake.cqc_config import load_cqc_config
from sgoversight.vocabulary import CQC_RATING, SEVERITY
from ui import format as fmt
from ui.context import engine, today

UPLOAD_KEY = "cqc_ratings_upload"
REPORT_KEY = "cqc_ratings_report"
ERROR_KEY = "cqc_ratings_error"
#: A rating also as a word and an icon, so it reads in greyscale.
RATING_ICONS = {
    "outstanding": "★",
    "good": "✔",
    "requires_improvement": "▲",
    "inadequate": "✖",
}


def rating_words(code: str | None, wording: str | None = None) -> str:
    """A rating as shown: icon and label, or the CQC's own wording when not rated."""
    if code is None:
        return wording or "Not rated"
    return f"{RATING_ICONS.get(code, '')} {CQC_RATING.label(code)}".strip()


# --- Data imports ---------------------------------------------------------------------------------


def _import(actor: Actor, dry_run: bool) -> None:
    """The buttons' callback: check or import the uploaded file and keep the report."""
    st.session_state.pop(REPORT_KEY, None)
    st.session_state.pop(ERROR_KEY, None)
    uploaded = st.session_state.get(UPLOAD_KEY)
    if uploaded is None:
        return
    try:
        st.session_state[REPORT_KEY] = cqc.import_ratings(
            engine(),
            uploaded.getvalue(),
            filename=uploaded.name,
            actor=actor,
            dry_run=dry_run,
            today=today(),
        )
    except (BadInput, PermissionDenied) as exc:
        st.session_state[ERROR_KEY] = str(exc)


def ratings_upload(actor: Actor) -> None:
    """The section of the Data imports page for the CQC's monthly latest ratings file."""
    st.subheader("Care Quality Commission (CQC) ratings")
    st.markdown(
        "Each month the Care Quality Commission (CQC) publishes the latest rating of every "
        "registered service in England (the *latest ratings* spreadsheet, XLSX or ODS). Upload "
        "it here: the ratings of the providers whose CQC location id is in the register are "
        "recorded (overall and the five key questions), a fall in a provider's rating raises a "
        "quality alert, and services in the council's area that are missing from the register "
        "are listed. **Check** shows what would happen and saves nothing."
    )
    uploaded = st.file_uploader("CQC latest ratings file", type=["xlsx", "ods"], key=UPLOAD_KEY)
    left, right = st.columns(2)
    left.button(
        "Check the ratings file",
        icon=":material/fact_check:",
        disabled=uploaded is None,
        width="stretch",
        on_click=_import,
        args=(actor, True),
        key="cqc_check",
    )
    right.button(
        "Import the ratings",
        icon=":material/upload:",
        type="primary",
        disabled=uploaded is None,
        width="stretch",
        on_click=_import,
        args=(actor, False),
        key="cqc_import",
    )
    if (error := st.session_state.get(ERROR_KEY)) is not None:
        st.error(error, icon=":material/error:")
    report = st.session_state.get(REPORT_KEY)
    if isinstance(report, cqc.CqcImportReport):
        show_report(report)


def show_report(report: cqc.CqcImportReport) -> None:
    """What a ratings import found: problems, or providers matched, alerts raised and gaps."""
    if not report.ok:
        st.error(report.summary(), icon=":material/error:")
        st.dataframe(
            pd.DataFrame(
                [{"Row": p.row, "Column": p.column, "Problem": p.message} for p in report.problems]
            ),
            hide_index=True,
            width="stretch",
        )
        return
    st.success(report.summary(), icon=":material/check_circle:")
    title = "Quality alerts that would be raised" if report.dry_run else "Quality alerts raised"
    st.markdown(f"**{title} ({len(report.alerts):,})**")
    if report.alerts:
        st.dataframe(
            pd.DataFrame(
                {
                    "Alert": [a.alert_id or "(not saved)" for a in report.alerts],
                    "Provider": [a.provider_name for a in report.alerts],
                    "Severity": [SEVERITY.label(a.severity) for a in report.alerts],
                    "Summary": [a.summary for a in report.alerts],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No rating fell and no key question was newly rated Inadequate.")
    st.markdown(f"**Providers matched ({len(report.matched):,})**")
    if report.matched:
        st.caption("Those with a change that raises an alert first, then those with new ratings.")
        matched = sorted(
            report.matched, key=lambda m: (not m.changes, not m.new_ratings, m.name.casefold())
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Provider": [m.name for m in matched],
                    "CQC location id": [m.location_id for m in matched],
                    "Overall rating": [rating_words(m.overall, m.overall_text) for m in matched],
                    "Last report published": [
                        fmt.long_date(m.last_published) if m.last_published else "—"
                        for m in matched
                    ],
                    "New ratings": [m.new_ratings for m in matched],
                    "What changed": ["; ".join(m.changes) or "—" for m in matched],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No provider in the register has a CQC location id found in this file.")
    where = report.local_authority or "the council's area"
    st.markdown(
        f"**Registered with the CQC in {where} but not in the register ({len(report.gaps):,})**"
    )
    if report.gaps:
        st.caption(
            "Possible gaps in the register: check whether the council commissions or oversees "
            "these services. They are not imported."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Service": [g.name for g in report.gaps],
                    "CQC location id": [g.location_id for g in report.gaps],
                    "Care home": [g.care_home or "—" for g in report.gaps],
                    "Post code": [g.post_code or "—" for g in report.gaps],
                    "Overall rating": [g.overall or "—" for g in report.gaps],
                    "Registered provider": [g.provider_name or "—" for g in report.gaps],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if report.not_in_file:
        st.markdown(f"**In the register but not found in the file ({len(report.not_in_file):,})**")
        st.caption("Check the CQC location id in the providers file.")
        st.dataframe(
            pd.DataFrame(
                report.not_in_file, columns=["Provider id", "Provider", "CQC location id"]
            ),
            hide_index=True,
            width="stretch",
        )


# --- the provider profile -------------------------------------------------------------------------


def provider_ratings(actor: Actor, provider_id: str, on: dt.date | None = None) -> None:
    """A provider's CQC ratings: overall and the five key questions, the last report's date and
    age (with a warning past the configured years), the link, and every recorded change."""
    on = on or today()
    found = cqc.provider_ratings(engine(), actor, provider_id)
    st.subheader("Care Quality Commission (CQC) ratings")
    if not found.current:
        hint = (
            f"CQC location id {found.location_id}: no rating imported yet."
            if found.location_id
            else "No CQC location id in the register, so no published rating is imported."
        )
        st.caption(hint)
        return
    columns = st.columns(len(found.current))
    for column, (code, rating) in zip(columns, found.current.items(), strict=True):
        box = column.container(border=True)
        box.caption(cqc.KEY_QUESTION.label(code))
        box.markdown(f"**{fmt.plain(rating_words(rating.rating, rating.rating_text))}**")
    last = found.last_published
    if last is not None:
        line = (
            f"Last inspection report published {fmt.long_date(last)} "
            f"({cqc.inspection_age(last, on)})."
        )
        if found.report_url:
            line += f" [Read the CQC report]({found.report_url})"
        years = load_cqc_config().inspection_older_than_years
        if last < cqc.years_ago(on, years):
            st.warning(f"{line} That is more than {years} years ago.", icon=":material/history:")
        else:
            st.markdown(line)
    with st.expander(f"Rating history ({len(found.history):,} changes recorded)"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Published": [
                        fmt.long_date(r.published_on) if r.published_on else "—"
                        for r in found.history
                    ],
                    "Key question": [cqc.KEY_QUESTION.label(r.key_question) for r in found.history],
                    "Rating": [rating_words(r.rating, r.rating_text) for r in found.history],
                    "Recorded": [fmt.long_date(r.recorded_at.date()) for r in found.history],
                }
            ),
            hide_index=True,
            width="stretch",
        )


# --- the Board ------------------------------------------------------------------------------------


def old_inspections(actor: Actor, on: dt.date | None = None, years: int | None = None) -> None:
    """The Board's list of providers whose last CQC inspection report is older than `years`
    (config `inspection_older_than_years`), oldest first."""
    on = on or today()
    years = years if years is not None else load_cqc_config().inspection_older_than_years
    found = cqc.old_inspections(engine(), actor, on, years)
    st.subheader(f"Last CQC inspection more than {years} years ago")
    if not found:
        st.caption(f"Every rated provider's last CQC report is from the last {years} years.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Provider": [o.name for o in found],
                "CQC location id": [o.location_id for o in found],
                "Last report published": [fmt.long_date(o.last_published) for o in found],
                "How long ago": [cqc.inspection_age(o.last_published, on) for o in found],
                "Overall rating": [rating_words(o.overall) for o in found],
            }
        ),
        hide_index=True,
        width="stretch",
    )
