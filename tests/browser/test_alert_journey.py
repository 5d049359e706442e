"""A commissioner logs a quality alert end to end in a real browser and finds it in the register;
a QA attendee opens the meeting agenda; a provider user sees only their own service."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose, screenshot, sign_in, wait_for_app
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser


def _address(page) -> dict[str, str]:
    """The page's query parameters (the register keeps its filters there too)."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}
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


INTERNAL_NOTE = "Internal: manager under review, do not share yet."
SHARED_NOTE = "Visit booked for Thursday; please have the medicines records ready."
AT_RISK_SUMMARY = "A resident was given another resident's medicines at lunchtime."


def _shows_alert(page, alert_id: str, status: str) -> None:
    """The details of `alert_id` are on screen, in `status`, and the address holds its id only."""
    page.get_by_role(
        "heading", name=re.compile(rf"^{re.escape(alert_id)}: Elmfield House")
    ).wait_for()
    expect(
        page.get_by_test_id("stMarkdownContainer").filter(
            has_text=re.compile(rf"^\s*Status\s*{status}\s*$")
        )
    ).to_be_visible()
    assert _address(page).get("alert") == alert_id, page.url
    assert page.get_by_text("There is no quality alert").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_an_at_risk_alert_is_followed_through_its_workflow_and_its_notes_reach_the_right_people(
    page, browser, app_url: str
) -> None:
    # Logging: the at-risk answer, and where to raise a safeguarding concern, from the config.
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("link", name="Log a quality alert").click()
    page.get_by_role("heading", name="Log a quality alert").wait_for()
    wait_for_app(page)
    choose(page, "Provider", "Elmfield", "Elmfield House")
    choose(page, "Category", "Medic", "Medication")
    page.get_by_text("High", exact=True).click()
    page.get_by_role("textbox", name="What happened").fill(AT_RISK_SUMMARY)
    choose(page, "Who raised it", "Commiss", "Commissioner")
    page.get_by_text("Someone is at risk of harm", exact=True).click()
    page.get_by_text("No, not yet", exact=True).click()
    page.get_by_role("button", name="Log the alert").click()
    wait_for_app(page)
    logged = page.get_by_text(re.compile(r"Quality alert AL-\d{4}-\d{5} logged")).first
    logged.wait_for()
    alert_id = re.search(r"(AL-\d{4}-\d{5})", logged.inner_text()).group(1)
    warning = page.get_by_test_id("stAlert").filter(has_text="Raise a safeguarding concern now")
    expect(warning).to_contain_text("0300 123 4567")
    expect(warning).to_contain_text("safeguarding.adults@example.gov.uk")
    screenshot(page, "alert-logged-at-risk")

    # The link opens exactly that alert by its id.
    page.get_by_role("link", name=f"Open {alert_id} in the register").click()
    wait_for_app(page)
    _shows_alert(page, alert_id, "Open")
    expect(
        page.get_by_test_id("stAlert").filter(has_text="Someone is at risk of harm. A quality")
    ).to_contain_text("0300 123 4567")

    page.get_by_role("button", name="Start work on this alert (mark it in progress)").click()
    wait_for_app(page)
    page.get_by_text(f"{alert_id} is now in progress.").wait_for()
    _shows_alert(page, alert_id, "In progress")

    # Closing asks what happened about a safeguarding concern, beside the field.
    page.get_by_role("textbox", name="What was the outcome?").fill("Medicines round moved.")
    page.get_by_role("button", name="Close the alert").click()
    wait_for_app(page)
    page.get_by_text(f"{alert_id} was not closed. Please put right the 1 thing").wait_for()
    page.get_by_text("This alert says someone is at risk of harm: give the").first.wait_for()
    _shows_alert(page, alert_id, "In progress")
    screenshot(page, "alert-close-asks-for-safeguarding-answer")
    assert _violations(page) == []  # the details and every form, with problems shown
    page.get_by_role("textbox", name="Safeguarding concern reference").fill("SG-2026-0412")
    page.get_by_role("button", name="Close the alert").click()
    wait_for_app(page)
    page.get_by_text(f"{alert_id} is closed.").wait_for()
    _shows_alert(page, alert_id, "Closed")
    page.get_by_text("Concern reference SG-2026-0412").wait_for()
    screenshot(page, "alert-closed-still-shown")

    page.get_by_role("textbox", name="Why is it being reopened?").fill("Same error again.")
    page.get_by_role("button", name="Reopen the alert").click()
    wait_for_app(page)
    page.get_by_text(f"{alert_id} is open again.").wait_for()
    _shows_alert(page, alert_id, "Open")

    # Two notes: one internal (the default), one shared with the provider.
    page.get_by_role("textbox", name="Note", exact=True).fill(INTERNAL_NOTE)
    page.get_by_role("button", name="Add the note").click()
    wait_for_app(page)
    page.get_by_text("Note added (internal to the council).").wait_for()
    page.get_by_role("textbox", name="Note", exact=True).fill(SHARED_NOTE)
    page.get_by_role("radiogroup", name="Who can read this note?").get_by_text(
        "Shared with the provider (their staff can read it)"
    ).click()
    page.get_by_role("button", name="Add the note").click()
    wait_for_app(page)
    page.get_by_text("Note added (shared with the provider).").wait_for()
    _shows_alert(page, alert_id, "Open")

    # A reload keeps the alert.
    page.reload()
    wait_for_app(page)
    _shows_alert(page, alert_id, "Open")
    page.get_by_role("tab", name=re.compile(r"^Notes \(2\)")).click()
    page.get_by_text(INTERNAL_NOTE).wait_for()
    screenshot(page, "alert-notes-council-view")

    # Back and forward move between the alerts chosen, by the address.
    choose(page, "Choose an alert to see its details", "ALT-", "ALT-")
    page.wait_for_url(re.compile(r"[?&]alert=ALT-\d+(&|$)"))
    other = _address(page)["alert"]
    page.get_by_role("heading", name=re.compile(rf"^{other}: ")).wait_for()
    page.go_back()
    wait_for_app(page)
    _shows_alert(page, alert_id, "Open")
    page.go_forward()
    wait_for_app(page)
    page.get_by_role("heading", name=re.compile(rf"^{other}: ")).wait_for()

    # The provider's staff, by a link: the shared note, never the internal one.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    provider = context.new_page()
    provider.set_default_timeout(90_000)
    try:
        sign_in(provider, app_url, "provider", "demo-provider")
        provider.goto(f"{app_url}/alerts?alert={alert_id}")
        wait_for_app(provider)
        _shows_alert(provider, alert_id, "Open")
        provider.get_by_role("tab", name=re.compile(r"^Notes \(1\)")).click()
        provider.get_by_text(SHARED_NOTE).wait_for()
        assert provider.get_by_text("do not share yet").count() == 0
        assert provider.get_by_text("Who can read this note?").count() == 0
        screenshot(provider, "alert-provider-sees-shared-note")
        provider.goto(f"{app_url}/alerts?alert=AL-2099-99999")
        wait_for_app(provider)
        provider.get_by_text("that you can see").first.wait_for()
        assert provider.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


