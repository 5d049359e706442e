"""One Board month's ratings (or several months') counted in the database, through a DB-API
connection (sgoversight.store.read): score_from_connection, score_from_database, score_months.

Rule: the register is read as rows (the columns the ratings show); the records are never read as
rows but counted per provider and month by the database, with the statements that state the
count indicators (board.rules.COUNTS, through rules.count_statement): one statement per kind of
record, one pass over the rows some month can count, each month's measures as its own columns
and its dates as parameters. The counts are then rated in Python (rules.score_tallies). With a
provider, that provider's records only. No order is asked for: the ratings are sorted after scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from sgoversight.store.read import Connection, connect, from_engine, rows

if TYPE_CHECKING:
    from sqlalchemy import Engine

_PROVIDERS = """
SELECT provider_id, name, service_type, regulated, commissioned, cqc_rating FROM providers
WHERE {scope}"""


def _flag(value: object) -> bool | None:
    """A stored yes/no (SQLite keeps 0/1) as True, False or None."""
    return None if value is None else bool(value)


def read_providers(connection: Connection, provider_id: str | None = None) -> list[ProviderRow]:
    """The register as the ratings show it; with `provider_id`, that provider only."""
    if provider_id is None:
        sql, params = _PROVIDERS.format(scope="1 = 1"), []
    else:
        sql, params = _PROVIDERS.format(scope="provider_id = ?"), [provider_id]
    return [
        ProviderRow(pid, name, service, _flag(regulated), _flag(commissioned), cqc)
        for pid, name, service, regulated, commissioned, cqc in rows(connection, sql, params)
    ]


def count_months(
    connection: Connection,
    spans: Sequence[ScoringWindow],
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
) -> list[dict[str, Tally]]:
    """Each month of `spans`' tallies by provider_id, counted by the database (module
    docstring); with `provider_id`, that provider's only."""
    if not spans:
        raise ValueError("count_months needs at least one month")
    counted = {
        kind: rows(connection, *count_statement(kind, spans, config, provider_id))
        for kind in COUNTS
    }
    return tallies_from_counts(len(spans), counted)


def score_months(
    connection: Connection,
    months: Sequence[Period],
    config: ScoringConfig,
    *,
    provider_id: str | None = None,
) -> list[list[ProviderRating]]:
    """The ratings of each of `months` (Board months), in the same order: the register read
    once and every month counted in one statement per kind of record; with `provider_id`, that
    provider's only. No permission is checked here: the callers check it."""
    spans = [scoring_window(month, config) for month in months]
    providers = read_providers(connection, provider_id)
    tallies = count_months(connection, spans, config, provider_id=provider_id)
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
) -> list[ProviderRating]:
    """Read the register and count the month's records (module docstring) through a DB-API
    `connection` and rate `month` (rules.score_tallies); with `provider_id`, that provider
    only (its rating is the same as in the whole register's: every indicator is the provider's
    own).

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
    (ratings,) = score_months(connection, [board_month], config, provider_id=scope)
    return ratings


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
