"""The rows one Board month's rules can count, read through a DB-API connection
(sgoversight.store.read), and the month's ratings scored from them (score_from_connection,
score_from_database).

Rule: only the columns `scoring.score_month` reads, and only the rows its rules can count for the
month (a superset, never the count): alerts raised in the previous window or the window (the alert
counts and the trend) or raised by as-of minus `unresolved_after_days` and not closed by as-of
(`unresolved_alerts`); concerns received in either window (`provider_concerns_3m`,
`organisational_abuse_3m`, the trend), concluded in the window (`risk_remains_3m`) or with an
enquiry open at as-of (`open_enquiries`); actions due before as-of and not completed by it
(`overdue_actions`). The rules then run on these rows exactly as on every row. With a provider,
that provider's rows only. No order is asked for: the ratings are sorted after scoring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sgoversight.auth import Actor, Permission
from sgoversight.board.config import ScoringConfig, load_scoring_config
from sgoversight.board.rules import (
    ActionRow,
    AlertRow,
    ConcernRow,
    ProviderRating,
    ProviderRow,
    ScoringWindow,
    as_board_month,
    score_month,
    scoring_window,
)
from sgoversight.periods import Period
from sgoversight.store.read import Connection, as_date, as_iso, connect, from_engine, rows

if TYPE_CHECKING:
    from sqlalchemy import Engine

_PROVIDERS = """
SELECT provider_id, name, service_type, regulated, commissioned, cqc_rating FROM providers
WHERE {scope}"""
_ALERTS = """
SELECT provider_id, raised_on, severity, closed_on FROM quality_alerts
WHERE provider_id IS NOT NULL AND {scope} AND (
    raised_on BETWEEN ? AND ?
    OR (raised_on <= ? AND (closed_on IS NULL OR closed_on > ?))
)"""
_CONCERNS = """
SELECT provider_id, received_on, source_of_risk, abuse_type, enquiry_started_on,
       enquiry_concluded_on, risk_outcome
FROM safeguarding_concerns
WHERE provider_id IS NOT NULL AND {scope} AND (
    received_on BETWEEN ? AND ?
    OR enquiry_concluded_on BETWEEN ? AND ?
    OR (enquiry_started_on <= ? AND (enquiry_concluded_on IS NULL OR enquiry_concluded_on > ?))
)"""
_ACTIONS = """
SELECT p.provider_id, a.due_on, a.completed_on
FROM improvement_actions a JOIN improvement_plans p ON p.plan_id = a.plan_id
WHERE {scope} AND a.due_on < ? AND (a.completed_on IS NULL OR a.completed_on > ?)"""


def _flag(value: object) -> bool | None:
    """A stored yes/no (SQLite keeps 0/1) as True, False or None."""
    return None if value is None else bool(value)


def read_month(
    connection: Connection,
    span: ScoringWindow,
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
) -> tuple[list[ProviderRow], list[AlertRow], list[ConcernRow], list[ActionRow]]:
    """The register and the records the rules of `span`'s month can count (module docstring),
    as rows for `scoring.score_month`; with `provider_id`, that provider's only."""
    return read_months(connection, [span], config, provider_id=provider_id)


def read_months(
    connection: Connection,
    spans: Sequence[ScoringWindow],
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
) -> tuple[list[ProviderRow], list[AlertRow], list[ConcernRow], list[ActionRow]]:
    """The rows the rules of every month of `spans` can count, read once: each month's rows
    (read_month) are among them, so `scoring.score_month` of any of those months on these rows
    is its rating (the Board's movement and rating strip score several months). The date ranges
    run from the earliest month's to the latest's; one span reads exactly what read_month reads."""
    if not spans:
        raise ValueError("read_months needs at least one month")
    earliest = min(spans, key=lambda span: span.as_of)
    latest = max(spans, key=lambda span: span.as_of)
    as_of, settled_by = as_iso(latest.as_of), as_iso(earliest.as_of)
    first, start = as_iso(earliest.previous.start), as_iso(earliest.window.start)
    unresolved_by = as_iso(latest.as_of - dt.timedelta(days=config.unresolved_after_days))

    def scoped(sql: str, params: list[object], column: str) -> tuple[str, list[object]]:
        """`sql` for every provider, or with `column` = provider_id (its parameter first)."""
        if provider_id is None:
            return sql.format(scope="1 = 1"), params
        return sql.format(scope=f"{column} = ?"), [provider_id, *params]

    providers = [
        ProviderRow(pid, name, service, _flag(regulated), _flag(commissioned), cqc)
        for pid, name, service, regulated, commissioned, cqc in rows(
            connection, *scoped(_PROVIDERS, [], "provider_id")
        )
    ]
    alerts = [
        AlertRow(pid, as_date(raised), severity, as_date(closed))
        for pid, raised, severity, closed in rows(
            connection,
            *scoped(_ALERTS, [first, as_of, unresolved_by, settled_by], "provider_id"),
        )
    ]
    concerns = [
        ConcernRow(pid, as_date(received), source, abuse, as_date(started), as_date(concluded),
                   outcome)
        for pid, received, source, abuse, started, concluded, outcome in rows(
            connection,
            *scoped(_CONCERNS, [first, as_of, start, as_of, as_of, settled_by], "provider_id"),
        )
    ]  # fmt: skip
    actions = [
        ActionRow(pid, as_date(due), as_date(completed))
        for pid, due, completed in rows(
            connection, *scoped(_ACTIONS, [as_of, settled_by], "p.provider_id")
        )
    ]
    return providers, alerts, concerns, actions


def score_from_connection(
    connection: Connection,
    month: Period | str,
    *,
    actor: Actor,
    config: ScoringConfig | None = None,
    provider_id: str | None = None,
) -> list[ProviderRating]:
    """Read the register and the records the month's rules can count (sgoversight.board.read)
    through a DB-API `connection` and score `month` (score_month); with `provider_id`, that
    provider only (its rating is the same as in the whole register's: every indicator is the
    provider's own).

    The actor (the command line passes SYSTEM; there is no default, so no caller is an
    administrator by omission) needs Permission.VIEW_BOARD, else PermissionDenied; a provider
    user's scope limits every read to their own provider (Actor.scope_for: another provider is
    PermissionDenied). `config` defaults to `[scoring]` of config/rag_thresholds.toml. The month is
    checked before the database is touched.
    """
    board_month = as_board_month(month)
    actor.require(Permission.VIEW_BOARD)
    config = config if config is not None else load_scoring_config()
    scope = actor.scope_for(provider_id)
    span = scoring_window(board_month, config)
    month_rows = read_month(connection, span, config, provider_id=scope)
    return score_month(board_month, *month_rows, config)


def score_from_database(
    database: str | Engine,
    month: Period | str,
    *,
    actor: Actor,
    config: ScoringConfig | None = None,
    provider_id: str | None = None,
) -> list[ProviderRating]:
    """score_from_connection on a connection to `database`: a database URL (the command line)
    or the app's SQLAlchemy engine (its pool's raw connection), closed or returned after use."""
    board_month = as_board_month(month)  # checked before the database is touched
    actor.require(Permission.VIEW_BOARD)
    opened = connect(database) if isinstance(database, str) else from_engine(database)
    with opened as connection:
        return score_from_connection(
            connection, board_month, actor=actor, config=config, provider_id=provider_id
        )
