"""Provider staff see their own service's improvement plan in a real browser: the council gives
the service an action; the provider user sees their plan, none of the council's internal text,
and adds evidence to the action assigned to them."""

from __future__ import annotations

import re

import pytest

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

REASON = "Council only: medication errors found at an unannounced visit."


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return context, page


def _council_gives_elmfield_an_action(browser, app_url: str) -> None:
    """A commissioner opens Elmfield House's plan (on this journey's own borough) and adds an
    action whose owner is the service itself."""
    context, page = _new_page(browser)
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("link", name="Plans and monitoring").click()
    wait_for_app(page)
    page.get_by_role("tab", name="One plan in detail").click()
    wait_for_app(page)
    page.get_by_text("Open a new improvement plan").click()
    form = page.get_by_test_id("stForm").filter(has_text="Why the plan is needed", visible=True)
    choose(page, "Provider", "Elmfield", "Elmfield House", within=form)
    form.get_by_role("textbox", name="Why the plan is needed").fill(REASON)
    form.get_by_role("textbox", name="Plan owner (their sign-in name)").fill("planowner")
    page.get_by_role("button", name="Open the plan").click()
    wait_for_app(page)
    page.get_by_text("Improvement plan opened.").wait_for()
    page.get_by_role("heading", name="Elmfield House: improvement plan").wait_for()
    wait_for_app(page)
    adding = page.get_by_test_id("stForm").filter(has_text="Add an action", visible=True)
    adding.get_by_role("textbox", name="Action", exact=True).fill(
        "Send the staffing rota for the next four weeks"
    )
    adding.get_by_role("textbox", name="Owner", exact=True).fill("Elmfield House")
    page.get_by_role("button", name="Add the action").click()
    wait_for_app(page)
    page.get_by_text("Action added.").wait_for()
    context.close()


def test_provider_user_sees_their_plan_and_adds_evidence(browser, app_url: str) -> None:
    _council_gives_elmfield_an_action(browser, app_url)

    context, page = _new_page(browser)
    sign_in(page, app_url, "provider", "demo-provider")
    page.get_by_role("link", name="Plans and monitoring").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Elmfield House: improvement plan").wait_for()
    page.get_by_text("Send the staffing rota for the next four weeks").first.wait_for()
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "Send the staffing rota for the next four weeks" in body
    assert REASON not in body and "planowner" not in body
    assert page.get_by_role("tab").count() == 0  # no portfolio, no other provider
    shared = page.get_by_role("link", name=re.compile("notes the council shares with you"))
    assert shared.count() == 1

    page.get_by_role("textbox", name="Add evidence").last.fill(
        "Rota for weeks 48 to 51 e-mailed to the contracts team."
    )
    page.get_by_role("button", name="Add the evidence").last.click()
    wait_for_app(page)
    page.get_by_text("Evidence added. The council will see it.").wait_for()
    wait_for_app(page)
    page.get_by_text(re.compile("Rota for weeks 48 to 51")).first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "provider-own-plan")
    context.close()
