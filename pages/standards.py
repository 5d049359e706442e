"""The six safeguarding standards: the quarterly scorecard, trends, breakdowns and the report."""

from __future__ import annotations

import streamlit as st

from sgoversight.auth import Permission
from sgoversight.narratives import sections
from sgoversight.periods import last_complete_quarter
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import national_return
from sgoversight.standards import rules as standards
from sgoversight.standards.report import (
    STANDARDS,
    breakdown_chart,
    change_on_previous,
    counted,
    quarterly_pdf,
    quarterly_xlsx,
    recent_quarters,
    shown_value,
    status_text,
    trend_chart,
)
from ui import cache
from ui import format as fmt
from ui.address import period_picker
from ui.context import engine, require, today
from ui.downloads import XLSX, prepared_download
from ui.report_text import narrative_form

PAGE = "standards"

actor = require(Permission.VIEW_STANDARDS)

st.title("Safeguarding standards")
st.caption(
    "The council's six safeguarding standards, measured each quarter against their targets and "
    "reported by the Principal Social Worker to the adult social care oversight board."
)

quarters = recent_quarters(last_complete_quarter(today()), 12)
quarter = period_picker(
    "Quarter",
    quarters,
    param="quarter",
    what="quarter",
    example="2026-Q3",
    format_func=lambda q: f"{q.label}: {fmt.long_date(q.start)} to {fmt.long_date(q.end)}",
    help=(
        "The most recent complete quarter is shown first. The address keeps the quarter, so a "
        "reload or a shared link shows the same one."
    ),
)
report = cache.quarterly(actor, quarter)
met, judged = report.met_summary()
st.markdown(
    f"**{met} of {judged}** measures with a target met it in {quarter.label}. "
    "Measures with no target are watched for change, not judged."
)


def status_markdown(status: str) -> str:
    """The status as icon and word; "Not met" in bold red as well, so it stands out by word, icon
    and weight, not by colour alone."""
    text = status_text(status)
    return f":red[**{text}**]" if status == "not_met" else text


by_standard = {name: [r for r in report.results if r.standard == name] for name in STANDARDS}
for row_start in (0, 3):
    columns = st.columns(3)
    for column, name in zip(columns, STANDARDS[row_start : row_start + 3], strict=True):
        with column.container(border=True):
            st.subheader(name)
            for result in by_standard[name]:
                target = "no target" if result.target is None else f"target {result.target:g}%"
                change = change_on_previous(report.series, result.measure_id, quarter.label)
                st.markdown(
                    f"**{shown_value(result)}** {status_markdown(result.status)}  \n"
                    f"{result.label}  \n"
                    f"{change}  \n"
                    f":gray[{result.measure_id} · {counted(result) or 'count'} · {target}]"
                )

st.header("Trends over 8 quarters")
st.caption("The solid line is the measure; the dashed line is its target.")
chosen_standard = st.segmented_control(
    "Standard", STANDARDS, default=STANDARDS[0], key="trend-standard"
)
shown = [r for r in report.results if r.standard == (chosen_standard or STANDARDS[0])]
columns = st.columns(2)
for index, result in enumerate(shown):
    with columns[index % 2]:
        target = "no target" if result.target is None else f"target {result.target:g}%"
        st.markdown(f"**{result.measure_id}** {result.label} :gray[({target})]")
        st.altair_chart(
            trend_chart(report.series, result.measure_id, title=""), width="stretch", height=200
        )

st.header("Who the concerns were about and who raised them")
TAB_NAMES = {
    "abuse_type": "Type of abuse",
    "referral_source": "Who raised them",
    "age_band": "Age band",
    "gender": "Gender",
    "ethnicity": "Ethnicity",
}
tabs = st.tabs([TAB_NAMES.get(f, title) for f, title in standards.BREAKDOWN_TITLES.items()])
for tab, (field, title) in zip(tabs, standards.BREAKDOWN_TITLES.items(), strict=True):
    with tab:
        frame = report.breakdowns[field]
        left, right = st.columns([1, 1])
        left.altair_chart(breakdown_chart(frame, quarter.label, title), width="stretch")
        right.dataframe(standards_frames.breakdown_table(frame), hide_index=True, width="stretch")

st.header("Quarterly report")
headings = sections("standards")
if actor.can(Permission.WRITE_REPORT_TEXT):
    narrative_form(
        actor,
        PAGE,
        "standards",
        quarter.label,
        labels=headings,
        submit="Save the report text",
        done=lambda changed: (
            f"Saved {changed} section{'s' if changed != 1 else ''}."
            if changed
            else "No change to save."
        ),
    )
else:
    for code, heading in headings.items():
        st.subheader(heading)
        text = report.narrative.get(code)
        if text:
            st.markdown(fmt.plain(text))
        else:
            st.caption("Not written yet.")

st.subheader("Download the report")
suppress = st.toggle(
    "For sharing outside the council (show counts below 5 as <5)",
    value=False,
    help="Small numbers can identify people. Switch this on for any copy that leaves the council.",
)
version = "shared" if suppress else "council"
left, right = st.columns(2)
left.download_button(
    "Download as Excel",
    lambda: quarterly_xlsx(report, suppress),  # built when clicked, not on every run
    file_name=f"safeguarding-standards-{quarter.label}-{version}.xlsx",
    mime=XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
prepared_download(
    right,
    key="standards-pdf",
    version=(quarter.label, suppress),
    prepare_label="Prepare the PDF",
    prepare_icon=":material/picture_as_pdf:",
    spinner="Drawing the charts…",
    build=lambda: quarterly_pdf(report, suppress),
    download_label="Download the PDF",
    file_name=f"safeguarding-standards-{quarter.label}-{version}.pdf",
)

st.header("Annual national return")
st.markdown(
    "The Safeguarding Adults Collection tables the council submits to NHS England each year, for "
    "the financial year April to March, built from the same records and mapped to the "
    "collection's published categories. The workbook's first sheet explains each table."
)
latest = today().year - 1 if today().month >= 4 else today().year - 2
left, middle, right = st.columns([1, 1, 1])
year = left.selectbox(
    "Financial year",
    list(range(latest, latest - 5, -1)),
    format_func=lambda y: national_return.financial_year(y).label,
)
return_suppress = middle.toggle("Show counts below 5 as <5", value=False, key="sac-suppress")
prepared_download(
    right,
    key="sac-return",
    version=(year, return_suppress),
    prepare_label="Prepare the return",
    prepare_icon=":material/assignment:",
    spinner="Counting the year's concerns and enquiries…",
    build=lambda: national_return.national_return_xlsx(
        national_return.national_return_from_database(engine(), year, actor=actor),
        year,
        return_suppress,
    ),
    download_label="Download the return (Excel)",
    file_name=f"safeguarding-adults-collection-{national_return.financial_year(year).label}"
    f"{'-suppressed' if return_suppress else ''}.xlsx",
    mime=XLSX,
)
