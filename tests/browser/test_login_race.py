"""Sign-in hardening in a real browser: ten browsers signing in as one account at the same moment,
nine with wrong passwords and one with the right one, never let the right one in once the account
has locked; a sign-in cookie no longer signs in once its account has been idle too long.

The app runs on its own server and database here (accounts made for these tests), so locking an
account cannot disturb the other browser tests.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sgoversight.store.db import make_engine
from sgoversight.store.models import AuditEvent, User
from sgoversight.users import COOKIE_NAME, IDLE_TIMEOUT, MAX_FAILED_LOGINS, utc_now
from tests.browser.conftest import (
    PAGE_TIMEOUT_MS,
    PROJECT_ROOT,
    serve,
    wait_for_app,
)

pytestmark = pytest.mark.browser

USERNAME = "racer"
IDLER = "idler"
PASSWORD = "the right password, typed once"
BROWSERS = 10
RIGHT = BROWSERS - 1  # the last form submitted holds the right password
LOCKED_TEXT = "This account is locked after repeated wrong passwords"
NOT_RIGHT_TEXT = "Username or password is not right."


@pytest.fixture(scope="module")
def race_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Streamlit server on a new database holding the test's account; (base URL, database)."""
    workdir = tmp_path_factory.mktemp("login-race")
    database = workdir / "race.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("SGO_ENV", None)
    env.pop("SGO_USERS_FILE", None)
    add = [
        "users",
        "add",
        "--role",
        "commissioner",
        "--password-stdin",
        "--email",
        "t@council.example",
    ]
    for command, typed in (
        (["init-db"], None),
        ([*add, USERNAME, "--name", "Race Tester"], PASSWORD + "\n"),
        ([*add, IDLER, "--name", "Idle Tester"], PASSWORD + "\n"),
    ):
        subprocess.run(
            [sys.executable, "-m", "sgoversight", *command],
            cwd=PROJECT_ROOT,
            env=env,
            input=typed,
            text=True,
            check=True,
            capture_output=True,
        )
    with serve("app.py", env, workdir / "streamlit.log") as url:
        yield url, database


def _sign_in_events(database: Path) -> list[tuple[str, str]]:
    """The account's sign-in events (action, detail) in the order they were recorded."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(AuditEvent.action, AuditEvent.detail)
                .where(AuditEvent.actor == USERNAME)
                .order_by(AuditEvent.id)
            )
            return [(action, detail or "") for action, detail in rows]
    finally:
        engine.dispose()


def _outcome(page) -> str:
    """What the page shows once its sign-in has run: signed in, locked or not right."""
    signed_in = page.get_by_role("button", name="Sign out")
    refused = page.get_by_text(LOCKED_TEXT).or_(page.get_by_text(NOT_RIGHT_TEXT))
    signed_in.or_(refused).first.wait_for()
    wait_for_app(page)
    if signed_in.count():
        return "signed in"
    return "locked" if page.get_by_text(LOCKED_TEXT).count() else "not right"


def test_ten_sign_ins_at_once_never_let_the_right_password_in_once_the_account_locks(
    browser, race_app: tuple[str, Path]
) -> None:
    url, database = race_app
    contexts = [browser.new_context() for _ in range(BROWSERS)]
    try:
        pages = [context.new_page() for context in contexts]
        for number, page in enumerate(pages):
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(url)
            wait_for_app(page)
            page.get_by_label("Username").fill(USERNAME)
            password = PASSWORD if number == RIGHT else f"wrong password {number}"
            page.get_by_label("Password", exact=True).fill(password)
        for page in pages:  # submitted one after another, before any has been answered
            page.get_by_role("button", name="Sign in").click(no_wait_after=True)
        outcomes = [_outcome(page) for page in pages]
    finally:
        for context in contexts:
            context.close()

    events = _sign_in_events(database)
    actions = [action for action, _detail in events]
    assert actions.count("login_failed") + actions.count("login") == BROWSERS  # each counted once
    assert actions.count("account_locked") == 1
    # what each browser was told matches the count kept in the database, one by one
    locking = f"wrong password ({MAX_FAILED_LOGINS} in a row)"
    counted = [d for a, d in events if a == "login_failed" and d.startswith("wrong password")]
    refused = [d for a, d in events if a == "login_failed" and d.startswith("refused: the account")]
    wrong = [o for n, o in enumerate(outcomes) if n != RIGHT]
    assert set(wrong) <= {"not right", "locked"}
    assert wrong.count("not right") == len([d for d in counted if d != locking])
    assert outcomes.count("locked") == counted.count(locking) + len(refused)
    if outcomes[RIGHT] == "signed in":  # only if its check ran before the lock-out
        assert actions.index("login") < actions.index("account_locked")
    else:
        assert outcomes[RIGHT] == "locked" and "login" not in actions

    # and once locked, the right password is refused in any browser
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(url)
        wait_for_app(page)
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        assert _outcome(page) == "locked"
    finally:
        context.close()


def _wait_for_cookie(page, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the browser never stored the sign-in cookie"
        page.wait_for_timeout(200)


def _last_seen(database: Path, moment: dt.datetime) -> None:
    """Set the idle account's last noted activity, as if it had been idle since `moment`."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session, session.begin():
            user = session.get(User, IDLER)
            assert user is not None
            user.last_seen_at = moment
    finally:
        engine.dispose()


def test_a_cookie_stops_signing_in_as_soon_as_the_account_has_been_idle_too_long(
    browser, race_app: tuple[str, Path]
) -> None:
    url, database = race_app
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(url)
        wait_for_app(page)
        page.get_by_label("Username").fill(IDLER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        assert _outcome(page) == "signed in"
        _wait_for_cookie(page)
        # idle for a minute under the timeout: a reload signs in from the cookie
        _last_seen(database, utc_now() - IDLE_TIMEOUT + dt.timedelta(minutes=1))
        page.goto(url)
        wait_for_app(page)
        page.get_by_role("button", name="Sign out").wait_for()
        # a minute past it: the cookie no longer signs in, and the page says so
        _last_seen(database, utc_now() - IDLE_TIMEOUT - dt.timedelta(minutes=1))
        page.goto(url)
        wait_for_app(page)
        page.get_by_text("Your session has ended. Please sign in again.").wait_for()
        assert page.get_by_role("button", name="Sign out").count() == 0
        assert page.get_by_role("button", name="Sign in").count() == 1
    finally:
        context.close()
