"""A commissioner logs a quality alert end to end in a real browser and finds it in the register;
a QA attendee opens the meeting agenda; a provider user sees only their own service."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser
SUMMARY = "Night staff could not find the controlled drugs key; two doses were given late."


def test_commissioner_logs_an_alert_and_finds_it_in_the_register(page, app_url: str) -> None:
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("link", name="Log a quality alert").click()
    page.get_by_role("heading", name="Log a quality alert").wait_for()
    wait_for_app(page)

    page.get_by_role("button", name="Log the alert").click()
    wait_for_app(page)
    page.get_by_text("The alert was not saved").first.wait_for()
    screenshot(page, "alert-form-with-messages")

    choose(page, "Provider", "Elmfield", "Elmfield House")
    choose(page, "Category", "Medic", "Medication")
    page.get_by_text("High", exact=True).click()
    wait_for_app(page)
    page.get_by_role("textbox", name="What happened").fill(SUMMARY)
    choose(page, "Who raised it", "Commiss", "Commissioner")
    page.get_by_role("button", name="Log the alert").click()
    wait_for_app(page)
    logged = page.get_by_text(re.compile(r"Quality alert \S+ logged")).first
    logged.wait_for()
    alert_id = re.search(r"Quality alert (\S+) logged", logged.inner_text()).group(1)

    page.get_by_role("link", name="Quality alert register").click()
    wait_for_app(page)
    choose(page, "Choose an alert to see its details", alert_id, alert_id)
    page.get_by_text(SUMMARY).first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "alert-register")


def test_qa_attendee_opens_the_meeting_agenda(page, app_url: str) -> None:
    sign_in(page, app_url, "qa", "demo-qa")
    page.get_by_role("link", name="Quality Assurance meeting").click()
    page.get_by_role("heading", name="Quality Assurance meeting").first.wait_for()
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("Agenda").first.wait_for()
    assert page.get_by_text("No Quality Assurance meeting has been set up yet").count() == 0
    assert page.get_by_role("button", name="Save the discussion").count() == 0
    screenshot(page, "qa-meeting")
    first_alert = page.get_by_test_id("stExpander").first
    shown = first_alert.inner_text()
    page.get_by_role("button", name="Next provider").click()
    wait_for_app(page)
    expect(first_alert).not_to_have_text(shown)  # the next provider's alerts are shown


def test_provider_user_sees_only_their_own_service(page, app_url: str) -> None:
    sign_in(page, app_url, "provider", "demo-provider")
    page.get_by_role("link", name="Quality alert register").click()
    wait_for_app(page)
    table = page.get_by_test_id("stDataFrame").first
    table.wait_for()
    assert page.get_by_text("Kestrelwell").count() == 0
    links = [link.inner_text() for link in page.get_by_role("link").all()]
    assert "Provider Oversight Board" not in links
    screenshot(page, "provider-own-alerts")
