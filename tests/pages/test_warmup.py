"""The server's warm-up (ui.warmup): the app's first run starts it once in the background, it
fills the pages' own cache of the current Board month, and a failure changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from sgoversight.auth import Actor, Role
from sgoversight.board import month as board
from sgoversight.periods import last_complete_month
from tests.pages.conftest import PROJECT_ROOT
from tests.support.alerts import add_providers
from ui import cache, warmup

TODAY = dt.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def empty_caches() -> None:
    logging.disable(logging.WARNING)  # outside a script run Streamlit warns it has no context
    try:
        st.cache_data.clear()
        st.cache_resource.clear()
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture
def board_months(monkeypatch: pytest.MonkeyPatch) -> list[tuple[frozenset[Role], str]]:
    """Every Board month actually worked out (not read from a cache): roles and month."""
    worked_out: list[tuple[frozenset[Role], str]] = []
    real = board.board_month

    def counted(engine: Engine, actor: Actor, month: object, *args: object, **kwargs: object):
        view = real(engine, actor, month, *args, **kwargs)
        worked_out.append((actor.roles, view.month.label))
        return view

    monkeypatch.setattr(board, "board_month", counted)
    return worked_out


def test_the_warm_up_fills_the_pages_cache_of_the_current_board_month(
    page_db: Engine, board_months: list[tuple[frozenset[Role], str]]
) -> None:
    add_providers(page_db)
    month = last_complete_month(TODAY)
    assert warmup.warm_board_month(TODAY, [Role.BOARD_MEMBER]) == [Role.BOARD_MEMBER]
    assert board_months == [(frozenset({Role.BOARD_MEMBER}), month.label)]

    # A Board member's first view reads it from the cache; a commissioner's was not warmed.
    view = cache.board_month(Actor("bea", frozenset({Role.BOARD_MEMBER})), month)
    assert len(view.ratings) > 0
    assert len(board_months) == 1
    cache.board_month(Actor("cam", frozenset({Role.COMMISSIONER})), month)
    assert len(board_months) == 2


def test_every_council_role_that_sees_the_board_is_warmed_and_no_provider_is() -> None:
    assert set(warmup.WARMED_ROLES) == {
        Role.ADMIN,
        Role.COMMISSIONER,
        Role.SAFEGUARDING,
        Role.BOARD_MEMBER,
    }


def test_a_failing_warm_up_is_logged_and_changes_nothing(
    page_db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no database yet")

    monkeypatch.setattr(board, "board_month", broken)
    with caplog.at_level(logging.ERROR, logger=warmup.LOG.name):
        assert warmup.warm_board_month(TODAY) == []
    assert "was not worked out" in caplog.text
    assert warmup.warm_imports(["json", "sgoversight.no_such_module"]) == [
        "sgoversight.no_such_module"
    ]


def test_the_apps_first_run_starts_the_warm_up_once_without_waiting_for_it(
    page_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()
    release = threading.Event()
    runs: list[dt.date] = []

    def slow_warm_up(today: dt.date) -> None:
        runs.append(today)
        started.set()
        release.wait(timeout=30)

    monkeypatch.setattr(warmup, "warm_up", slow_warm_up)
    first = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    assert not first.exception
    assert started.wait(timeout=10)
    assert first.text_input  # the sign-in form was drawn while the warm-up was still running
    second = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    assert not second.exception
    release.set()
    thread = warmup.start_warm_up(TODAY)  # the same thread: nothing new is started
    thread.join(timeout=10)
    assert runs == [TODAY]


def test_only_the_warm_up_threads_no_page_run_warnings_are_left_out_of_the_log() -> None:
    quiet = warmup._QuietOutsideAPage()

    def record(thread: str, message: str) -> logging.LogRecord:
        made = logging.LogRecord("streamlit", logging.WARNING, __file__, 1, message, None, None)
        made.threadName = thread
        return made

    assert not quiet.filter(record(warmup.THREAD_NAME, "Thread: missing ScriptRunContext!"))
    assert quiet.filter(record("ScriptRunner.scriptThread", "missing ScriptRunContext!"))
    assert quiet.filter(record(warmup.THREAD_NAME, "something else went wrong"))
