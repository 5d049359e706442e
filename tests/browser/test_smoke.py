"""Smoke test in a real browser: sign in, the landing page renders with demo figures, no errors."""

from __future__ import annotations

import re
import time

import pytest

from sgoversight.users import COOKIE_NAME
from tests.browser.conftest import PAGE_TIMEOUT_MS, screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser


def test_login_page_then_landing_page(page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    screenshot(page, "01-sign-in")

    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    wait_for_app(page)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert len(metrics) == 4
    assert all(re.fullmatch(r"[\d,]+", value) for value in metrics)
    assert int(metrics[0].replace(",", "")) > 0  # the demo borough has open alerts
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    screenshot(page, "02-landing-commissioner")


def test_wrong_password_shows_message(page, app_url: str) -> None:
    sign_in(page, app_url, "commissioner", "wrong")
    page.get_by_text("Username or password is not right.").wait_for()
    assert page.get_by_role("heading", name="This month at a glance").count() == 0


def test_a_link_opened_later_signs_in_from_the_cookie_and_keeps_its_page(
    page, app_url: str
) -> None:
    """Sign in, then open a deep link as a new page load (a bookmark, a refresh, a link in an
    e-mail): the sign-in cookie is read and the linked page with its query is shown."""
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    page.goto(f"{app_url}/provider?provider=PRV-0001&month=2026-10")
    wait_for_app(page)
    page.get_by_role("heading", name="Elmfield House").wait_for()
    assert page.get_by_role("button", name="Sign in").count() == 0


def test_a_link_to_a_page_the_role_lacks_says_so(page, app_url: str) -> None:
    """Provider staff following a link to the Board land on their own start page, told why."""
    sign_in(page, app_url, "provider", "demo-provider")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    page.goto(f"{app_url}/board?month=2026-10")
    wait_for_app(page)
    page.get_by_text("“Provider Oversight Board” is not open to your role").wait_for()
    page.get_by_role("heading", name="This month at a glance").wait_for()
    assert page.get_by_role("heading", name="Provider Oversight Board").count() == 0


def test_signing_out_forgets_the_session(page, app_url: str) -> None:
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_role("heading", name="This month at a glance").count() == 0


def _wait_for_cookie(page, name: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not any(c["name"] == name for c in page.context.cookies()):
        assert time.monotonic() < deadline, f"the browser never stored the {name} cookie"
        page.wait_for_timeout(200)


def test_a_disabled_users_cookie_no_longer_signs_them_in(browser, page, app_url: str) -> None:
    """An administrator adds a user on the Users page; the user signs in (so holds a cookie);
    once the administrator disables them, opening the app again shows the sign-in form."""
    admin_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    admin = admin_context.new_page()
    admin.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        sign_in(admin, app_url, "admin", "demo-admin")
        _wait_for_cookie(admin, COOKIE_NAME)  # the sign-in has settled
        wait_for_app(admin)
        admin.get_by_role("link", name="Users").click()
        wait_for_app(admin)
        admin.get_by_role("heading", name="Users", level=1).wait_for()
        for label, value in (
            ("Username", "dana"),
            ("Full name", "Dana Browne"),
            ("E-mail", "dana@council.example"),
            ("Password", "correct horse battery"),
            ("Password again", "correct horse battery"),
        ):
            admin.get_by_label(label, exact=True).fill(value)
        admin.get_by_label("Roles", exact=True).click()
        admin.get_by_role("option", name="Commissioner", exact=True).click()
        admin.keyboard.press("Escape")
        admin.get_by_role("button", name="Remove Commissioner").wait_for()  # the role is chosen
        admin.get_by_role("button", name="Add the user").click()
        wait_for_app(admin)
        admin.get_by_text("User dana added.").wait_for()
        screenshot(admin, "users")

        sign_in(page, app_url, "dana", "correct horse battery")
        page.get_by_role("heading", name="This month at a glance").wait_for()
        _wait_for_cookie(page, COOKIE_NAME)

        admin.get_by_role("tab", name="Disable, enable or unlock").click()
        admin.get_by_label("User", exact=True).first.click()
        admin.get_by_role("option", name="dana", exact=True).click()
        admin.get_by_role("button", name="Disable").click()
        wait_for_app(admin)
        admin.get_by_text("User dana is disabled: they cannot sign in.").wait_for()
    finally:
        admin_context.close()

    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_role("heading", name="This month at a glance").count() == 0
