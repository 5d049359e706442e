"""The weekly safeguarding data report as the two teams read it: this week's figures beside the
previous week and the 12-week average, charts, flagged providers, open alerts by age, the
significant-issues text, and the XLSX and PDF versions.

Every count comes from sgoversight.weekly.rules (CONTRACT.md section 4), so the page, the command
line and the exports agree; this module only turns its results into tables, charts and files.
Rules stated here:
- The 12-week average is the mean of the 12 ISO weeks before the chosen week (the chosen week not
  included), rounded to 1 decimal.
- On screen the headline is one table: this week, the previous week, the change in words with an
  arrow ("▲ 2 more", "▼ 1 fewer", "= same") and the 12-week average as a column of its own.
- Open alerts by age: sgoversight.weekly.rules.open_alerts_by_age at the week's last day.
- Versions shared outside the council suppress every count below 5 (shown as `<5`), averages
  included, and the flagged providers' reasons never reveal a small count.
- Their charts are kept: a count below 5 is drawn as a dashed, unfilled bar reaching 5 and
  labelled `<5`, so it reads as "fewer than 5" without a legend. The count itself never enters
  the chart's data (its bars, labels and tooltips are built from the suppressed figures only),
  so it cannot be read back from the chart or the file it is drawn into.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from sgoversight.auth import Actor, Permission
from sgoversight.exporting import (
    SUPPRESSED,
    SUPPRESSION_THRESHOLD,
    chart_png,
    suppress_count,
    to_xlsx_bytes,
)
from sgoversight.narratives import read_narrative
from sgoversight.pdf import PdfReport
from sgoversight.periods import Period, add_weeks
from sgoversight.vocabulary import ABUSE_TYPE, LOCATION
from sgoversight.weekly import read as weekly_read
from sgoversight.weekly.config import WeeklyConfig, load_weekly_config
from sgoversight.weekly.rules import (
    AGE_BANDS,
    COUNT_NAMES,
    HEADLINE_LABELS,
    SeriesWeek,
    WeeklyReport,
    WeeklyRows,
    as_week,
    flag_reasons,
    open_alerts_by_age,
    weekly_report,
    weekly_series,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

AVERAGE_WEEKS = 12
# Two colours that differ in lightness as well as hue, so charts read in greyscale.
RAISED_COLOUR, CLOSED_COLOUR = "#1f4e79", "#9ecae1"


@dataclass(frozen=True)
class WeeklyPack:
    """Everything the weekly page and its exports show for one week."""

    report: WeeklyReport
    series: pd.DataFrame  # the 12 weeks before and the week itself, oldest first
    open_alerts_by_age: pd.DataFrame  # columns: age, open_alerts
    significant_issues: str
    config: WeeklyConfig

    @property
    def previous(self) -> pd.Series:
        """The previous week's headline counts."""
        return self.series.iloc[-2]

    @property
    def average(self) -> dict[str, float]:
        """The mean of each headline count over the 12 weeks before the chosen week."""
        before = self.series.iloc[:-1]
        return {name: round(float(before[name].mean()), 1) for name in COUNT_NAMES}

    def headline(self) -> pd.DataFrame:
        """Measure, this week, previous week, change, 12-week average: one row per count."""
        average = self.average
        rows = []
        for name in COUNT_NAMES:
            now, before = int(getattr(self.report, name)), int(self.previous[name])
            rows.append(
                {
                    "measure": name,
                    "Measure": HEADLINE_LABELS[name].strip(),
                    "This week": now,
                    "Previous week": before,
                    "Change on previous week": now - before,
                    "12-week average": average[name],
                }
            )
        return pd.DataFrame(rows)


def change_words(change: int) -> str:
    """A week-on-week change as read without a legend: '▲ 2 more', '▼ 1 fewer' or '= same'."""
    if change > 0:
        return f"▲ {change:,} more"
    if change < 0:
        return f"▼ {-change:,} fewer"
    return "= same"


HEADLINE_COLUMNS = [
    "Measure",
    "This week",
    "Previous week",
    "Change on the previous week",
    "12-week average",
]


