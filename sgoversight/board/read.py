"""One Board month's ratings (or several months') counted in the database, through a DB-API
connection (sgoversight.store.read): score_from_connection, score_from_database, score_months.

Rule: the register is read as rows (the columns the ratings show); the records are never read as
rows but counted per provider and month by the database, with the statements that state the
count indicators (board.rules.COUNTS, through rules.count_statement): one statement per kind of
record, one pass over the rows some month can count, each month's measures as its own columns
and its dates as parameters. The counts are then rated in Python (rules.score_tallies). With a
provider, that provider's records only. No order is asked for: the ratings are sorted after scoring.
Given a way to open more connections, the register and each kind of record are read at once,
each on its own connection (store.read.rows_at_once).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from sgoversight.auth import Actor, Permission
from sgoversight.board.config import ScoringConfig, load_scoring_config
from sgoversight.board.rules import (
    COUNTS,
    ProviderRating,
    ProviderRow,
    ScoringWindow,
    Tally,
    as_board_month,
    count_statement,
    score_tallies,
    scoring_window,
    tallies_from_counts,
)
from sgoversight.periods import Period
from sgoversight.store.read import (
    Connection,
    Opener,
    connect,
    from_engine,
    is_sqlite,
    rows_at_once,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

_PROVIDERS = """
SELECT provider_id, name, service_type, regulated, commissioned, cqc_rating FROM providers
WHERE {scope}"""


def _flag(value: object) -> bool | None:
    """A stored yes/no (SQLite keeps 0/1) as True, False or None."""
    return None if value is None else bool(value)


def providers_statement(provider_id: str | None = None) -> tuple[str, list[object]]:
    """The register's statement as the ratings show it; with `provider_id`, that provider only."""
    if provider_id is None:
        return _PROVIDERS.format(scope="1 = 1"), []
    return _PROVIDERS.format(scope="provider_id = ?"), [provider_id]


def provider_rows(found: Sequence[Sequence[object]]) -> list[ProviderRow]:
    """The rows of providers_statement as ProviderRows."""
    return [
        ProviderRow(pid, name, service, _flag(regulated), _flag(commissioned), cqc)
        for pid, name, service, regulated, commissioned, cqc in found
    ]


def read_months(
    connection: Connection,
    spans: Sequence[ScoringWindow],
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
    opener: Opener | None = None,
) -> tuple[list[ProviderRow], list[dict[str, Tally]]]:
    """The register (providers_statement) and each month of `spans`' tallies by provider_id, counted
    by the database (module docstring); with `provider_id`, that provider's only. With `opener`,
    the register and every kind of record are read at once, each on its own connection."""
    statements = _count_statements(spans, config, provider_id)
    found = rows_at_once(
        connection, {**statements, _REGISTER: providers_statement(provider_id)}, opener
    )
    providers = provider_rows(found.pop(_REGISTER))
    return providers, tallies_from_counts(len(spans), found)


#: The register's key among the statements read at once (no kind of record is named so).
_REGISTER = "providers"


def count_months(
    connection: Connection,
    spans: Sequence[ScoringWindow],
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
) -> list[dict[str, Tally]]:
    """Each month of `spans`' tallies by provider_id, counted by the database (module
    docstring); with `provider_id`, that provider's only."""
    counted = rows_at_once(connection, _count_statements(spans, config, provider_id))
    return tallies_from_counts(len(spans), counted)


def _count_statements(
    spans: Sequence[ScoringWindow], config: ScoringConfig, provider_id: str | None
) -> dict[str, tuple[str, list[object]]]:
    """Each kind of record's count_statement for every month of `spans`."""
    if not spans:
        raise ValueError("counting needs at least one month")
    return {kind: count_statement(kind, spans, config, provider_id) for kind in COUNTS}


def score_months(
    connection: Connection,
    months: Sequence[Period],
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
    opener: Opener | None = None,
) -> list[list[ProviderRating]]:
    """The ratings of each of `months` (Board months), in the same order: the register read
    once and every month counted in one statement per kind of record (read_months, at once
    with `opener`); with `provider_id`, that provider's only. No permission is checked here:
    the callers check it."""
    spans = [scoring_window(month, config) for month in months]
    providers, tallies = read_months(
        connection, spans, config, provider_id=provider_id, opener=opener
    )
    return [
        score_tallies(span.month, providers, by_provider, config)
        for span, by_provider in zip(spans, tallies, strict=True)
    ]


def score_from_connection(
    connection: Connection,
    month: Period | str,
    *,
    actor: Actor,
    config: ScoringConfig | None = None,
    provider_id: str | None = None,
    opener: Opener | None = None,
) -> list[ProviderRating]:
    """Read the register and count the month's records (module docstring) through a DB-API
    `connection` and rate `month` (rules.score_tallies); with `provider_id`, that provider
    only (its rating is the same as in the whole register's: every indicator is the provider's
    own).

    The actor (the command line passes SYSTEM; there is no default, so no caller is an
    administrator by omission) needs Permission.VIEW_BOARD, else PermissionDenied; a provider
    user's scope limits every read to their own provider (Actor.scope_for: another provider is
    PermissionDenied). `config` defaults to `[scoring]` of config/rag_thresholds.toml. The month is
    checked before the database is touched. With `opener` (more connections to the same
    database), the register and the records are read at once (read_months).
    """
    board_month = as_board_month(month)
    actor.require(Permission.VIEW_BOARD)
    config = config if config is not None else load_scoring_config()
    scope = actor.scope_for(provider_id)
    (ratings,) = score_months(connection, [board_month], config, provider_id=scope, opener=opener)
    return ratings


def score_from_database(
    database: str | Engine,
    month: Period | str,
    *,
    actor: Actor,
    config: ScoringConfig | None = None,
    provider_id: str | None = None,
) -> list[ProviderRating]:
    """score_from_connection on connections to `database`: a database URL (the command line)
    or the app's SQLAlchemy engine (its pool's raw connections), closed or returned after use;
    the register and the records read at once (read_months)."""
    board_month = as_board_month(month)  # checked before the database is touched
    actor.require(Permission.VIEW_BOARD)
    with opener_for(database)() as connection:
        return score_from_connection(
            connection,
            board_month,
            actor=actor,
            config=config,
            provider_id=provider_id,
            opener=more_connections(database),
        )


def opener_for(database: str | Engine) -> Opener:
    """How to open read connections to `database`: a database URL (store.read.connect) or a
    SQLAlchemy engine (its pool's raw connections, store.read.from_engine)."""
    if isinstance(database, str):
        return partial(connect, database)
    return partial(from_engine, database)


def more_connections(database: str | Engine) -> Opener | None:
    """opener_for `database` on PostgreSQL, whose server counts each statement in a process of
    its own while Python waits; None on SQLite, which reads in this process (building its rows
    holds Python's lock, so reading at once is no quicker there)."""
    sqlite = is_sqlite(database) if isinstance(database, str) else database.dialect.name == "sqlite"
    if sqlite:
        return None
    return opener_for(database)
