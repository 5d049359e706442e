"""AppTest helpers: run one page file with a signed-in user against a test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from sgoversight.auth import Role

PROJECT_ROOT = Path(__file__).resolve().parents[2]

USERS = {
    "commissioner": ("Test Commissioner", [Role.COMMISSIONER], None),
    "provider": ("Test Provider", [Role.PROVIDER], "PRV-A"),
    "qa": ("Test QA Attendee", [Role.QA_ATTENDEE], None),
    "admin": ("Test Admin", [Role.ADMIN], None),
    "safeguarding": ("Test Safeguarding", [Role.SAFEGUARDING], None),
    "board": ("Test Board Member", [Role.BOARD_MEMBER], None),
    "planowner": ("Test Plan Owner", [Role.PLAN_OWNER], None),
}


@pytest.fixture
def page_db(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Point the app at the test database and pin today's date."""
    monkeypatch.setenv("DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SGO_TODAY", "2026-11-24")
    yield sqlite_engine


@pytest.fixture
def run_page(page_db: Engine) -> Callable[..., AppTest]:
    """run_page("pages/x.py", as_user="commissioner") → the AppTest after its first run."""

    def _run(path: str, as_user: str = "commissioner", timeout: float = 30) -> AppTest:
        name, roles, provider_id = USERS[as_user]
        app = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=timeout)
        app.session_state["sgo_user"] = {
            "username": as_user,
            "name": name,
            "roles": [r.value for r in roles],
            "provider_id": provider_id,
        }
        return app.run()

    return _run