OWNED_SUMMARY = "Quillfeather mattress audit found three pressure cushions missing."


def test_search_finds_an_alert_a_row_click_opens_it_and_a_reload_keeps_the_filters(
    page, app_url: str
) -> None:
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("link", name="Log a quality alert").click()
    page.get_by_role("heading", name="Log a quality alert").wait_for()
    wait_for_app(page)
    choose(page, "Provider", "Elmfield", "Elmfield House")
    choose(page, "Category", "Pressure", "Pressure care")
    page.get_by_text("Medium", exact=True).click()
    page.get_by_role("textbox", name="What happened").fill(OWNED_SUMMARY)
    choose(page, "Who raised it", "Commiss", "Commissioner")
    page.get_by_role("button", name="Log the alert").click()
    wait_for_app(page)
    logged = page.get_by_text(re.compile(r"Quality alert AL-\d{4}-\d{5} logged")).first
    logged.wait_for()
    alert_id = re.search(r"(AL-\d{4}-\d{5})", logged.inner_text()).group(1)

    # Search by one word of the summary, any case.
    page.get_by_role("link", name="Quality alert register").click()
    wait_for_app(page)
    search = page.get_by_role("textbox", name="Search")
    search.fill("quillFEATHER")
    search.press("Enter")
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="Alerts shown")).to_contain_text("1")
    assert _address(page).get("q") == "quillFEATHER", page.url

    # A click on the row opens the alert under the table.
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box
    wait_for_app(page)
    _shows_alert(page, alert_id, "Open")
    page.get_by_text("Assigned officer: Unassigned").first.wait_for()

    # Start work: the commissioner becomes its officer; "Assigned to me" then lists it.
    page.get_by_role("button", name="Start work on this alert (mark it in progress)").click()
    wait_for_app(page)
    page.get_by_text(f"{alert_id} is now in progress.").wait_for()
    page.get_by_text(re.compile(r"Assigned officer: .*\(commissioner\)")).first.wait_for()
    wait_for_app(page)
    assigned = page.get_by_role("combobox", name="Assigned", exact=True)
    assigned.click()
    assigned.fill("Assigned to me")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.wait_for_url(re.compile(r"[?&]assigned=me(&|$)"))
    expect(page.get_by_test_id("stMetric").filter(has_text="Alerts shown")).to_contain_text("1")
    assert _address(page).get("assigned") == "me", page.url
    screenshot(page, "alert-register-search-and-owner")

    # A reload keeps the search, the filters and the open alert.
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="Search")).to_have_value("quillFEATHER")
    expect(page.get_by_test_id("stMetric").filter(has_text="Alerts shown")).to_contain_text("1")
    _shows_alert(page, alert_id, "In progress")
    address = _address(page)
    assert (address["q"], address["assigned"], address["alert"]) == (
        "quillFEATHER",
        "me",
        alert_id,
    )
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_landing_pages_past_response_line_opens_the_same_list_in_the_register(
    page, app_url: str
) -> None:
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    page.get_by_text("Alerts assigned to you").first.wait_for()
    line = page.get_by_text(re.compile(r"^[\d,]+ · Quality alerts past their response time$"))
    count = int(line.first.inner_text().split(" · ")[0].replace(",", ""))
    line.first.click()
    page.get_by_test_id("stExpander").filter(has=line.first).get_by_role(
        "link", name=re.compile(r"open the full list")
    ).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Quality alert register").wait_for()
    assert _address(page).get("past_response") == "yes", page.url
    past_only = page.get_by_role("checkbox", name="Only alerts past their response time")
    expect(past_only).to_be_checked()
    expect(page.get_by_test_id("stMetric").filter(has_text="Alerts shown")).to_have_text(
        re.compile(rf"Alerts shown\s*{count:,}\s*$")
    )
    page.get_by_role("link", name="This month at a glance").click()
    wait_for_app(page)
    page.get_by_text("Alerts assigned to you").first.wait_for()
    screenshot(page, "landing-commissioner-attention")
