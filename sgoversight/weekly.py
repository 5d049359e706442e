"""The weekly safeguarding data report (CONTRACT.md section 4).

The contract's rule, quoted: "ISO week (Monday to Sunday). Counts are of rows whose date falls in
the week: concerns_received (received_on), provider_concerns (of those, source_of_risk
`service_provider`), enquiries_started, enquiries_concluded, alerts_raised, alerts_closed
(closed_on); open_alerts = alerts raised by the week's end and not closed by it. A provider is
flagged when, in the week, its alerts + provider concerns are 3 or more, or it has a `critical`
alert, or an `organisational` abuse concern (config `[weekly]` in `config/rag_thresholds.toml`)."
Extended: a provider is also flagged when the Care Quality Commission (CQC) ratings feed raised a
quality alert about it in the week (raised_by `cqc`: its rating fell or a key question was newly
rated Inadequate, sgoversight.cqc), unless `flag_cqc_rating_fell` is false.

How the rule is read where the contract leaves room:
- Dates are days, so "in the week" is Monday to Sunday inclusive and the next Monday is outside it.
- enquiries_started / enquiries_concluded count enquiry_started_on / enquiry_concluded_on in the
  week, whenever the concern itself was received.
- open_alerts: raised on or before the Sunday and closed_on blank or after the Sunday; an alert
  closed on the Sunday is not open (sgoversight.counts.open_alerts_mask, shared with the landing
  page).
- A provider's "provider concerns" are exactly the rows counted in provider_concerns whose
  provider_id is the provider. Its "organisational abuse concern" is a concern received in the week
  about it (its provider_id, CONTRACT.md section 3's "about the provider"), whatever the source of
  risk. Its alerts are the alerts raised in the week with its provider_id.
- The breakdowns cover the week's received concerns and list every contract code in contract order,
  zeros included. A code outside the vocabulary (possible only for rows written without the import)
  is listed after them, so each breakdown still adds up to concerns_received.

Every count is computed by one function here (`weekly_counts`, `providers_flagged`); the report,
the 12-week series, the page and the command line all go through them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import ColumnElement, Engine, and_, or_
from sqlalchemy.orm import Session

from sgoversight import counts
from sgoversight.db import PROJECT_ROOT
from sgoversight.errors import BadInput
from sgoversight.exporting import neutralise
from sgoversight.models import QualityAlert, SafeguardingConcern
from sgoversight.periods import Period, add_weeks, parse_week
from sgoversight.queries import dated_between, load_alerts, load_concerns, load_providers
from sgoversight.vocabulary import ABUSE_TYPE, LOCATION, Vocabulary

CONFIG_PATH = PROJECT_ROOT / "config" / "rag_thresholds.toml"
CONFIG_SECTION = "weekly"
SERVICE_PROVIDER = "service_provider"
CRITICAL = "critical"
RAISED_BY_CQC = "cqc"
ORGANISATIONAL = "organisational"
SERIES_WEEKS = 12
FORMATS = ("table", "csv", "json")

#: The headline counts in contract order, with the words shown for them.
HEADLINE_LABELS: dict[str, str] = {
    "concerns_received": "Safeguarding concerns received",
    "provider_concerns": "  of which the source of risk was a service provider",
    "enquiries_started": "Section 42 enquiries started",
    "enquiries_concluded": "Section 42 enquiries concluded",
    "alerts_raised": "Quality alerts raised",
    "alerts_closed": "Quality alerts closed",
    "open_alerts": "Quality alerts open at the end of the week",
}


# --- configuration --------------------------------------------------------------------------------


class WeeklyConfig(BaseModel):
    """`[weekly]` of config/rag_thresholds.toml: when the report flags a provider.

    Strict, so a quoted number or a 1 for true is refused rather than guessed at, and closed to
    unknown keys, so a misspelt threshold is reported instead of silently falling back to its
    default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_alerts_plus_provider_concerns: int = Field(default=3, ge=1)
    flag_critical_alert: bool = True
    flag_organisational_abuse: bool = True
    flag_cqc_rating_fell: bool = True


def load_weekly_config(path: Path | str | None = None) -> WeeklyConfig:
    """Read and validate `[weekly]` (default file: config/rag_thresholds.toml).

    Other sections belong to other reports and are not read. A missing `[weekly]` section or key
    takes the contract's value; a broken value raises BadInput naming the file and the key.
    """
    source = Path(path) if path is not None else CONFIG_PATH
    try:
        with source.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise BadInput(f"{source}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML: {exc}") from exc
    section = document.get(CONFIG_SECTION, {})
    if not isinstance(section, dict):
        raise BadInput(f"{source}: [{CONFIG_SECTION}] must be a table of settings")
    return weekly_config_from(section, source=str(source))


