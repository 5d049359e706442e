"""The weekly safeguarding data report (CONTRACT.md section 4).

The contract's rule, quoted: "ISO week (Monday to Sunday). Counts are of rows whose date falls in
the week: concerns_received (received_on), provider_concerns (of those, source_of_risk
`service_provider`), enquiries_started, enquiries_concluded, alerts_raised, alerts_closed
(closed_on); open_alerts = alerts raised by the week's end and not closed by it. A provider is
flagged when, in the week, its alerts + provider concerns are 3 or more, or it has a `critical`
alert, or an `organisational` abuse concern (config `[weekly]` in `config/rag_thresholds.toml`)."
Extended: a provider is also flagged when the Care Quality Commission (CQC) ratings feed raised a
quality alert about it in the week (raised_by `cqc`: its rating fell or a key question was newly
rated Inadequate, sgoversight.intake.cqc), unless `flag_cqc_rating_fell` is false.

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
the 12-week series, the pack, the page and the command line all go through them. The rules are
plain Python over typed rows (`WeeklyRows`, dates as `datetime.date`, None = not recorded): they
read no database and load neither pandas nor SQLAlchemy nor pydantic. sgoversight.weekly.read
reads the rows a week needs; the pack and the page turn the results into tables and charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, NamedTuple

from sgoversight.errors import BadInput
from sgoversight.formulas import neutralise
from sgoversight.periods import Period, add_weeks, parse_week
from sgoversight.vocabulary import ABUSE_TYPE, LOCATION, Vocabulary
from sgoversight.weekly.config import WeeklyConfig

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

#: (label, first day of age, last day of age or None) for open alerts at the week's end.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Under 1 week", 0, 6),
    ("1 to 4 weeks", 7, 27),
    ("4 to 12 weeks", 28, 83),
    ("12 weeks or more", 84, None),
)


# --- inputs ---------------------------------------------------------------------------------------


class ProviderRow(NamedTuple):
    """A provider of the register, as far as the report names it."""

    provider_id: str
    name: str


class AlertRow(NamedTuple):
    """A quality alert: the columns the report reads (None = not recorded)."""

    provider_id: str | None
    raised_on: dt.date | None
    severity: str | None
    closed_on: dt.date | None
    raised_by: str | None = None


class ConcernRow(NamedTuple):
    """A safeguarding concern: the columns the report reads (None = not recorded)."""

    provider_id: str | None
    received_on: dt.date | None
    source_of_risk: str | None
    abuse_type: str | None
    location: str | None
    enquiry_started_on: dt.date | None = None
    enquiry_concluded_on: dt.date | None = None


@dataclass(frozen=True)
class WeeklyRows:
    """The rows the report is computed from (sgoversight.weekly.read reads them)."""

    providers: tuple[ProviderRow, ...] = ()
    alerts: tuple[AlertRow, ...] = ()
    concerns: tuple[ConcernRow, ...] = ()


def as_week(week: Period | str) -> Period:
    """An ISO week from `YYYY-Www` text or a Period; BadInput for anything but Monday to Sunday."""
    if isinstance(week, str):
        return parse_week(week)
    if week.start.isoweekday() != 1 or week.end != week.start + dt.timedelta(days=6):
        raise BadInput(f"{week.label} ({week.start} to {week.end}) is not an ISO week")
    return week


# --- which rows count -----------------------------------------------------------------------------


def dated_in(day: dt.date | None, period: Period) -> bool:
    """Whether a recorded date falls in `period` (both ends inclusive; not recorded never does)."""
    return day is not None and period.start <= day <= period.end


def is_open_at(alert: AlertRow, day: dt.date) -> bool:
    """An alert open at the end of `day`: raised on or before it and not closed by it (closed_on
    not recorded, or after `day`)."""
    raised, closed = alert.raised_on, alert.closed_on
    return raised is not None and raised <= day and (closed is None or closed > day)


def received(concerns: Iterable[ConcernRow], week: Period) -> list[ConcernRow]:
    """Concerns received in the week: "concerns_received (received_on)"."""
    return [c for c in concerns if dated_in(c.received_on, week)]


def is_provider_concern(concern: ConcernRow) -> bool:
    """A concern whose source_of_risk is `service_provider` ("provider_concerns")."""
    return concern.source_of_risk == SERVICE_PROVIDER


def raised(alerts: Iterable[AlertRow], week: Period) -> list[AlertRow]:
    """Quality alerts raised in the week: "alerts_raised"."""
    return [a for a in alerts if dated_in(a.raised_on, week)]


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


def weekly_counts(rows: WeeklyRows, week: Period | str) -> WeeklyCounts:
    """The week's headline counts: rows whose date falls in the week, and alerts open at its end.

    "Counts are of rows whose date falls in the week: concerns_received (received_on),
    provider_concerns (of those, source_of_risk `service_provider`), enquiries_started,
    enquiries_concluded, alerts_raised, alerts_closed (closed_on); open_alerts = alerts raised by
    the week's end and not closed by it."
    """
    week = as_week(week)
    in_week = received(rows.concerns, week)
    return WeeklyCounts(
        concerns_received=len(in_week),
        provider_concerns=sum(1 for c in in_week if is_provider_concern(c)),
        enquiries_started=sum(1 for c in rows.concerns if dated_in(c.enquiry_started_on, week)),
        enquiries_concluded=sum(1 for c in rows.concerns if dated_in(c.enquiry_concluded_on, week)),
        alerts_raised=len(raised(rows.alerts, week)),
        alerts_closed=sum(1 for a in rows.alerts if dated_in(a.closed_on, week)),
        open_alerts=sum(1 for a in rows.alerts if is_open_at(a, week.end)),
    )


def breakdown(values: Iterable[str | None], vocabulary: Vocabulary) -> dict[str, int]:
    """Count of each code of `vocabulary` in `values`, every code in contract order, zeros
    included; codes outside the vocabulary follow, sorted. A value not recorded is not counted."""
    counted = Counter(value for value in values if value is not None)
    result = {code: counted.get(code, 0) for code in vocabulary.codes}
    for code in sorted(str(c) for c in counted if c not in result):
        result[code] = counted[code]
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


@dataclass(frozen=True)
class ProviderWeek:
    """One provider's week as the flag rules see it (see the module docstring)."""

    alerts_raised: int = 0
    provider_concerns: int = 0
    critical_alerts: int = 0
    organisational_concerns: int = 0
    cqc_alerts: int = 0


