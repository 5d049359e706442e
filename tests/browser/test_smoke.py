"""Smoke test in a real browser: sign in, the landing page renders with demo figures, no errors."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in, wait_for_app

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


def test_signing_out_forgets_the_session(page, app_url: str) -> None:
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_role("heading", name="This month at a glance").count() == 0