def weekly_config_from(section: Mapping[str, Any], source: str = "config") -> WeeklyConfig:
    """Validate the keys of a `[weekly]` table; BadInput naming every broken key otherwise."""
    try:
        return WeeklyConfig.model_validate(dict(section))
    except ValidationError as exc:
        problems = [_config_problem(error) for error in exc.errors()]
        raise BadInput(f"{source}: " + "; ".join(problems)) from exc


def _config_problem(error: ErrorDetails) -> str:
    key = ".".join(str(part) for part in error["loc"])
    return f"[{CONFIG_SECTION}] {key} = {error['input']!r}: {error['msg']}"


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyFrames:
    """The frames the report is computed from, shaped as sgoversight.queries returns them
    (load_providers, load_alerts, load_concerns; date columns datetime64, NaT = not recorded)."""

    providers: pd.DataFrame
    alerts: pd.DataFrame
    concerns: pd.DataFrame


def as_week(week: Period | str) -> Period:
    """An ISO week from `YYYY-Www` text or a Period; BadInput for anything but Monday to Sunday."""
    if isinstance(week, str):
        return parse_week(week)
    if week.start.isoweekday() != 1 or week.end != week.start + dt.timedelta(days=6):
        raise BadInput(f"{week.label} ({week.start} to {week.end}) is not an ISO week")
    return week


#: The concern columns the weekly report reads.
WEEKLY_CONCERN_COLUMNS = (
    "provider_id",
    "received_on",
    "source_of_risk",
    "abuse_type",
    "location",
    "enquiry_started_on",
    "enquiry_concluded_on",
)


def rows_read(span: Period) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(alerts, concerns): database conditions keeping every row the reports of the weeks within
    `span` can count, so a large register is not read whole.

    A superset, never the count: concerns received, with an enquiry started or concluded in the
    span; alerts raised or closed in the span, or raised by its end and not closed before its
    start (open at some week's end). The rules then run on these rows exactly as on every row.
    """
    start, end = span.start, span.end
    alerts = or_(
        dated_between(QualityAlert.raised_on, start, end),
        dated_between(QualityAlert.closed_on, start, end),
        and_(
            QualityAlert.raised_on <= end,
            or_(QualityAlert.closed_on.is_(None), QualityAlert.closed_on >= start),
        ),
    )
    concerns = or_(
        dated_between(SafeguardingConcern.received_on, start, end),
        dated_between(SafeguardingConcern.enquiry_started_on, start, end),
        dated_between(SafeguardingConcern.enquiry_concluded_on, start, end),
    )
    return alerts, concerns


def load_frames(
    session_or_engine: Session | Engine,
    provider_scope: str | None = None,
    span: Period | None = None,
) -> WeeklyFrames:
    """Load the report's frames with sgoversight.queries (only `provider_scope`'s rows if given).

    With `span`, only the rows the reports of the weeks within it can count (rows_read): the
    frames then answer for those weeks only.
    """
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session:
            return load_frames(session, provider_scope, span)
    session = session_or_engine
    alerts_read, concerns_read = rows_read(span) if span is not None else (None, None)
    return WeeklyFrames(
        providers=load_providers(session, provider_scope),
        alerts=load_alerts(session, provider_scope, where=alerts_read),
        concerns=load_concerns(
            session, provider_scope, columns=WEEKLY_CONCERN_COLUMNS, where=concerns_read
        ),
    )


# --- which rows count -----------------------------------------------------------------------------


def received_mask(concerns: pd.DataFrame, week: Period) -> pd.Series:
    """Concerns received in the week: "concerns_received (received_on)"."""
    return counts.dated_in_mask(concerns, "received_on", week)


def provider_concern_mask(concerns: pd.DataFrame, week: Period) -> pd.Series:
    """Concerns received in the week with source_of_risk `service_provider`: "provider_concerns
    (of those, source_of_risk `service_provider`)"."""
    return received_mask(concerns, week) & (concerns["source_of_risk"] == SERVICE_PROVIDER)


def raised_mask(alerts: pd.DataFrame, week: Period) -> pd.Series:
    """Quality alerts raised in the week: "alerts_raised"."""
    return counts.dated_in_mask(alerts, "raised_on", week)


# --- headline counts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyCounts:
    """The headline counts of one week, in contract order (see the module docstring)."""

    concerns_received: int
    provider_concerns: int
    enquiries_started: int
    enquiries_concluded: int
    alerts_raised: int
    alerts_closed: int
    open_alerts: int


