"""On the demo borough, each landing page line that opens a filtered list (`?show=KEY`) opens
exactly its records: the Board table filtered to the providers rated Red or worse than the month
before, and the plans page filtered to the reviews due, the plans awaiting sign-off and the
decisions whose work has not started. The filter is said on the page and "Show all" removes it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from sgoversight import attention
from sgoversight.auth import Actor, Role
from sgoversight.demo.load import load_demo
from sgoversight.store.db import make_engine
from tests.pages.conftest import PROJECT_ROOT, USERS
from tests.support.plan_work import start_plan_work

TODAY = dt.date(2026, 11, 24)  # the demo borough is built as of 20 November, seen 4 days later
COMMISSIONER = Actor("commissioner", frozenset({Role.COMMISSIONER}))
BOARD = Actor("board", frozenset({Role.BOARD_MEMBER}))


@pytest.fixture(scope="module")
def demo_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo borough, with plan work under way (tests.support.plan_work), in a database file
    of this module's own (the tests here only read)."""
    path = tmp_path_factory.mktemp("attention-demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        load_demo(engine, seed=2026, as_of=dt.date(2026, 11, 20))
        start_plan_work(engine, TODAY)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def borough(demo_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{demo_file}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SGO_TODAY", TODAY.isoformat())
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def open_page(borough: Engine) -> Callable[..., AppTest]:
    """open_page("pages/x.py", user, show=..., month=...) → the page after its first run."""

    def _open(path: str, as_user: str, **params: str) -> AppTest:
        name, roles, provider_id = USERS[as_user]
        app = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=120)
        app.session_state["sgo_user"] = {
            "username": as_user,
            "name": name,
            "roles": [r.value for r in roles],
            "provider_id": provider_id,
        }
        app.query_params.update(params)
        return app.run()

    return _open


def _lines(engine: Engine, actor: Actor) -> dict[str, attention.Line]:
    return {line.key: line for line in attention.needs_attention(engine, actor, TODAY)}


def _notice(app: AppTest) -> str:
    return next(i.value for i in app.info if i.value.startswith("Showing"))


def test_board_red_or_worse_lists_the_lines_providers(
    open_page: Callable[..., AppTest], borough: Engine
) -> None:
    line = _lines(borough, COMMISSIONER)["providers_red_or_worse"]
    assert line.count > 10  # more than the landing page lists under the line
    app = open_page("pages/board.py", "commissioner", **line.params)
    assert not app.exception
    table = app.dataframe[0].value
    assert sorted(table["Provider"]) == sorted(item.label for item in line.items)
    assert _notice(app) == (
        f"Showing **{line.count:,}** providers rated Red for October 2026 or worse than the "
        "month before."
    )
    assert app.query_params["show"] == "red_or_worse"
    app = next(b for b in app.button if b.label == "Show all").click().run()
    assert "show" not in app.query_params
    assert len(app.dataframe[0].value) > line.count
    assert not [i for i in app.info if i.value.startswith("Showing")]


def test_board_awaiting_decision_lists_the_lines_providers(
    open_page: Callable[..., AppTest], borough: Engine
) -> None:
    line = _lines(borough, BOARD)["awaiting_decision"]
    app = open_page("pages/board.py", "board", **line.params)
    assert not app.exception
    table = app.dataframe[0].value
    assert sorted(table["Provider"]) == sorted(item.label for item in line.items)
    assert 0 < line.count < 250  # two of the demo borough's 250 providers are decided
    assert _notice(app) == (
        f"Showing **{line.count:,}** providers awaiting the Board's decision for October 2026."
    )


@pytest.mark.parametrize(
    ("key", "actor", "user", "count"),
    [
        (attention.REVIEWS_DUE, COMMISSIONER, "commissioner", 3),  # two plans, one monitoring
        (attention.AWAITING_SIGN_OFF, BOARD, "board", 1),
    ],
)
def test_plans_page_lists_the_lines_plans_and_arrangements(
    open_page: Callable[..., AppTest], borough: Engine, key: str, actor: Actor, user: str,
    count: int,
) -> None:
    line = _lines(borough, actor)[key]
    assert line.count == count
    app = open_page("pages/plans.py", user, **line.params)
    assert not app.exception
    table = app.dataframe[0].value
    references = {
        item.record_id if "plan" in item.params else f"EM-{item.params['monitoring']}"
        for item in line.items
    }
    assert sorted(table["Reference"]) == sorted(references)
    assert _notice(app).startswith(f"Showing **{line.count:,}** ")
    app = next(b for b in app.button if b.label == "Show all").click().run()
    assert "show" not in app.query_params


def test_plans_page_lists_the_decisions_whose_work_has_not_started(
    open_page: Callable[..., AppTest], borough: Engine
) -> None:
    line = _lines(borough, BOARD)[attention.WORK_NOT_STARTED]
    assert line.count == 2
    app = open_page("pages/plans.py", "board", **line.params)
    assert not app.exception
    assert _notice(app).startswith(f"Showing **{line.count:,}** decisions for October 2026")
    links = [m.value for m in app.markdown if "provider=" in m.value]
    assert len(links) == line.count
    for item, link in zip(line.items, links, strict=True):
        assert f"provider={item.params['provider']}" in link


def test_an_address_asking_for_a_list_not_offered_says_so_and_shows_everything(
    open_page: Callable[..., AppTest],
) -> None:
    app = open_page("pages/plans.py", "commissioner", show="everything*")
    assert not app.exception
    assert any("does not offer" in w.value and "everything\\*" in w.value for w in app.warning)
    assert "show" not in app.query_params
