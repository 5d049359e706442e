"""app.py: sign-in against the users table (seeded from the real users file), lock-out, idle
timeout, disabled accounts, production refusal, and which pages each role is given."""

from __future__ import annotations

import datetime as dt
import time
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from sgoversight import users
from sgoversight.auth import SYSTEM, Actor, Permission, Role
from sgoversight.store.models import AuditEvent, Base
from sgoversight.users import load_users
from tests.pages.conftest import PROJECT_ROOT
from ui.login import (
    AUTHENTICATED_AT_KEY,
    DATABASE_CHECKED_KEY,
    IDLE_TIMEOUT_MINUTES,
    LAST_ACTIVITY_KEY,
    READ_ONLY_MESSAGE,
    SESSION_END_NOTICES,
    SIGNED_IN_AT_KEY,
    UNUSABLE_DATABASE_MESSAGE,
)
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


def _try_again(app: AppTest, password: str) -> AppTest:
    app.text_input[1].input(password)
    return app.button[0].click().run()


def test_the_first_sign_in_page_seeds_the_users_table(page_db: Engine) -> None:
    assert users.account(page_db, "commissioner") is None
    AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    found = users.account(page_db, "commissioner")
    assert found is not None and found.demo


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
    page_db: Engine,
) -> None:
    app = _sign_in("board", "wrong password 1")
    for attempt in range(2, users.MAX_FAILED_LOGINS):
        app = _try_again(app, f"wrong password {attempt}")
        assert [e.value for e in app.error] == ["Username or password is not right."]
    app = _try_again(app, "wrong password 5")
    assert any("locked after repeated wrong passwords" in e.value for e in app.error)
    app = _try_again(app, "demo-board")
    assert "sgo_user" not in app.session_state
    (message,) = [e.value for e in app.error]
    assert message.startswith(
        "This account is locked after repeated wrong passwords; try again after "
    )
    assert message.endswith(" or ask an administrator.")
    with Session(page_db) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "board").order_by(AuditEvent.id)
        ).all()
    assert actions == ["login_failed"] * 5 + ["account_locked", "login_failed"]