COUNT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(WeeklyCounts))


def weekly_counts(frames: WeeklyFrames, week: Period | str) -> WeeklyCounts:
    """The week's headline counts: rows whose date falls in the week, and alerts open at its end.

    "Counts are of rows whose date falls in the week: concerns_received (received_on),
    provider_concerns (of those, source_of_risk `service_provider`), enquiries_started,
    enquiries_concluded, alerts_raised, alerts_closed (closed_on); open_alerts = alerts raised by
    the week's end and not closed by it."
    """
    week = as_week(week)
    concerns, alerts = frames.concerns, frames.alerts
    return WeeklyCounts(
        concerns_received=int(received_mask(concerns, week).sum()),
        provider_concerns=int(provider_concern_mask(concerns, week).sum()),
        enquiries_started=counts.dated_in(concerns, "enquiry_started_on", week),
        enquiries_concluded=counts.dated_in(concerns, "enquiry_concluded_on", week),
        alerts_raised=int(raised_mask(alerts, week).sum()),
        alerts_closed=counts.dated_in(alerts, "closed_on", week),
        open_alerts=counts.open_alerts_on(alerts, week.end),
    )


def breakdown(values: pd.Series, vocabulary: Vocabulary) -> dict[str, int]:
    """Count of each code of `vocabulary` in `values`, every code in contract order, zeros
    included; codes outside the vocabulary follow, sorted, so the total is len(values)."""
    counted = values.value_counts()
    result = {code: int(counted.get(code, 0)) for code in vocabulary.codes}
    for code in sorted(str(c) for c in counted.index if c not in result):
        result[code] = int(counted[code])
    return result


# --- provider flags -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderFlag:
    """A provider flagged in the week, with one plain-English reason per rule that fired, and the
    week's counts the rules were applied to."""

    provider_id: str
    provider_name: str
    reasons: tuple[str, ...]
    alerts_raised: int
    provider_concerns: int
    critical_alerts: int
    organisational_concerns: int
    cqc_alerts: int = 0


def provider_week_counts(frames: WeeklyFrames, week: Period) -> pd.DataFrame:
    """Per provider with anything in the week, indexed by provider_id: alerts_raised,
    provider_concerns, critical_alerts, organisational_concerns, cqc_alerts (see the module
    docstring)."""
    alerts = frames.alerts[raised_mask(frames.alerts, week)]
    concerns = frames.concerns
    provider_concerns = concerns[provider_concern_mask(concerns, week)]
    received = concerns[received_mask(concerns, week)]
    raised_by = alerts["raised_by"] if "raised_by" in alerts.columns else None
    cqc = alerts[raised_by == RAISED_BY_CQC] if raised_by is not None else alerts.iloc[0:0]
    per_provider = pd.DataFrame(
        {
            "alerts_raised": alerts.groupby("provider_id").size(),
            "provider_concerns": provider_concerns.groupby("provider_id").size(),
            "critical_alerts": alerts[alerts["severity"] == CRITICAL].groupby("provider_id").size(),
            "organisational_concerns": received[received["abuse_type"] == ORGANISATIONAL]
            .groupby("provider_id")
            .size(),
            "cqc_alerts": cqc.groupby("provider_id").size(),
        }
    )
    return per_provider.fillna(0).astype(int)


def flag_reasons(
    alerts_raised: int,
    provider_concerns: int,
    critical_alerts: int,
    organisational_concerns: int,
    config: WeeklyConfig,
    shown: Callable[[int], str] | None = None,
    *,
    cqc_alerts: int = 0,
) -> tuple[str, ...]:
    """One sentence per flag rule that fires for a provider's week, in the contract's rule order:
    alerts + provider concerns at or above the threshold, a `critical` alert, an `organisational`
    abuse concern (the last two only when switched on in the config).

    `shown` writes each count (for example `<5` in versions shared outside the council). A count
    it hides is never printed, nor given away by grammar ("A critical alert"): the sentence says
    only what the rule itself says, in words ("At least 3 quality alerts and safeguarding
    concerns this week (flag at 3)", "At least one critical quality alert this week"); a count it
    shows is printed as it shows it.
    """
    reasons = []
    total, threshold = alerts_raised + provider_concerns, config.min_alerts_plus_provider_concerns

    def counted(n: int, singular: str, plural: str, article: str, at_least: int) -> str:
        if shown is not None:
            text = shown(n)
            if text != str(n):  # hidden: say only what the rule says
                return (
                    f"At least one {singular}" if at_least == 1 else f"At least {at_least} {plural}"
                )
            return f"{text} {plural}" if n != 1 else f"{text} {singular}"
        return f"{article} {singular}" if n == 1 else f"{n} {plural}"

    if total >= threshold:
        phrase = counted(
            total,
            "quality alert or safeguarding concern",
            "quality alerts and safeguarding concerns",
            "1",
            threshold,
        )
        reasons.append(f"{phrase} this week (flag at {threshold})")
    if config.flag_critical_alert and critical_alerts > 0:
        phrase = counted(
            critical_alerts, "critical quality alert", "critical quality alerts", "A", 1
        )
        reasons.append(f"{phrase} this week")
    if config.flag_organisational_abuse and organisational_concerns > 0:
        phrase = counted(
            organisational_concerns,
            "organisational abuse concern",
            "organisational abuse concerns",
            "An",
            1,
        )
        reasons.append(f"{phrase} this week")
    if config.flag_cqc_rating_fell and cqc_alerts > 0:
        reasons.append(
            "Care Quality Commission (CQC) rating fell, or a key question was rated Inadequate, "
            "this week (see its quality alert)"
        )
    return tuple(reasons)


