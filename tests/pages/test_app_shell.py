"""app.py: sign-in with the real users file, and which pages each role is given."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sgoversight.auth import Actor, Permission, Role
from sgoversight.users import load_users
from tests.pages.conftest import PROJECT_ROOT
from ui.navigation import PAGES, pages_for


def _sign_in(username: str, password: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def test_sign_in_form_comes_first(page_db) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert [t.label for t in app.text_input] == ["Username", "Password"]
    assert not app.metric


def test_demo_commissioner_signs_in_to_the_landing_page(page_db) -> None:
    app = _sign_in("commissioner", "demo-commissioner")
    assert not app.exception
    assert app.session_state["sgo_user"]["roles"] == ["commissioner"]
    assert any(t.value == "This month at a glance" for t in app.title)


def test_wrong_password_is_refused(page_db) -> None:
    app = _sign_in("commissioner", "not-the-password")
    assert not app.exception
    assert "sgo_user" not in app.session_state
    assert any("not right" in e.value for e in app.error)


ALERTS = {"pages/alerts.py", "pages/qa_meeting.py"}
REPORTS = {
    "pages/overview.py",
    "pages/board.py",
    "pages/provider.py",
    "pages/plans.py",
    "pages/weekly.py",
    "pages/standards.py",
}


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({Role.COMMISSIONER}, {*REPORTS, *ALERTS, "pages/alert_log.py", "pages/data.py"}),
        ({Role.SAFEGUARDING}, {*REPORTS, *ALERTS, "pages/alert_log.py", "pages/data.py"}),
        ({Role.BOARD_MEMBER}, {*REPORTS, *ALERTS, "pages/audit.py"}),
        ({Role.QA_ATTENDEE}, {"pages/overview.py", "pages/plans.py", *ALERTS}),
        ({Role.PLAN_OWNER}, {"pages/overview.py", "pages/plans.py"}),
        ({Role.PROVIDER}, {"pages/overview.py", *ALERTS, "pages/alert_log.py"}),
        ({Role.ADMIN}, {p.path for p in PAGES}),
    ],
)
def test_pages_each_role_is_given(roles: set[Role], expected: set[str]) -> None:
    actor = Actor("someone", frozenset(roles), "PRV-A" if Role.PROVIDER in roles else None)
    assert {p.path for p in pages_for(actor)} == expected


def test_every_page_file_exists_and_has_one_default() -> None:
    assert all((PROJECT_ROOT / p.path).is_file() for p in PAGES)
    assert sum(p.default for p in PAGES) == 1
    assert all(p.permission in Permission for p in PAGES)


def test_users_file_holds_only_hashes_and_valid_roles() -> None:
    users = load_users()
    assert {"admin", "commissioner", "provider", "board", "qa", "planowner", "safeguarding"} <= set(
        users
    )
    assert all(u.password.startswith("$2b$") for u in users.values())