def headline_table(pack: WeeklyPack, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The headline as the page shows it: one row per count (named by `labels`, else by
    HEADLINE_LABELS), with the change in words and the 12-week average as its own column."""
    headline = pack.headline()
    names = labels or {name: HEADLINE_LABELS[name].strip() for name in COUNT_NAMES}
    return pd.DataFrame(
        {
            "Measure": headline["measure"].map(names),
            "This week": headline["This week"],
            "Previous week": headline["Previous week"],
            "Change on the previous week": headline["Change on previous week"].map(change_words),
            "12-week average": headline["12-week average"],
        },
        columns=HEADLINE_COLUMNS,
    )


def series_frame(series: tuple[SeriesWeek, ...]) -> pd.DataFrame:
    """The series as a table: week (label), start, end (dates), then the counts of COUNT_NAMES."""
    return pd.DataFrame(
        [
            {"week": row.week, "start": row.start, "end": row.end} | asdict(row.counts)
            for row in series
        ],
        columns=["week", "start", "end", *COUNT_NAMES],
    )


def open_alerts_frame(by_age: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    """Open alerts by age as a table: columns age, open_alerts (every band, zeros included)."""
    return pd.DataFrame(
        [{"age": label, "open_alerts": count} for label, count in by_age],
        columns=["age", "open_alerts"],
    )


def build_pack(
    rows: WeeklyRows,
    week: Period | str,
    config: WeeklyConfig,
    significant_issues: str = "",
) -> WeeklyPack:
    """The pack for `week` from rows already read (no database: tests build the rows by hand)."""
    week = as_week(week)
    return WeeklyPack(
        report=weekly_report(rows, week, config),
        series=series_frame(weekly_series(rows, week, AVERAGE_WEEKS + 1)),
        open_alerts_by_age=open_alerts_frame(open_alerts_by_age(rows.alerts, week.end)),
        significant_issues=significant_issues,
        config=config,
    )


def weekly_pack(
    engine: Engine, actor: Actor, week: Period | str, config: WeeklyConfig | None = None
) -> WeeklyPack:
    """The pack for `week` as `actor` may see it: needs the permission to see concerns."""
    actor.require(Permission.VIEW_CONCERNS)
    week = as_week(week)
    first = add_weeks(week, -AVERAGE_WEEKS)
    span = Period(first.start, week.end, f"{first.label} to {week.label}")
    with weekly_read.connection_for(engine) as connection:
        rows = weekly_read.read_rows(connection, span, actor.provider_scope())
    text = read_narrative(engine, actor, "weekly", week.label)["significant_issues"]
    return build_pack(rows, week, config or load_weekly_config(), text)


def recent_weeks(last: Period, count: int = 52) -> list[Period]:
    """The `count` ISO weeks ending with `last`, newest first (for the week picker)."""
    return [add_weeks(last, -back) for back in range(count)]


# --- charts ---------------------------------------------------------------------------------------


#: What a chart says under a bar whose count is suppressed, and in its subtitle.
SUPPRESSED_NOTE = "Dashed bars marked <5: fewer than 5, not shown exactly."


def _chart_counts(frame: pd.DataFrame, column: str, suppress: bool) -> pd.DataFrame:
    """`frame` with `column` made the bar's height, plus `Shown` (the label: the count, or `<5`)
    and `Suppressed`. With `suppress`, a count below 5 is replaced by 5 (a bar reaching the
    threshold) and `<5`: the count itself is dropped here, before any chart sees the data."""
    counts = frame[column].astype(int)
    hidden = counts < SUPPRESSION_THRESHOLD if suppress else pd.Series(False, index=frame.index)
    result = frame.copy()
    result[column] = counts.where(~hidden, SUPPRESSION_THRESHOLD).astype(int)
    result["Shown"] = counts.map(lambda n: f"{n:,}").where(~hidden, SUPPRESSED)
    result["Suppressed"] = hidden.astype(bool)
    return result


def _marked_bars(base: alt.Chart, colour: alt.Fill | str) -> alt.Chart:
    """Bars filled in `colour`; a suppressed bar is unfilled with a dashed outline instead."""
    fill = colour if not isinstance(colour, str) else alt.value(colour)
    return base.mark_bar(stroke=RAISED_COLOUR, strokeWidth=1).encode(
        fill=alt.condition("datum.Suppressed", alt.value("#ffffff"), fill),
        strokeDash=alt.condition("datum.Suppressed", alt.value([4, 3]), alt.value([1, 0])),
    )


def _title_with_note(title: str, suppress: bool) -> alt.Title | str:
    return alt.Title(title, subtitle=SUPPRESSED_NOTE) if suppress else title


def _breakdown_frame(values: dict[str, int], labels: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"Category": [labels.get(code, code) for code in values], "Concerns": list(values.values())}
    )
    return frame.sort_values(["Concerns", "Category"], ascending=[False, True])


def _bar(frame: pd.DataFrame, title: str, suppress: bool = False) -> alt.LayerChart:
    data = _chart_counts(frame, "Concerns", suppress)
    base = alt.Chart(data, title=_title_with_note(title, suppress)).encode(
        y=alt.Y("Category:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("Concerns:Q", title="Concerns received", axis=alt.Axis(tickMinStep=1)),
        tooltip=["Category", alt.Tooltip("Shown:N", title="Concerns")],
    )
    bars = _marked_bars(base, RAISED_COLOUR)
    labels = base.mark_text(align="left", dx=3, color="#1b1b1b").encode(text="Shown:N")
    return (bars + labels).properties(width="container", height=alt.Step(22))


def abuse_type_chart(report: WeeklyReport, suppress: bool = False) -> alt.LayerChart:
    """This week's concerns by abuse type, largest first, every type listed (counts below 5
    marked, not shown, when `suppress`)."""
    labels = {code: ABUSE_TYPE.label(code) for code in report.concerns_by_abuse_type}
    frame = _breakdown_frame(report.concerns_by_abuse_type, labels)
    return _bar(frame, "By type of abuse", suppress)


def location_chart(report: WeeklyReport, suppress: bool = False) -> alt.LayerChart:
    """This week's concerns by location of risk, largest first (counts below 5 marked, not
    shown, when `suppress`)."""
    labels = {code: LOCATION.label(code) for code in report.concerns_by_location}
    frame = _breakdown_frame(report.concerns_by_location, labels)
    return _bar(frame, "By location of risk", suppress)


def _week_starting(series: pd.DataFrame) -> pd.Series:
    """Each week as the day it starts ('16 Nov'), which reads better than an ISO week number."""
    return series["start"].map(lambda day: f"{day.day} {day:%b}")


def provider_concerns_chart(series: pd.DataFrame, suppress: bool = False) -> alt.LayerChart:
    """Concerns whose source of risk was a service provider, per week over the series: a line,
    or with `suppress` bars (a line through a marked bar would draw a count that is not known)."""
    frame = series[["week", "provider_concerns"]].rename(
        columns={"week": "Week", "provider_concerns": "Concerns about providers"}
    )
    frame["Week starting"] = _week_starting(series)
    data = _chart_counts(frame, "Concerns about providers", suppress)
    title = _title_with_note("Concerns about providers, week by week", suppress)
    base = alt.Chart(data, title=title).encode(
        x=alt.X(
            "Week starting:N",
            sort=list(frame["Week starting"]),
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("Concerns about providers:Q", axis=alt.Axis(tickMinStep=1)),
        tooltip=["Week", "Week starting", alt.Tooltip("Shown:N", title="Concerns about providers")],
    )
    if suppress:
        marks = _marked_bars(base, RAISED_COLOUR)
    else:
        marks = base.mark_line(color=RAISED_COLOUR, point=alt.OverlayMarkDef(color=RAISED_COLOUR))
    labels = base.mark_text(dy=-9, color="#1b1b1b").encode(text="Shown:N")
    return (marks + labels).properties(width="container", height=220)


def alerts_chart(series: pd.DataFrame, suppress: bool = False) -> alt.LayerChart:
    """Quality alerts raised and closed per week, side by side, over the series (counts below 5
    marked, not shown, when `suppress`; then each bar is labelled too)."""
    frame = series[["week", "alerts_raised", "alerts_closed"]].melt(
        id_vars="week", var_name="what", value_name="Alerts"
    )
    frame["What"] = frame["what"].map({"alerts_raised": "Raised", "alerts_closed": "Closed"})
    starts = dict(zip(series["week"], _week_starting(series), strict=True))
    frame["Week starting"] = frame["week"].map(starts)
    frame = frame.drop(columns="what").rename(columns={"week": "Week"})
    data = _chart_counts(frame, "Alerts", suppress)
    scale = alt.Scale(domain=["Raised", "Closed"], range=[RAISED_COLOUR, CLOSED_COLOUR])
    base = alt.Chart(
        data, title=_title_with_note("Quality alerts raised and closed, week by week", suppress)
    ).encode(
        x=alt.X("Week starting:N", sort=list(starts.values()), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("What:N", sort=["Raised", "Closed"]),
        y=alt.Y("Alerts:Q", axis=alt.Axis(tickMinStep=1)),
        tooltip=["Week", "Week starting", "What", alt.Tooltip("Shown:N", title="Alerts")],
    )
    bars = _marked_bars(
        base,
        alt.Fill(
            "What:N",
            sort=["Raised", "Closed"],
            scale=scale,
            legend=alt.Legend(title=None, orient="top"),
        ),
    )
    layers = [bars]
    if suppress:
        layers.append(base.mark_text(dy=-6, fontSize=8, color="#1b1b1b").encode(text="Shown:N"))
    return alt.layer(*layers).properties(width="container", height=220)


def open_alerts_age_chart(by_age: pd.DataFrame, suppress: bool = False) -> alt.LayerChart:
    """Open alerts at the week's end by how long they have been open (counts below 5 marked,
    not shown, when `suppress`)."""
    frame = by_age.rename(columns={"age": "Open for", "open_alerts": "Open alerts"})
    data = _chart_counts(frame, "Open alerts", suppress)
    title = _title_with_note("Open quality alerts by how long they have been open", suppress)
    base = alt.Chart(data, title=title).encode(
        x=alt.X("Open for:N", sort=[band[0] for band in AGE_BANDS], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Open alerts:Q", axis=alt.Axis(tickMinStep=1)),
        tooltip=["Open for", alt.Tooltip("Shown:N", title="Open alerts")],
    )
    bars = _marked_bars(base, RAISED_COLOUR)
    labels = base.mark_text(dy=-7, color="#1b1b1b").encode(text="Shown:N")
    return (bars + labels).properties(width="container", height=220)


# --- exports --------------------------------------------------------------------------------------


def _suppress_average(value: float, suppress: bool) -> object:
    return SUPPRESSED if suppress and value < 5 else value


def export_tables(pack: WeeklyPack, suppress: bool) -> dict[str, pd.DataFrame]:
    """The report's tables, with counts below 5 shown as `<5` when `suppress` is on."""
    count = (lambda n: suppress_count(int(n))) if suppress else (lambda n: int(n))
    headline = pack.headline()
    summary = pd.DataFrame(
        {
            "Measure": headline["Measure"],
            "This week": headline["This week"].map(count),
            "Previous week": headline["Previous week"].map(count),
            "12-week average": headline["12-week average"].map(
                lambda v: _suppress_average(v, suppress)
            ),
        }
    )
    if not suppress:
        summary.insert(3, "Change on previous week", headline["Change on previous week"])
    report = pack.report
    abuse = pd.DataFrame(
        {
            "Type of abuse": [ABUSE_TYPE.label(c) for c in report.concerns_by_abuse_type],
            "Concerns received": [count(n) for n in report.concerns_by_abuse_type.values()],
        }
    )
    location = pd.DataFrame(
        {
            "Location of risk": [LOCATION.label(c) for c in report.concerns_by_location],
            "Concerns received": [count(n) for n in report.concerns_by_location.values()],
        }
    )
    shown = (lambda n: str(suppress_count(n))) if suppress else None
    flagged = pd.DataFrame(
        [
            {
                "Provider": flag.provider_name,
                "Provider id": flag.provider_id,
                "Why flagged": "; ".join(
                    flag_reasons(
                        flag.alerts_raised,
                        flag.provider_concerns,
                        flag.critical_alerts,
                        flag.organisational_concerns,
                        pack.config,
                        shown,
                        cqc_alerts=flag.cqc_alerts,
                    )
                ),
            }
            for flag in report.providers_flagged
        ],
        columns=["Provider", "Provider id", "Why flagged"],
    )
    series = pack.series.rename(
        columns={"week": "Week", "start": "From", "end": "To"}
        | {name: HEADLINE_LABELS[name].strip() for name in COUNT_NAMES}
    )
    for name in COUNT_NAMES:
        column = HEADLINE_LABELS[name].strip()
        series[column] = series[column].map(count)
    ages = pd.DataFrame(
        {
            "Open for": pack.open_alerts_by_age["age"],
            "Open quality alerts": pack.open_alerts_by_age["open_alerts"].map(count),
        }
    )
    return {
        "Summary": summary,
        "By type of abuse": abuse,
        "By location of risk": location,
        "Providers flagged": flagged,
        "13 weeks": series,
        "Open alerts by age": ages,
        "Significant issues": pd.DataFrame(
            {"Significant issues this week": [pack.significant_issues or "None recorded."]}
        ),
    }