def providers_flagged(
    frames: WeeklyFrames, week: Period | str, config: WeeklyConfig
) -> tuple[ProviderFlag, ...]:
    """The providers flagged in the week, sorted by name (then id).

    "A provider is flagged when, in the week, its alerts + provider concerns are 3 or more, or it
    has a `critical` alert, or an `organisational` abuse concern" (3 and the two switches are
    `[weekly]` in config/rag_thresholds.toml).
    """
    week = as_week(week)
    per_provider = provider_week_counts(frames, week)
    names = dict(zip(frames.providers["provider_id"], frames.providers["name"], strict=True))
    result = []
    # Only providers with something in the week are looked at, so this loop is bounded by the
    # register's size, and flag_reasons stays the one statement of the rules.
    for provider_id, *values in per_provider.itertuples(name=None):
        week_counts = dict(zip(per_provider.columns, map(int, values), strict=True))
        reasons = flag_reasons(**week_counts, config=config)
        if reasons:
            result.append(
                ProviderFlag(
                    provider_id=str(provider_id),
                    provider_name=str(names.get(provider_id, provider_id)),
                    reasons=reasons,
                    **week_counts,
                )
            )
    return tuple(sorted(result, key=lambda f: (f.provider_name.casefold(), f.provider_id)))


# --- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyReport:
    """The weekly safeguarding data report for one ISO week (CONTRACT.md section 4)."""

    week: str
    start: dt.date
    end: dt.date
    concerns_received: int
    provider_concerns: int
    enquiries_started: int
    enquiries_concluded: int
    alerts_raised: int
    alerts_closed: int
    open_alerts: int
    concerns_by_abuse_type: dict[str, int]
    concerns_by_location: dict[str, int]
    providers_flagged: tuple[ProviderFlag, ...]

    @property
    def headline_counts(self) -> WeeklyCounts:
        return WeeklyCounts(**{name: getattr(self, name) for name in COUNT_NAMES})


def weekly_report(frames: WeeklyFrames, week: Period | str, config: WeeklyConfig) -> WeeklyReport:
    """Compute the report for `week` from `frames` with the flag thresholds of `config`."""
    week = as_week(week)
    received = frames.concerns[received_mask(frames.concerns, week)]
    return WeeklyReport(
        week=week.label,
        start=week.start,
        end=week.end,
        **asdict(weekly_counts(frames, week)),
        concerns_by_abuse_type=breakdown(received["abuse_type"], ABUSE_TYPE),
        concerns_by_location=breakdown(received["location"], LOCATION),
        providers_flagged=providers_flagged(frames, week, config),
    )


def weekly_series(
    frames: WeeklyFrames, end_week: Period | str, weeks: int = SERIES_WEEKS
) -> pd.DataFrame:
    """The headline counts of the `weeks` ISO weeks ending with `end_week`, oldest first.

    Columns: week (label), start, end (dates), then the counts of COUNT_NAMES, each computed by
    `weekly_counts`, so a week's row always equals that week's report.
    """
    if weeks < 1:
        raise BadInput(f"weeks must be 1 or more, not {weeks}")
    last = as_week(end_week)
    rows = []
    for back in range(weeks - 1, -1, -1):
        week = add_weeks(last, -back)
        rows.append(
            {"week": week.label, "start": week.start, "end": week.end}
            | asdict(weekly_counts(frames, week))
        )
    return pd.DataFrame(rows, columns=["week", "start", "end", *COUNT_NAMES])


