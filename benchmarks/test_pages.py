"""Every page of the app (ui.navigation.PAGES) on the large borough, run with Streamlit's AppTest
as an administrator (who may open them all) against the large SQLite database.

Cold: the first run after Streamlit's data and resource caches are cleared (what the first user
after a data change, or after the cache's time to live, waits for). The modules the pages import
are imported once before any page is timed, as the server does at start-up (ui.warmup), so the
first page timed does not carry every page's imports. Warm: the best of the next runs
in the same session (what a user clicking about waits for). Baseline: a page that only writes a
title, the floor of a script run in AppTest.

Pages that show nothing until something is chosen are timed with something to show: the provider
profile opens on the provider with the most quality alerts (its link, ?provider=ID), and the
Quality Assurance meeting page on a meeting set up for PAGE_TODAY, whose agenda is every alert
open then.
"""

from __future__ import annotations

import logging

import pytest
import streamlit as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from benchmarks.conftest import PAGE_TODAY, PAGE_WARM_SECONDS, Database
from benchmarks.measure import PROJECT_ROOT, best_of, timed
from benchmarks.report import Results, seconds
from sgoversight.alerts import qa
from sgoversight.auth import SYSTEM, Role
from sgoversight.store.models import QualityAlert
from ui.navigation import PAGES, PageSpec

pytestmark = pytest.mark.benchmark

SECTION = "Pages"
TIMEOUT = 600
WARM_RUNS = 2
#: What a page shows when it has nothing to show yet: a page is never timed in that state.
EMPTY_STATES = (
    "Choose a provider to see their profile.",
    "No Quality Assurance meeting has been set up yet.",
)
ADMIN = {
    "username": "benchmark",
    "name": "Benchmark Administrator",
    "roles": [Role.ADMIN.value],
    "provider_id": None,
}


def _clear_streamlit_caches() -> None:
    """Empty st.cache_data and st.cache_resource (quietly: outside a running app Streamlit
    warns that there is no script run context, which does not matter here)."""
    logging.disable(logging.WARNING)
    try:
        st.cache_data.clear()
        st.cache_resource.clear()
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def floor_seconds() -> float:
    """A page that only writes a title, run warm: the floor of any page in AppTest."""
    app = AppTest.from_string("import streamlit as st\nst.title('Empty')\n")
    app.run(timeout=TIMEOUT)
    best, _ = best_of(3, lambda: app.run(timeout=TIMEOUT))
    return best


@pytest.fixture(scope="module")
def warmed_imports() -> None:
    """Import what the server imports at start-up (ui.warmup.warm_imports), inside an app run so
    that Streamlit's caches are set up as in the server."""
    app = AppTest.from_string("from ui.warmup import warm_imports\nwarm_imports()\n")
    app.run(timeout=TIMEOUT)
    assert not app.exception


@pytest.fixture(scope="module")
def query_params(large_sqlite: Database) -> dict[str, dict[str, str]]:
    """What each page is opened with (see the module docstring), by page path; a QA meeting is
    set up on the way."""
    with Session(large_sqlite.engine) as session:
        busiest = session.execute(
            select(QualityAlert.provider_id)
            .group_by(QualityAlert.provider_id)
            .order_by(func.count().desc(), QualityAlert.provider_id)
            .limit(1)
        ).scalar_one()
    qa.create_meeting(large_sqlite.engine, SYSTEM, meeting_on=PAGE_TODAY, attendees="Benchmark")
    return {"pages/provider.py": {"provider": busiest}}


@pytest.mark.parametrize("page", PAGES, ids=[p.path.rsplit("/", 1)[-1] for p in PAGES])
def test_page_cold_and_warm(
    page: PageSpec,
    large_sqlite: Database,
    floor_seconds: float,
    query_params: dict[str, dict[str, str]],
    results: Results,
    monkeypatch: pytest.MonkeyPatch,
    warmed_imports: None,
) -> None:
    monkeypatch.setenv("DATABASE_URL", large_sqlite.url)
    monkeypatch.setenv("SGO_TODAY", PAGE_TODAY.isoformat())
    _clear_streamlit_caches()
    app = AppTest.from_file(str(PROJECT_ROOT / page.path), default_timeout=TIMEOUT)
    app.session_state["sgo_user"] = dict(ADMIN)
    app.query_params.update(query_params.get(page.path, {}))
    cold, _ = timed(lambda: app.run(timeout=TIMEOUT))
    failed = [str(e.message) for e in app.exception]
    empty = [str(i.value) for i in app.info if str(i.value) in EMPTY_STATES]
    assert not empty, f"{page.path} was timed showing nothing: {empty}"
    warm, _ = best_of(WARM_RUNS, lambda: app.run(timeout=TIMEOUT))
    failed += [str(e.message) for e in app.exception]
    results.add(
        SECTION,
        f"`{page.path}` ({page.title})" + (" — raised an exception" if failed else ""),
        f"cold {seconds(cold)}, warm {seconds(warm)}",
        f"empty page: {seconds(floor_seconds)}",
        f"cold and warm < {PAGE_WARM_SECONDS:g} s",
        cold < PAGE_WARM_SECONDS and warm < PAGE_WARM_SECONDS and not failed,
    )
    assert not failed, failed