def provider_week_counts(rows: WeeklyRows, week: Period) -> dict[str, ProviderWeek]:
    """Per provider with anything in the week: its alerts raised in the week, its provider
    concerns (received in the week, source of risk `service_provider`), its critical alerts and
    alerts raised by the CQC feed in the week, and its organisational abuse concerns received in
    the week whatever the source of risk. Rows about no provider count for none."""
    tallies: dict[str, Counter[str]] = {}

    def tally(provider_id: str | None, name: str) -> None:
        if provider_id is not None:
            tallies.setdefault(provider_id, Counter())[name] += 1

    for alert in raised(rows.alerts, week):
        tally(alert.provider_id, "alerts_raised")
        if alert.severity == CRITICAL:
            tally(alert.provider_id, "critical_alerts")
        if alert.raised_by == RAISED_BY_CQC:
            tally(alert.provider_id, "cqc_alerts")
    for concern in received(rows.concerns, week):
        if is_provider_concern(concern):
            tally(concern.provider_id, "provider_concerns")
        if concern.abuse_type == ORGANISATIONAL:
            tally(concern.provider_id, "organisational_concerns")
    return {provider_id: ProviderWeek(**counted) for provider_id, counted in tallies.items()}


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
    rows: WeeklyRows, week: Period | str, config: WeeklyConfig
) -> tuple[ProviderFlag, ...]:
    """The providers flagged in the week, sorted by name (then id); a provider missing from the
    register is named by its id.

    "A provider is flagged when, in the week, its alerts + provider concerns are 3 or more, or it
    has a `critical` alert, or an `organisational` abuse concern" (3 and the two switches are
    `[weekly]` in config/rag_thresholds.toml).
    """
    week = as_week(week)
    names = {provider.provider_id: provider.name for provider in rows.providers}
    result = []
    # Only providers with something in the week are looked at, and flag_reasons stays the one
    # statement of the rules.
    for provider_id, counted in provider_week_counts(rows, week).items():
        reasons = flag_reasons(**asdict(counted), config=config)
        if reasons:
            result.append(
                ProviderFlag(
                    provider_id=provider_id,
                    provider_name=str(names.get(provider_id, provider_id)),
                    reasons=reasons,
                    **asdict(counted),
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


def weekly_report(rows: WeeklyRows, week: Period | str, config: WeeklyConfig) -> WeeklyReport:
    """Compute the report for `week` from `rows` with the flag thresholds of `config`."""
    week = as_week(week)
    in_week = received(rows.concerns, week)
    return WeeklyReport(
        week=week.label,
        start=week.start,
        end=week.end,
        **asdict(weekly_counts(rows, week)),
        concerns_by_abuse_type=breakdown((c.abuse_type for c in in_week), ABUSE_TYPE),
        concerns_by_location=breakdown((c.location for c in in_week), LOCATION),
        providers_flagged=providers_flagged(rows, week, config),
    )


@dataclass(frozen=True)
class SeriesWeek:
    """One week of the series: its label and dates, then its headline counts."""

    week: str
    start: dt.date
    end: dt.date
    counts: WeeklyCounts


def weekly_series(
    rows: WeeklyRows, end_week: Period | str, weeks: int = SERIES_WEEKS
) -> tuple[SeriesWeek, ...]:
    """The headline counts of the `weeks` ISO weeks ending with `end_week`, oldest first, each
    computed by `weekly_counts`, so a week of the series always equals that week's report."""
    if weeks < 1:
        raise BadInput(f"weeks must be 1 or more, not {weeks}")
    last = as_week(end_week)
    result = []
    for back in range(weeks - 1, -1, -1):
        week = add_weeks(last, -back)
        result.append(SeriesWeek(week.label, week.start, week.end, weekly_counts(rows, week)))
    return tuple(result)


def open_alerts_by_age(alerts: Iterable[AlertRow], day: dt.date) -> tuple[tuple[str, int], ...]:
    """Alerts open at the end of `day` (is_open_at), counted per AGE_BANDS by whole days from
    raised_on to `day`: (band label, count) for every band, zeros included."""
    ages = [(day - a.raised_on).days for a in alerts if is_open_at(a, day) and a.raised_on]
    return tuple(
        (label, sum(1 for age in ages if age >= first and (last is None or age <= last)))
        for label, first, last in AGE_BANDS
    )


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

    Text a spreadsheet would run as a formula is neutralised (sgoversight.formulas.neutralise).
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


def render_report(report: WeeklyReport, output_format: str, indent: int | None = None) -> str:
    """The report in one of FORMATS (`table`, `csv`, `json`) as text for stdout. JSON is compact
    (no spaces) unless `indent` asks for that many spaces per level, for people to read."""
    if output_format == "json":
        if indent is None:
            return json.dumps(report_json(report), separators=(",", ":")) + "\n"
        return json.dumps(report_json(report), indent=indent) + "\n"
    if output_format == "csv":
        return report_csv(report)
    if output_format == "table":
        return report_table(report)
    raise BadInput(f"format must be one of {', '.join(FORMATS)}, not '{output_format}'")
