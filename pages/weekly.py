"""Weekly safeguarding data report: the figures commissioners and the safeguarding team share."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sgoversight.auth import Permission
from sgoversight.errors import BadInput
from sgoversight.intake.importing import ImportReport, import_file
from sgoversight.periods import last_complete_week
from sgoversight.search import matching
from sgoversight.weekly.output import (
    abuse_type_chart,
    alerts_chart,
    headline_table,
    location_chart,
    open_alerts_age_chart,
    provider_concerns_chart,
    recent_weeks,
    weekly_pdf,
    weekly_xlsx,
)
from ui import cache, writes
from ui import format as fmt
from ui.address import period_picker
from ui.context import engine, require, today
from ui.downloads import XLSX, prepared_download
from ui.navigation import link_to_page
from ui.report_text import narrative_form
from ui.table_search import found_line, search_box

PAGE = "weekly"

actor = require(Permission.VIEW_CONCERNS)

st.title("Weekly safeguarding data report")
st.caption(
    "The figures commissioners and the safeguarding team look at together each week to spot "
    "emerging risks in providers. Weeks run Monday to Sunday."
)

weeks = recent_weeks(last_complete_week(today()), 52)
week = period_picker(
    "Week",
    weeks,
    param="week",
    what="week",
    example="2026-W47",
    format_func=lambda w: f"{w.label}: {fmt.long_date(w.start)} to {fmt.long_date(w.end)}",
    help=(
        "The most recent complete week is shown first. Weeks are numbered as in the ISO "
        "calendar: 2026-W47 is the 47th week of 2026. The address keeps the week, so a reload "
        "or a shared link shows the same one."
    ),
)
pack = cache.weekly(actor, week)
report = pack.report

st.subheader("This week in numbers")
st.dataframe(
    headline_table(
        pack,
        {
            "concerns_received": "Safeguarding concerns received",
            "provider_concerns": "Concerns about a provider (of those received)",
            "enquiries_started": "Enquiries started",
            "enquiries_concluded": "Enquiries concluded",
            "alerts_raised": "Quality alerts raised",
            "alerts_closed": "Quality alerts closed",
            "open_alerts": "Quality alerts open at the week's end",
        },
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "Measure": st.column_config.TextColumn(width="large"),
        "12-week average": st.column_config.NumberColumn(
            format="%.1f",
            help="The average a week over the 12 weeks before this one (this week not included).",
        ),
    },
)
st.caption(
    "Concerns are safeguarding concerns; enquiries are the safeguarding enquiries of section 42 of "
    "the Care Act 2014. The 12-week average is over the 12 weeks before this one."
)

st.subheader("Significant issues this week")
if actor.can(Permission.WRITE_REPORT_TEXT):
    narrative_form(
        actor,
        PAGE,
        "weekly",
        week.label,
        labels={
            "significant_issues": (
                "What the safeguarding team wants both teams to know about this week"
            )
        },
        submit="Save the text",
        done=lambda changed: "Saved." if changed else "No change to save.",
        height=140,
    )
elif pack.significant_issues:
    st.markdown(fmt.plain(pack.significant_issues))
else:
    st.caption("The safeguarding team has not written anything for this week yet.")

st.subheader("Providers flagged this week")
flags = report.providers_flagged
if flags:
    st.markdown(
        f"**{len(flags)}** provider{'s' if len(flags) != 1 else ''} met a flag rule: 3 or more "
        "quality alerts and concerns about it in the week, a critical quality alert, or a concern "
        "of organisational abuse."
    )
    search = search_box(
        "Search provider name or why it was flagged",
        page=PAGE,
        placeholder="e.g. a provider's name, critical, organisational",
    )
    found = matching(flags, search, lambda f: [f.provider_name, f.provider_id, *f.reasons])
    if found_line(search, len(found), len(flags), "flagged providers"):
        flagged = pd.DataFrame(
            {
                "Provider": [f.provider_name for f in found],
                "Why flagged": ["; ".join(f.reasons) for f in found],
                "Alerts": [f.alerts_raised for f in found],
                "Concerns about it": [f.provider_concerns for f in found],
            }
        )
        st.dataframe(
            flagged,
            hide_index=True,
            width="stretch",
            column_config={"Why flagged": st.column_config.TextColumn(width="large")},
        )
    if actor.can(Permission.VIEW_BOARD):  # profiles are the Board's pages
        for flag in found:
            link_to_page(
                "pages/provider.py",
                f"{fmt.plain(flag.provider_name)}: open the profile",
                ":material/home_work:",
                {"provider": flag.provider_id},
            )
else:
    st.success("No provider met a flag rule this week.", icon=":material/check_circle:")

st.subheader("Concerns received this week")
left, right = st.columns(2)
left.altair_chart(abuse_type_chart(report), width="stretch")
right.altair_chart(location_chart(report), width="stretch")

st.subheader("The last 13 weeks")
st.altair_chart(provider_concerns_chart(pack.series), width="stretch", height=280)
st.altair_chart(alerts_chart(pack.series), width="stretch", height=280)

st.subheader("Open quality alerts")
left, right = st.columns([2, 1])
left.altair_chart(open_alerts_age_chart(pack.open_alerts_by_age), width="stretch", height=260)
right.dataframe(
    pack.open_alerts_by_age.rename(columns={"age": "Open for", "open_alerts": "Open alerts"}),
    hide_index=True,
)

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
    lambda: weekly_xlsx(pack, suppress),  # built when clicked, not on every run
    file_name=f"weekly-safeguarding-report-{report.week}-{version}.xlsx",
    mime=XLSX,
    icon=":material/table_view:",
    on_click="ignore",
)
prepared_download(
    right,
    key="weekly-pdf",
    version=(report.week, suppress),
    prepare_label="Prepare the PDF",
    prepare_icon=":material/picture_as_pdf:",
    spinner="Drawing the charts…",
    build=lambda: weekly_pdf(pack, suppress),
    download_label="Download as PDF",
    file_name=f"weekly-safeguarding-report-{report.week}-{version}.pdf",
)


def _save_extract(content: bytes, filename: str) -> None:
    """The Save button's callback: import the extract before the page reads again, so every
    figure, chart and download drawn next includes it."""

    def change() -> ImportReport:
        saved = import_file(
            engine(), "concerns", content, filename=filename, actor=actor, today=today()
        )
        if not saved.ok:
            raise BadInput(saved.summary())
        return saved

    writes.run(PAGE, change, lambda saved: saved.summary(), where="extract")


if actor.can(Permission.IMPORT_DATA):
    st.subheader("Add this week's concerns extract")
    st.markdown(
        "Upload the case system's concerns extract (CSV or Excel). It is checked row by row and "
        "you see what it would add and update **before** anything is saved. Headers your case "
        "system uses are read through the council's column mapping."
    )
    writes.show(PAGE, where="extract")
    uploaded = st.file_uploader("Concerns extract", type=["csv", "xlsx"], key="weekly-extract")
    if uploaded is not None:
        try:
            preview = import_file(
                engine(),
                "concerns",
                uploaded.getvalue(),
                filename=uploaded.name,
                actor=actor,
                dry_run=True,
                today=today(),
            )
        except BadInput as exc:
            st.error(fmt.plain(str(exc)))
            for problem in exc.problems:
                st.markdown(f"- {fmt.plain(problem)}")
            preview = None
        if preview is not None:
            for message in preview.unknown_column_messages():
                st.info(fmt.plain(message))
            if not preview.ok:
                st.error(fmt.plain(preview.summary()), icon=":material/error:")
                st.dataframe(
                    pd.DataFrame(
                        [
                            {"Row": p.row, "Column": p.column or "—", "Problem": p.message}
                            for p in preview.problems
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.markdown(
                    f"This extract would add **{fmt.whole(preview.created)}** new concerns, "
                    f"update **{fmt.whole(preview.updated)}** and leave "
                    f"**{fmt.whole(preview.unchanged)}** unchanged."
                )
                if preview.created_ids or preview.updated_ids:
                    st.dataframe(
                        pd.DataFrame(
                            {
                                "Concern": [*preview.created_ids, *preview.updated_ids],
                                "Change": ["New"] * len(preview.created_ids)
                                + ["Updated"] * len(preview.updated_ids),
                            }
                        ),
                        hide_index=True,
                        height=200,
                    )
                st.button(
                    "Save the extract",
                    type="primary",
                    icon=":material/upload:",
                    disabled=not (preview.created or preview.updated),
                    on_click=_save_extract,
                    args=(uploaded.getvalue(), uploaded.name),
                )