def _title(pack: WeeklyPack) -> tuple[str, str]:
    report = pack.report
    return (
        f"Weekly safeguarding data report {report.week}",
        f"Monday {report.start.day} {report.start:%B %Y} to Sunday {report.end.day} "
        f"{report.end:%B %Y}",
    )


def _sharing_note(suppress: bool) -> str:
    return (
        "For sharing outside the council: counts below 5 are shown as <5."
        if suppress
        else "Council use only: contains small numbers. Switch on suppression before sharing "
        "outside the council."
    )


def weekly_xlsx(pack: WeeklyPack, suppress: bool = False) -> bytes:
    """The week's report as a workbook, one sheet per table, formulas neutralised."""
    title, dates = _title(pack)
    note = f"{title}: {dates}. {_sharing_note(suppress)}"
    tables = export_tables(pack, suppress)
    return to_xlsx_bytes(tables, notes=dict.fromkeys(tables, note))


def weekly_pdf(pack: WeeklyPack, suppress: bool = False) -> bytes:
    """The week's report as an A4 PDF: headline table, significant issues, flagged providers,
    breakdowns and charts. Charts carry their numbers as labels, so they read in greyscale; with
    suppression on they are drawn from the suppressed figures (a count below 5 is a dashed bar
    marked <5), so they keep their shape without showing a small count."""
    title, dates = _title(pack)
    tables = export_tables(pack, suppress)
    pdf = PdfReport(title, f"{dates}. {_sharing_note(suppress)}")
    pdf.heading("This week in numbers")
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    summary = tables["Summary"]
    rest = (usable - 75) / (len(summary.columns) - 1)
    pdf.table(summary, widths=[75] + [rest] * (len(summary.columns) - 1), font_size=9)
    pdf.heading("Significant issues this week")
    pdf.paragraph(pack.significant_issues or "None recorded.")
    pdf.heading("Providers flagged this week")
    if tables["Providers flagged"].empty:
        pdf.paragraph("No provider met a flag rule this week.")
    else:
        pdf.table(tables["Providers flagged"], widths=[55, 25, usable - 80])
    pdf.heading("Concerns received this week")
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.table(tables["By type of abuse"], widths=[half * 1.3, half * 0.7])
    pdf.table(tables["By location of risk"], widths=[half * 1.3, half * 0.7])
    pdf.heading("Open quality alerts by how long they have been open")
    pdf.table(tables["Open alerts by age"], widths=[half * 1.3, half * 0.7])
    pdf.add_page()
    pdf.heading("The last 13 weeks")
    for chart in shared_charts(pack, suppress):
        pdf.image_png(chart_png(chart.properties(width=640)), width=170)
    return pdf.to_bytes()


def shared_charts(pack: WeeklyPack, suppress: bool) -> list[alt.TopLevelMixin]:
    """The charts a downloaded report carries, drawn from suppressed figures when `suppress`."""
    return [
        provider_concerns_chart(pack.series, suppress),
        alerts_chart(pack.series, suppress),
        abuse_type_chart(pack.report, suppress),
    ]
