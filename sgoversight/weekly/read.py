"""Reading the rows a week's report needs, through sgoversight.store.read (plain DB-API, no pandas,
SQLAlchemy or pydantic loaded here).

Rules:
- Only the columns the report reads (AlertRow, ConcernRow, ProviderRow of
  sgoversight.weekly.rules), and with a span (the week, or the 13 weeks of the pack) only the rows
  the reports of the weeks within it can count: concerns received, with an enquiry started or
  concluded in the span; alerts raised or closed in the span, or raised by its end and not closed
  before its start (open at some week's end). A superset, never the count: the rules then run on
  these rows exactly as on every row.
- With a provider scope (a provider user's view) only that provider's rows and name are read.
- No ORDER BY: no rule depends on the order rows arrive in.
- A source is a database URL (the command), a DB-API connection, the app's engine (its raw
  connection, `read.from_engine`) or a session (reading inside its transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sgoversight.periods import Period
from sgoversight.store import read
from sgoversight.weekly.config import WeeklyConfig, load_weekly_config
from sgoversight.weekly.rules import (
    AlertRow,
    ConcernRow,
    ProviderRow,
    WeeklyReport,
    WeeklyRows,
    as_week,
    weekly_report,
)

ALERTS_SQL = (
    "SELECT provider_id, raised_on, severity, closed_on, raised_by FROM quality_alerts WHERE 1 = 1"
)
ALERTS_IN_SPAN = (
    " AND (raised_on BETWEEN ? AND ? OR closed_on BETWEEN ? AND ?"
    " OR (raised_on <= ? AND (closed_on IS NULL OR closed_on >= ?)))"
)
CONCERNS_SQL = (
    "SELECT provider_id, received_on, source_of_risk, abuse_type, location,"
    " enquiry_started_on, enquiry_concluded_on FROM safeguarding_concerns WHERE 1 = 1"
)
CONCERNS_IN_SPAN = (
    " AND (received_on BETWEEN ? AND ? OR enquiry_started_on BETWEEN ? AND ?"
    " OR enquiry_concluded_on BETWEEN ? AND ?)"
)
PROVIDERS_SQL = "SELECT provider_id, name FROM providers WHERE 1 = 1"
SCOPED = " AND provider_id = ?"


def read_rows(
    connection: read.Connection, span: Period | None = None, provider_scope: str | None = None
) -> WeeklyRows:
    """The report's rows (see the module docstring): every row without `span`, else only those the
    weeks within `span` can count; only `provider_scope`'s rows if given."""
    alerts_sql, concerns_sql, providers_sql = ALERTS_SQL, CONCERNS_SQL, PROVIDERS_SQL
    alerts_params: list[object] = []
    concerns_params: list[object] = []
    providers_params: list[object] = []
    if span is not None:
        start, end = read.as_iso(span.start), read.as_iso(span.end)
        alerts_sql += ALERTS_IN_SPAN
        alerts_params += [start, end, start, end, end, start]
        concerns_sql += CONCERNS_IN_SPAN
        concerns_params += [start, end] * 3
    if provider_scope is not None:
        for params in (alerts_params, concerns_params, providers_params):
            params.append(provider_scope)
        alerts_sql, concerns_sql, providers_sql = (
            alerts_sql + SCOPED,
            concerns_sql + SCOPED,
            providers_sql + SCOPED,
        )
    day = read.as_date
    alerts = tuple(
        AlertRow(provider_id, day(raised_on), severity, day(closed_on), raised_by)
        for provider_id, raised_on, severity, closed_on, raised_by in read.rows(
            connection, alerts_sql, alerts_params
        )
    )
    concerns = tuple(
        ConcernRow(provider_id, day(received), source, abuse, location, day(started), day(ended))
        for provider_id, received, source, abuse, location, started, ended in read.rows(
            connection, concerns_sql, concerns_params
        )
    )
    providers = tuple(
        ProviderRow(*row) for row in read.rows(connection, providers_sql, providers_params)
    )
    return WeeklyRows(providers=providers, alerts=alerts, concerns=concerns)


@contextmanager
def connection_for(source: str | read.Connection | Any) -> Iterator[read.Connection]:
    """A DB-API connection for `source` (see the module docstring), given back after use; a
    connection passed in is left open."""
    if isinstance(source, str):
        with read.connect(source) as connection:
            yield connection
    elif hasattr(source, "raw_connection"):  # the app's engine
        with read.from_engine(source) as connection:
            yield connection
    elif hasattr(source, "get_bind"):  # a session: its own connection, inside its transaction
        yield source.connection().connection
    else:
        yield source


def report_for_week(
    source: str | read.Connection | Any,
    week: Period | str,
    config: WeeklyConfig | None = None,
    provider_scope: str | None = None,
) -> WeeklyReport:
    """Read the rows the week can count and compute its report (sgoversight.weekly.rules).

    `config` defaults to `[weekly]` of config/rag_thresholds.toml; `provider_scope` limits every
    row to one provider's (a provider user's view).
    """
    week = as_week(week)
    config = config if config is not None else load_weekly_config()
    with connection_for(source) as connection:
        rows = read_rows(connection, week, provider_scope)
    return weekly_report(rows, week, config)
