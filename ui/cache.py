"""Cached reads for the heavy pages.

Rule: a cached result is keyed on the database's data version (the newest audit event that
records a data change, sgoversight.store.audit.data_version) as well as its inputs and the signed-in
actor's roles and provider (not their name: everyone with the same roles sees the same figures,
so they share one entry), so any write anywhere (from this replica, another replica or the
command line) makes the next read fresh, while repeated views of unchanged data answer at once.
Permissions are checked by the domain functions inside, on the first read for each set of roles.
A read that is not cached yet shows a spinner saying what is being worked out (the first view
after a change can take seconds on a large register). The Board page's two heavy reads run at
once (board_reads), so the database counts a year of insight while Python rates the month.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from sgoversight import overview
from sgoversight.auth import Actor
from sgoversight.board import month as board
from sgoversight.periods import Period
from sgoversight.standards import report as standards_report
from sgoversight.standards import results as standards_results
from sgoversight.store.audit import data_version
from sgoversight.store.db import database_url
from sgoversight.weekly import output as weekly_output
from ui.context import engine

TTL_SECONDS = 600


def _by_role(actor: Actor) -> Actor:
    """The actor as a cache key: roles and provider, without the person's name."""
    return replace(actor, username="signed-in user")


def version(unrelated: frozenset[str] = frozenset()) -> tuple[str, int]:
    """Which database, and its data version (leaving out changes to `unrelated` entities, which
    the cached view does not read): the part of every cache key that goes stale."""
    return database_url(), data_version(engine(), unrelated)


@st.cache_data(
    ttl=TTL_SECONDS,
    max_entries=16,
    show_spinner="Counting the week's concerns, enquiries and alerts…",
)
def _weekly(actor: Actor, week: Period, at: tuple[str, int]) -> weekly_output.WeeklyPack:
    return weekly_output.weekly_pack(engine(), actor, week)


def weekly(actor: Actor, week: Period) -> weekly_output.WeeklyPack:
    """The weekly pack (sgoversight.weekly.output.weekly_pack), cached on the data version."""
    return _weekly(_by_role(actor), week, version())


# No spinner of its own: board_reads reads it on a second thread, beside the month's spinner.
# Kept as one shared object (read only), as the month is: a national register's frames and
# tables are tens of thousands of rows, too many to copy on every read.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _insight_frames(actor: Actor, month: Period, at: tuple[str, int]) -> board.InsightFrames:
    return board.load_insight_frames(engine(), actor, month)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner="Reading the provider register…")
def _register(actor: Actor, at: tuple[str, int]) -> pd.DataFrame:
    return board.load_register(engine(), actor)


def register(actor: Actor) -> pd.DataFrame:
    """The provider register as the Board sees it (board.month.load_register), cached."""
    return _register(_by_role(actor), version())


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner="Reading this provider's records…")
def _provider_frames(actor: Actor, provider_id: str, at: tuple[str, int]) -> board.BoardFrames:
    return board.load_board_frames(engine(), actor, provider_id=provider_id)


def provider_frames(actor: Actor, provider_id: str) -> board.BoardFrames:
    """One provider's frames, every month, for its profile (board.month.load_board_frames),
    cached on the data version."""
    return _provider_frames(_by_role(actor), provider_id, version())


@st.cache_resource(
    ttl=TTL_SECONDS, max_entries=16, show_spinner="Rating every provider for the month…"
)
def _board_month(actor: Actor, month: Period, at: tuple[str, int]) -> board.BoardMonth:
    return board.board_month(engine(), actor, month)


def board_month(actor: Actor, month: Period) -> board.BoardMonth:
    """The month's ratings and decisions (sgoversight.board.month.board_month), cached. Kept as one
    shared object, not copied on every read: a national register's month is tens of thousands
    of ratings, and nothing changes a rating once made (a decision saved is a new data
    version, so a new entry)."""
    return _board_month(_by_role(actor), month, version())


def board_reads(actor: Actor, month: Period) -> tuple[board.InsightFrames, board.BoardMonth]:
    """The Board page's insight frames (sgoversight.board.month.load_insight_frames) and month
    (board_month), cached on the data version and read at once: the insight frames on a second
    thread (the database counts a year while Python rates the month), the month on this one,
    under its spinner."""
    key, at = _by_role(actor), version()
    context = get_script_run_ctx()

    def insight() -> board.InsightFrames:
        _insight_tables(key, month, at)  # reads the frames on the way, into their cache
        return _insight_frames(key, month, at)
    with ThreadPoolExecutor(
        max_workers=1, initializer=add_script_run_ctx, initargs=(None, context)
    ) as pool:
        frames = pool.submit(insight)
        view = _board_month(key, month, at)
        return frames.result(), view


@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _board_table(actor: Actor, month: Period, order: str, at: tuple[str, int]) -> pd.DataFrame:
    return board.board_table(_board_month(actor, month, at), order)


def board_table(actor: Actor, month: Period, order: str) -> pd.DataFrame:
    """The Board's table for `month` in `order` (sgoversight.board.month.board_table), cached
    as one shared frame: read it, never change it in place."""
    return _board_table(_by_role(actor), month, order, version())


@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _insight_tables(
    actor: Actor, month: Period, at: tuple[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = _insight_frames(actor, month, at)
    return board.rates_table(frames, month), board.quiet_table(frames, month)


def insight_tables(actor: Actor, month: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Board's rates per 10 places and quiet providers for `month`
    (sgoversight.board.month.rates_table and quiet_table), cached as shared frames: read them,
    never change them in place."""
    return _insight_tables(_by_role(actor), month, version())


@st.cache_data(
    ttl=TTL_SECONDS,
    max_entries=8,
    show_spinner="Working out the quarter's standards and two years of trends…",
)
def _quarterly(
    actor: Actor, quarter: Period, at: tuple[str, int]
) -> standards_report.QuarterlyReport:
    return standards_report.quarterly_report(engine(), actor, quarter)


def quarterly(actor: Actor, quarter: Period) -> standards_report.QuarterlyReport:
    """The quarter's scorecard, series, breakdowns and narrative (read from the stored quarter
    results, sgoversight.standards.results), cached; quality alerts, QA meetings, plans and Board
    records do not refresh it (standards_results.UNRELATED_ENTITIES)."""
    return _quarterly(_by_role(actor), quarter, version(standards_results.UNRELATED_ENTITIES))


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner="Counting this month's figures…")
def _month_at_a_glance(
    actor: Actor, today: dt.date, at: tuple[str, int]
) -> overview.MonthAtAGlance:
    return overview.month_at_a_glance(engine(), actor, today)


def month_at_a_glance(actor: Actor, today: dt.date) -> overview.MonthAtAGlance:
    """The landing page's figures (sgoversight.overview.month_at_a_glance), cached."""
    return _month_at_a_glance(_by_role(actor), today, version())