def _count_events(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _signed_in_as(
    username: str,
    idle_seconds: float = 0,
    signed_in_at: dt.datetime | None = None,
    password_age: dt.timedelta = dt.timedelta(minutes=1),
) -> AppTest:
    """app.py in a browser session already signed in as `username` with a password given
    `password_age` ago (AppTest cannot rerun app.py after its navigation has run, so each later
    visit is a fresh AppTest with that state)."""
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    app.session_state["authentication_status"] = True
    app.session_state["username"] = username
    app.session_state["sgo_user"] = {
        "username": username,
        "name": username.title(),
        "roles": ["commissioner"],
        "provider_id": None,
    }
    app.session_state[LAST_ACTIVITY_KEY] = time.time() - idle_seconds
    app.session_state[AUTHENTICATED_AT_KEY] = users.utc_now() - password_age
    if signed_in_at is not None:
        app.session_state[SIGNED_IN_AT_KEY] = signed_in_at
    return app.run()


def test_a_user_added_later_signs_in_and_a_disabled_one_is_refused(page_db: Engine) -> None:
    users.seed_users(page_db)
    users.add_user(
        page_db, SYSTEM, "cara", "Cara Jones", "cara@council.example",
        "correct horse battery", ["commissioner"],
    )  # fmt: skip
    app = _sign_in("Cara", "correct horse battery")
    assert app.session_state["sgo_user"]["username"] == "cara"
    assert app.session_state["sgo_user"]["name"] == "Cara Jones"
    users.disable_user(page_db, SYSTEM, "cara")
    app = _signed_in_as("cara")  # a running session ends on its next run
    assert "sgo_user" not in app.session_state
    assert [i.value for i in app.info] == ["This account has been disabled; ask an administrator."]
    app = _sign_in("cara", "correct horse battery")
    assert "sgo_user" not in app.session_state
    assert [e.value for e in app.error] == ["This account has been disabled; ask an administrator."]


def test_a_password_reset_ends_a_session_already_running(page_db: Engine) -> None:
    """Someone who knew the old password and is signed in is signed out by the reset."""
    users.seed_users(page_db)
    app = _sign_in("commissioner", "demo-commissioner")
    signed_in_at = app.session_state[SIGNED_IN_AT_KEY]
    app = _signed_in_as("commissioner", signed_in_at=signed_in_at)
    assert app.session_state["sgo_user"]["username"] == "commissioner"  # nothing revoked yet
    users.reset_password(page_db, SYSTEM, "commissioner", "a brand new passphrase")
    app = _signed_in_as("commissioner", signed_in_at=signed_in_at)
    assert "sgo_user" not in app.session_state
    assert [i.value for i in app.info] == [
        "Your password was changed, or you signed out in another browser. Please sign in again."
    ]


def test_a_session_idle_for_too_long_is_signed_out(page_db: Engine) -> None:
    users.seed_users(page_db)
    app = _signed_in_as("commissioner", idle_seconds=IDLE_TIMEOUT_MINUTES * 60 - 60)
    assert app.session_state["sgo_user"]["username"] == "commissioner"  # 29 minutes: still in
    assert any(t.value == "This month at a glance" for t in app.title)
    app = _signed_in_as("commissioner", idle_seconds=IDLE_TIMEOUT_MINUTES * 60 + 1)
    assert "sgo_user" not in app.session_state
    assert [i.value for i in app.info] == [
        f"You were signed out after {IDLE_TIMEOUT_MINUTES} minutes without activity. "
        "Please sign in again."
    ]
    assert [t.label for t in app.text_input] == ["Username", "Password"]


def test_a_session_ends_twelve_hours_after_the_password_even_while_active(
    page_db: Engine,
) -> None:
    users.seed_users(page_db)
    almost = users.SESSION_LIFETIME - dt.timedelta(minutes=1)
    app = _signed_in_as("commissioner", password_age=almost)
    assert app.session_state["sgo_user"]["username"] == "commissioner"
    app = _signed_in_as("commissioner", password_age=users.SESSION_LIFETIME)
    assert "sgo_user" not in app.session_state
    assert [i.value for i in app.info] == [SESSION_END_NOTICES[users.SessionEnd.EXPIRED]]
    assert "12 hours" in app.info[0].value
    assert [t.label for t in app.text_input] == ["Username", "Password"]


def test_a_password_sign_in_records_when_the_password_was_given(page_db: Engine) -> None:
    before = users.utc_now()
    app = _sign_in("commissioner", "demo-commissioner")
    assert before <= app.session_state[AUTHENTICATED_AT_KEY] <= users.utc_now()


def test_production_mode_refuses_demo_users_and_the_demo_cookie_key(
    page_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.seed_users(page_db)
    monkeypatch.setenv("SGO_ENV", "production")
    monkeypatch.delenv("SGO_COOKIE_KEY", raising=False)
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    errors = [e.value for e in app.error]
    assert errors[0] == "The app will not start in production mode:"
    assert any("SGO_COOKIE_KEY" in e for e in errors)
    assert any("demo users are still enabled" in e for e in errors)
    assert not app.text_input


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
        ({Role.PROVIDER}, {"pages/overview.py", *ALERTS, "pages/alert_log.py", "pages/plans.py"}),
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


# --- databases the app cannot use, and error details -------------------------------------------


def _everything(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
            for table in Base.metadata.sorted_tables
        }


def _refused(app: AppTest, reason: str) -> None:
    """The plain page for a database the app cannot use: the reason, no form, no traceback."""
    assert not app.exception
    assert [e.value for e in app.error] == [UNUSABLE_DATABASE_MESSAGE]
    assert reason in app.code[0].value
    assert not app.text_input


def test_a_database_from_a_newer_version_is_refused_before_anything_is_read_or_written(
    page_db: Engine,
) -> None:
    with page_db.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    _refused(app, "newer version")
    assert users.account(page_db, "commissioner") is None  # not even the seed accounts
    assert _count_events(page_db) == 0


def test_a_missing_database_gets_a_plain_page_and_nothing_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no-such-folder" / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    _refused(app, "does not exist")
    assert not missing.parent.exists()
    assert "The app cannot use its database: the database file" in caplog.text  # and logged


def test_a_read_only_database_gets_a_plain_page_and_nothing_is_written(
    page_db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    users.seed_users(page_db)
    before = _everything(page_db)
    read_only = f"sqlite:///file:{page_db.url.database}?mode=ro&uri=true"
    monkeypatch.setenv("DATABASE_URL", read_only)
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    _refused(app, "cannot be written to")
    # a database that turns read-only while a sign-in page is open: a message, not a traceback
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    app.session_state[DATABASE_CHECKED_KEY] = True
    app.run()
    app.text_input[0].input("commissioner")
    app.text_input[1].input("demo-commissioner")
    app = app.button[0].click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [READ_ONLY_MESSAGE]
    assert "sgo_user" not in app.session_state
    assert "readonly database" in caplog.text  # the details are logged, not shown
    assert _everything(page_db) == before


def test_error_details_are_shown_only_in_development(
    page_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert shipped["client"]["showErrorDetails"] == "none"
    for environment, shown in (("development", "full"), ("", "none"), ("production", "none")):
        monkeypatch.setenv("SGO_ENV", environment)
        monkeypatch.setenv("SGO_COOKIE_KEY", "k" * 40)
        AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
        assert streamlit_config.get_option("client.showErrorDetails") == shown