def report_for_week(
    session_or_engine: Session | Engine,
    week: Period | str,
    config: WeeklyConfig | None = None,
    provider_scope: str | None = None,
) -> WeeklyReport:
    """Load the rows the week can count (load_frames with the week as span) and compute its report.

    `config` defaults to `[weekly]` of config/rag_thresholds.toml; `provider_scope` limits every
    frame to one provider's rows (a provider user's view).
    """
    week = as_week(week)
    config = config if config is not None else load_weekly_config()
    return weekly_report(load_frames(session_or_engine, provider_scope, week), week, config)


# --- output ---------------------------------------------------------------------------------------


def report_json(report: WeeklyReport) -> dict[str, Any]:
    """The contract's JSON shape: `{week, start, end, concerns_received, provider_concerns,
    enquiries_started, enquiries_concluded, alerts_raised, alerts_closed, open_alerts,
    concerns_by_abuse_type, concerns_by_location, providers_flagged}`, dates as ISO text and each
    flagged provider as `{provider_id, provider_name, reasons}`."""
    return {
        "week": report.week,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        **asdict(report.headline_counts),
        "concerns_by_abuse_type": dict(report.concerns_by_abuse_type),
        "concerns_by_location": dict(report.concerns_by_location),
        "providers_flagged": [
            {
                "provider_id": flag.provider_id,
                "provider_name": flag.provider_name,
                "reasons": list(flag.reasons),
            }
            for flag in report.providers_flagged
        ],
    }


def report_csv(report: WeeklyReport) -> str:
    """The report as CSV with header `measure,value`, one row per figure in this order:

    - `week`, `start`, `end`;
    - each headline count by its contract name (`concerns_received` … `open_alerts`);
    - `concerns_by_abuse_type.<code>` for every abuse type, then `concerns_by_location.<code>`;
    - `providers_flagged` (how many), then `providers_flagged.<provider_id>` per flagged provider
      with value `<provider name>: <reason>; <reason>`.

    Text a spreadsheet would run as a formula is neutralised (sgoversight.exporting.neutralise).
    """
    rows: list[tuple[str, object]] = [
        ("week", report.week),
        ("start", report.start.isoformat()),
        ("end", report.end.isoformat()),
        *asdict(report.headline_counts).items(),
    ]
    rows += [(f"concerns_by_abuse_type.{c}", n) for c, n in report.concerns_by_abuse_type.items()]
    rows += [(f"concerns_by_location.{c}", n) for c, n in report.concerns_by_location.items()]
    rows.append(("providers_flagged", len(report.providers_flagged)))
    rows += [
        (
            f"providers_flagged.{flag.provider_id}",
            f"{flag.provider_name}: {'; '.join(flag.reasons)}",
        )
        for flag in report.providers_flagged
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("measure", "value"))
    writer.writerows((neutralise(measure), neutralise(value)) for measure, value in rows)
    return buffer.getvalue()


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _lines(pairs: list[tuple[str, int]], width: int) -> list[str]:
    return [f"{label:<{width}} {value:>6}" for label, value in pairs]


def report_table(report: WeeklyReport) -> str:
    """The report as readable text: headline counts, both breakdowns, then the flagged providers
    with their reasons."""
    breakdowns = [
        ("Concerns received by abuse type", report.concerns_by_abuse_type, ABUSE_TYPE),
        ("Concerns received by location of risk", report.concerns_by_location, LOCATION),
    ]
    width = max(
        [len(label) for label in HEADLINE_LABELS.values()]
        + [len(vocab.label(code)) + 2 for _, values, vocab in breakdowns for code in values]
    )
    lines = [
        f"Weekly safeguarding data report {report.week}: "
        f"{_long_date(report.start)} to {_long_date(report.end)}",
        "",
        *_lines([(HEADLINE_LABELS[n], getattr(report, n)) for n in COUNT_NAMES], width),
    ]
    for title, values, vocab in breakdowns:
        lines += ["", title]
        lines += _lines([(f"  {vocab.label(code)}", n) for code, n in values.items()], width)
    flags = report.providers_flagged
    lines += ["", f"Providers flagged: {len(flags) if flags else 'none'}"]
    for flag in flags:
        lines.append(f"  {flag.provider_name} ({flag.provider_id})")
        lines += [f"    - {reason}" for reason in flag.reasons]
    return "\n".join(lines) + "\n"


def render_report(report: WeeklyReport, output_format: str) -> str:
    """The report in one of FORMATS (`table`, `csv`, `json`) as text for stdout."""
    if output_format == "json":
        return json.dumps(report_json(report), indent=2) + "\n"
    if output_format == "csv":
        return report_csv(report)
    if output_format == "table":
        return report_table(report)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not '{output_format}'")
