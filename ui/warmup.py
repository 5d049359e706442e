"""The server warms itself at start-up, so the first person after a restart is not the one who
waits for it.

Rule: once per server process, in a background thread started by the app's first run (the first
page is drawn without waiting for it), the modules the pages import are imported, and the current
Board month (the last complete month: the Board page's default and the landing page's attention
lines) is worked out through the pages' own cached reads (ui.cache.board_month) for each council
role that sees the Board, so the first view of either page reads it from the cache. The warm-up
reads as those roles would; it shows nothing and writes nothing. A failure (say, the database is
not there yet) is logged and changes nothing: the pages then work it out as they always do.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
import time
from collections.abc import Iterable

import streamlit as st

from sgoversight.auth import Actor, Permission, Role
from sgoversight.paths import database_url
from sgoversight.periods import last_complete_month
from sgoversight.store.read import is_sqlite

LOG = logging.getLogger(__name__)
THREAD_NAME = "sgo-warm-up"
#: Streamlit warns, on every cached read outside a page run, that there is no page run: true and
#: expected in the warm-up thread, so not written to the server's log from there.
_NO_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


class _QuietOutsideAPage(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warnings raised in the warm-up thread only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.threadName == THREAD_NAME and "missing ScriptRunContext" in record.getMessage()
        )


#: What the pages import beyond what the app's own start imports: charts, tables' conversion
#: for the browser, the packs (PDF and Excel writers), the import pipeline and the Board's rules.
HEAVY_MODULES: tuple[str, ...] = (
    "altair",
    "pyarrow.pandas_compat",
    "sgoversight.board.month",
    "sgoversight.board.pack",
    "sgoversight.pdf",
    "sgoversight.exporting",
    "sgoversight.intake.importing",
    "sgoversight.plans.read",
    "sgoversight.plans.actions",
    "sgoversight.plans.monitoring",
    "sgoversight.plans.output",
    "sgoversight.alerts.register",
    "sgoversight.alerts.workflow",
    "sgoversight.weekly.output",
    "sgoversight.standards.report",
    "ui.cache",
    "ui.cqc",
)

#: Who the Board month is worked out for: every role that sees the Board council-wide (the
#: cache keeps one copy per set of roles: ui.cache).
WARMED_ROLES: tuple[Role, ...] = tuple(
    role
    for role in Role
    if role is not Role.PROVIDER and Actor("warm-up", frozenset({role})).can(Permission.VIEW_BOARD)
)


def database_driver() -> str:
    """The module of the configured database's driver, which the pages' first read imports:
    the standard library's sqlite3 for SQLite, psycopg for PostgreSQL."""
    return "sqlite3" if is_sqlite(database_url()) else "psycopg"


def warm_imports(modules: Iterable[str] | None = None) -> list[str]:
    """Import each of `modules` (by default HEAVY_MODULES and the database_driver); the names
    of those that could not be imported (logged)."""
    failed = []
    for name in (*HEAVY_MODULES, database_driver()) if modules is None else modules:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module must not stop the server
            LOG.exception("warm-up: could not import %s", name)
            failed.append(name)
    return failed


def warm_board_month(today: dt.date, roles: Iterable[Role] = WARMED_ROLES) -> list[Role]:
    """Work out the Board month of `today` (the last complete month) into the pages' cache for
    each of `roles`; the roles it was worked out for (a failure is logged and stops there)."""
    from ui import cache  # imported here: the warm-up thread pays for it, not the first page

    month = last_complete_month(today)
    done = []
    for role in roles:
        try:
            cache.board_month(Actor("warm-up", frozenset({role})), month)
        except Exception:  # e.g. no database yet: the pages will work it out themselves
            LOG.exception("warm-up: the Board month %s was not worked out", month.label)
            break
        done.append(role)
    return done


def warm_up(today: dt.date) -> None:
    """Everything the warm-up does, in order (see the module docstring)."""
    started = time.perf_counter()
    warm_imports()
    roles = warm_board_month(today)
    LOG.info(
        "warm-up: imports and the Board month for %d roles ready in %.1f s",
        len(roles),
        time.perf_counter() - started,
    )


@st.cache_resource(show_spinner=False)
def start_warm_up(today: dt.date) -> threading.Thread:
    """Start the warm-up in a background thread, once per server process and day (a cached
    resource): later runs get the same thread back and start nothing."""
    quiet = logging.getLogger(_NO_CONTEXT_LOGGER)
    if not any(isinstance(f, _QuietOutsideAPage) for f in quiet.filters):
        quiet.addFilter(_QuietOutsideAPage())
    thread = threading.Thread(target=warm_up, args=(today,), name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
