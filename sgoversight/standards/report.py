"""The quarterly safeguarding standards report: scorecard, trends, breakdowns and the Principal
Social Worker's narrative, on the page and as PDF and XLSX.

Every figure comes from sgoversight.standards.rules (CONTRACT.md section 5). Rules stated here:
- A status is always shown as a word with an icon: Met ✔, Not met ✖, No data –, No target ○
  (a measure without a target, watched for change; never an arrow, which would read as "rising").
- Each measure's change on the previous quarter is this quarter's shown value minus the previous
  quarter's (percentage points for a percentage, a difference of counts for a count), said in
  words with ▲ or ▼; "no figure to compare" when either quarter has no value. The council's
  files carry it as a column of the scorecard; shared files leave it out, since the change of a
  count can reveal a count below 5.
- Trend charts show the measure over 8 quarters with its target as a dashed rule; quarters with
  no data are gaps, not zeros.
- Versions shared outside the council suppress counts below 5 (`<5`), as the scorecard's own
  suppression step does; breakdown tables likewise; charts of breakdowns are left out of the
  shared PDF, since their labels would show small counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
from sqlalchemy import Engine

from sgoversight.auth import Actor
from sgoversight.exporting import chart_png, suppress_count, to_xlsx_bytes
from sgoversight.narratives import read_narrative, sections
from sgoversight.pdf import PdfReport
from sgoversight.periods import Period, add_quarters
from sgoversight.standards import frames as standards_frames
from sgoversight.standards import results as standards_results
from sgoversight.standards import rules as standards

STATUS_ICON = {"met": "✔", "not_met": "✖", "no_data": "–", "trend": "○"}
STANDARDS = (
    "Empowerment",
    "Prevention",
    "Protection",
    "Proportionality",
    "Accountability",
    "Partnership",
)
LINE_COLOUR, TARGET_COLOUR = "#1f4e79", "#6b6b6b"


def status_text(status: str) -> str:
    """The status as icon and word, e.g. '✔ Met'."""
    return f"{STATUS_ICON[status]} {standards.STATUS_LABELS[status]}"


def change_on_previous(series: pd.DataFrame, measure_id: str, quarter: str) -> str:
    """The measure's change from the quarter before `quarter` to `quarter`, in words: e.g.
    '▲ up 2.5 points on 2026-Q2', '▼ down 3 on 2026-Q2' (a count), '= same as 2026-Q2', or
    'no figure to compare with 2026-Q2' when either quarter has no value. Up and down say only
    the direction, not whether it is good: that depends on the measure."""
    rows = series[series["measure_id"] == measure_id].reset_index(drop=True)
    position = rows.index[rows["quarter"] == quarter]
    if len(position) == 0 or position[0] == 0:
        return "no earlier quarter to compare with"
    now, before = rows.iloc[position[0]], rows.iloc[position[0] - 1]
    previous = str(before["quarter"])
    if pd.isna(now["value"]) or pd.isna(before["value"]):
        return f"no figure to compare with {previous}"
    is_count = pd.isna(now["denominator"])
    difference = (
        int(now["value"]) - int(before["value"])
        if is_count
        else round(float(now["value"]) - float(before["value"]), 1)
    )
    if difference == 0:
        return f"= same as {previous}"
    size = abs(difference)
    amount = f"{size:,}" if is_count else f"{size:.1f} point{'' if size == 1 else 's'}"
    if difference > 0:
        return f"▲ up {amount} on {previous}"
    return f"▼ down {amount} on {previous}"


@dataclass(frozen=True)
class QuarterlyReport:
    """Everything the standards page and its exports show for one quarter."""

    quarter: Period
    results: list[standards.MeasureResult]
    series: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    narrative: dict[str, str]

    def met_summary(self) -> tuple[int, int]:
        """(measures met, measures with a target and data) this quarter."""
        judged = [r for r in self.results if r.status in {"met", "not_met"}]
        return sum(r.status == "met" for r in judged), len(judged)


def quarterly_report(engine: Engine, actor: Actor, quarter: Period | str) -> QuarterlyReport:
    """The quarter's scorecard, 8-quarter series and breakdowns as stored for the current data
    (worked out and stored when they are not: standards_results.quarter_series, which checks the
    permission to see the standards), and its narrative."""
    quarter = standards.as_quarter(quarter)
    series = standards_results.quarter_series(engine, quarter, actor=actor)
    return QuarterlyReport(
        quarter=quarter,
        results=series[-1].measures,
        series=standards_frames.series_frame((q.quarter, q.measures) for q in series),
        breakdowns=standards_frames.breakdown_frames(
            standards.breakdown_layout([(q.quarter, q.breakdowns) for q in series])
        ),
        narrative=read_narrative(engine, actor, "standards", quarter.label),
    )


def recent_quarters(last: Period, count: int = 12) -> list[Period]:
    """The `count` quarters ending with `last`, newest first (for the quarter picker)."""
    return [add_quarters(last, -back) for back in range(count)]


def shown_value(result: standards.MeasureResult, suppress: bool = False) -> str:
    """The value as read on screen: '87.5%', a count, or '–' when there is no data."""
    if result.value is None:
        return "–"
    if result.denominator is None:  # a count measure
        return str(suppress_count(int(result.value)) if suppress else f"{int(result.value):,}")
    return f"{result.value:.1f}%"


def counted(result: standards.MeasureResult, suppress: bool = False) -> str:
    """'42 of 48' for a percentage measure, '' for a count."""
    if result.denominator is None:
        return ""
    show = (lambda n: str(suppress_count(n))) if suppress else (lambda n: f"{n:,}")
    return f"{show(result.numerator)} of {show(result.denominator)}"


def scorecard_table(results: list[standards.MeasureResult], suppress: bool = False) -> pd.DataFrame:
    """The scorecard as people read it: one row per measure, status as icon and word."""
    return pd.DataFrame(
        {
            "Standard": [r.standard for r in results],
            "Measure": [r.measure_id for r in results],
            "What it measures": [r.label for r in results],
            "Value": [shown_value(r, suppress) for r in results],
            "Counted": [counted(r, suppress) for r in results],
            "Target": ["–" if r.target is None else f"{r.target:g}%" for r in results],
            "Status": [status_text(r.status) for r in results],
        }
    )


def trend_chart(series: pd.DataFrame, measure_id: str, title: str | None = None) -> alt.LayerChart:
    """One measure over the series' quarters, its target as a dashed rule (`title` "" for none;
    by default the measure id and label)."""
    frame = series[series["measure_id"] == measure_id]
    label = frame["label"].iloc[-1] if not frame.empty else measure_id
    is_count = frame["denominator"].isna().all()
    y_title = "Count" if is_count else "Per cent"
    data = pd.DataFrame(
        {
            "Quarter": frame["quarter"],
            "Value": pd.to_numeric(frame["value"], errors="coerce"),
            "Target": pd.to_numeric(frame["target"], errors="coerce"),
        }
    )
    base = alt.Chart(data, title=f"{measure_id}: {label}" if title is None else title)
    line = base.mark_line(color=LINE_COLOUR, point=alt.OverlayMarkDef(color=LINE_COLOUR)).encode(
        x=alt.X("Quarter:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "Value:Q",
            title=y_title,
            scale=alt.Scale(domain=[0, 100]) if not is_count else alt.Undefined,
        ),
        tooltip=["Quarter", alt.Tooltip("Value:Q", format=".1f"), "Target"],
    )
    layers = [line]
    if data["Target"].notna().any():
        layers.append(
            base.mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4]).encode(
                y="mean(Target):Q", tooltip=[alt.Tooltip("mean(Target):Q", title="Target")]
            )
        )
    return alt.layer(*layers).properties(width="container", height=170)


def breakdown_chart(frame: pd.DataFrame, quarter: str, title: str) -> alt.LayerChart:
    """One breakdown for one quarter as labelled horizontal bars, largest first."""
    data = frame[frame["quarter"] == quarter].rename(
        columns={"label": "Category", "concerns": "Concerns"}
    )
    data = data.sort_values(["Concerns", "Category"], ascending=[False, True])
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("Category:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("Concerns:Q", title=f"Concerns received in {quarter}"),
        tooltip=["Category", "Concerns"],
    )
    bars = base.mark_bar(color=LINE_COLOUR)
    text = base.mark_text(align="left", dx=3, color="#1b1b1b").encode(text="Concerns:Q")
    return (bars + text).properties(width="container", height=alt.Step(22))


def _title(report: QuarterlyReport) -> tuple[str, str]:
    q = report.quarter
    return (
        f"Safeguarding standards: quarterly report {q.label}",
        f"{q.start.day} {q.start:%B %Y} to {q.end.day} {q.end:%B %Y}",
    )


def _sharing_note(suppress: bool) -> str:
    return (
        "For sharing outside the council: counts below 5 are shown as <5."
        if suppress
        else "Council use only: contains small numbers. Switch on suppression before sharing "
        "outside the council."
    )


def export_tables(report: QuarterlyReport, suppress: bool) -> dict[str, pd.DataFrame]:
    """Scorecard, 8-quarter values, each breakdown, and the narrative, as tables."""
    headings = sections("standards")
    values = report.series.pivot(index="measure_id", columns="quarter", values="value")
    values = values.reindex([r.measure_id for r in report.results]).astype(object)
    if suppress:
        counts = report.series[report.series["denominator"].isna()]["measure_id"].unique()
        for measure in counts:
            values.loc[measure] = values.loc[measure].map(
                lambda v: v if pd.isna(v) else suppress_count(int(v))
            )
    values = values.astype(object).where(values.notna(), "–").reset_index()
    values = values.rename(columns={"measure_id": "Measure"})
    scorecard = scorecard_table(report.results, suppress)
    if not suppress:
        scorecard.insert(
            6,
            "Change on previous quarter",
            [
                change_on_previous(report.series, r.measure_id, report.quarter.label)
                for r in report.results
            ],
        )
    tables = {
        "Scorecard": scorecard,
        "8 quarters": values,
    }
    for field, frame in report.breakdowns.items():
        title = standards.BREAKDOWN_TITLES[field]
        tables[title] = standards_frames.breakdown_table(frame, suppress)
    tables["Narrative"] = pd.DataFrame(
        {
            "Section": list(headings.values()),
            "Text": [report.narrative.get(code) or "Not written." for code in headings],
        }
    )
    return tables


def quarterly_xlsx(report: QuarterlyReport, suppress: bool = False) -> bytes:
    """The quarterly report as a workbook (one sheet per table, formulas neutralised)."""
    title, dates = _title(report)
    tables = export_tables(report, suppress)
    note = f"{title}: {dates}. {_sharing_note(suppress)}"
    return to_xlsx_bytes(tables, notes=dict.fromkeys(tables, note))


def quarterly_pdf(report: QuarterlyReport, suppress: bool = False) -> bytes:
    """The quarterly report as an A4 PDF: narrative, scorecard, trend charts, breakdowns."""
    title, dates = _title(report)
    tables = export_tables(report, suppress)
    pdf = PdfReport(title, f"{dates}. {_sharing_note(suppress)}")
    met, judged = report.met_summary()
    pdf.paragraph(f"{met} of {judged} measures with a target met their target this quarter.", 11)
    for code, heading in sections("standards").items():
        pdf.heading(heading)
        pdf.paragraph(report.narrative.get(code) or "Not written.")
    pdf.add_page()
    pdf.heading("Scorecard")
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    fixed = [27, 16, 16, 22, 14, *([30] if not suppress else []), 22]
    widths = [*fixed[:2], usable - sum(fixed), *fixed[2:]]
    pdf.table(tables["Scorecard"], widths=widths)
    pdf.add_page()
    pdf.heading("Trends over 8 quarters (dashed line: target)")
    for result in report.results:
        if result.target is None and result.denominator is not None:
            continue  # trend-only percentages are in the table of 8 quarters
        chart = trend_chart(report.series, result.measure_id).properties(width=520, height=150)
        pdf.image_png(chart_png(chart), width=150)
    pdf.add_page()
    pdf.heading("Concerns received: breakdowns over 8 quarters")
    for name, table in tables.items():
        if name in standards.BREAKDOWN_TITLES.values():
            pdf.paragraph(name, 11, keep_with_next=20)  # the title stays with its table
            first = 48
            rest = (usable - first) / max(len(table.columns) - 1, 1)
            pdf.table(table, widths=[first] + [rest] * (len(table.columns) - 1), font_size=7)
    return pdf.to_bytes()
