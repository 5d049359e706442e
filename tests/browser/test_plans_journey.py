"""Improvement plans in a real browser: a commissioner opens a plan and adds an action for the
plan owner; the plan owner marks it done with evidence and sees the plan's progress change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    PAGE_TIMEOUT_MS,
    choose,
    own_borough,
    screenshot,
    sign_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser


# A demo borough of its own: the journeys that open Elmfield House's plan must not find one
# another's plan already open.
app_url = pytest.fixture(scope="module", name="app_url")(own_borough)


def _progress(page) -> str:
    return page.locator("p", has_text="Progress:").first.inner_text()


def _actions_done(page) -> str:
    """The plan's "Actions done" fact, e.g. '1 of 2'."""
    return page.locator("strong", has_text=re.compile(r"^\d+ of \d+$")).first.inner_text()


def test_open_plan_add_action_mark_done(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("link", name="Plans and monitoring").click()
    wait_for_app(page)
    page.get_by_role("tab", name="One plan in detail").click()
    wait_for_app(page)
    page.get_by_text("Open a new improvement plan").click()
    form = page.get_by_test_id("stForm").filter(has_text="Why the plan is needed", visible=True)
    choose(page, "Provider", "Elmfield", "Elmfield House", within=form)
    form.get_by_role("textbox", name="Why the plan is needed").fill(
        "Medication errors found at a visit."
    )
    form.get_by_role("textbox", name="Plan owner (their sign-in name)").fill("planowner")
    page.get_by_role("button", name="Open the plan").click()
    wait_for_app(page)
    page.get_by_text("Improvement plan opened.").wait_for()
    page.get_by_role("heading", name="Elmfield House: improvement plan").wait_for()
    wait_for_app(page)

    adding = page.get_by_test_id("stForm").filter(has_text="Add an action", visible=True)
    adding.get_by_role("textbox", name="Action", exact=True).fill(
        "Audit every medication record weekly"
    )
    adding.get_by_role("textbox", name="Owner", exact=True).fill("planowner")
    page.get_by_role("button", name="Add the action").click()
    wait_for_app(page)
    page.get_by_text("Action added.").wait_for()
    wait_for_app(page)
    assert "On track" in _progress(page)
    assert _actions_done(page) == "0 of 1"
    screenshot(page, "plan-with-action")
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    sign_in(page, app_url, "planowner", "demo-planowner")
    page.get_by_role("link", name="Plans and monitoring").click()
    wait_for_app(page)
    page.get_by_role("tab", name="One plan in detail").click()
    wait_for_app(page)
    choose(page, "Improvement plan", "Elmfield", "Elmfield House")
    # Choosing the plan reruns the page; wait for that plan to be drawn before typing into it.
    page.get_by_role("heading", name="Elmfield House: improvement plan").wait_for()
    wait_for_app(page)
    # one evidence box serves both buttons
    page.get_by_role("textbox", name="Evidence", exact=True).fill(
        "Four weekly audits attached, no errors."
    )
    page.get_by_role("button", name="Save and mark as done").click()
    wait_for_app(page)
    page.get_by_text("Action marked done.").wait_for()
    wait_for_app(page)
    assert "On track" in _progress(page)
    assert _actions_done(page) == "1 of 1"
    # The action picker shows the new status too, not the one it had before the click.
    picker = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Action", exact=True))
    expect(picker).to_have_count(1)  # the widget drawn before the click has gone
    expect(picker.locator("input")).to_have_value(
        re.compile("Done: Audit every medication record weekly")
    )
    screenshot(page, "plan-action-done")
    context.close()
