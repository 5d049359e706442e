"""A Board member reviews the RAG table, opens a profile, overrides one rating with a rationale
and downloads the pack, in a real browser on the demo borough."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from sgoversight.board.rules import RATINGS
from tests.browser.conftest import choose, screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser


def _no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_board_member_overrides_a_rating_and_downloads_the_pack(page, app_url: str) -> None:
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("link", name="Provider Oversight Board").click()
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)
    _no_errors(page)
    expect(page.get_by_text("✖ Red providers")).to_have_count(1)
    screenshot(page, "board-rag-table")

    choose(page, "Provider", "Kestrelwell", "Kestrelwell Care Home (PRV-0048)")
    page.get_by_text("Override", exact=True).click()
    choose(page, "Rating the Board sets (only when overriding)", "Amber", "▲ Amber")
    page.get_by_label("Rationale (required when overriding)").fill(
        "New manager in post since October; the Board will review again next month."
    )
    page.get_by_role("button", name="Record the decision").click()
    wait_for_app(page)
    page.get_by_text("Decision recorded.").wait_for()
    wait_for_app(page)
    _no_errors(page)
    screenshot(page, "board-decision-recorded")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the pack (Excel)").click()
    assert download.value.suggested_filename == "board-pack-2026-10.xlsx"


def test_provider_profile_from_the_board(page, app_url: str) -> None:
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("link", name="Provider Oversight Board").click()
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)
    choose(page, "Provider", "Rowandale", "Rowandale Nursing Centre (PRV-0184)")
    page.get_by_role("link", name="Open the full profile").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Provider profile").wait_for()
    page.get_by_role("heading", name="Rowandale Nursing Centre").wait_for()
    assert len(page.context.pages) == 1  # opened in the same tab: the Board is one click back
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    _no_errors(page)
    screenshot(page, "provider-profile")


def _open_board(page, app_url: str) -> None:
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("link", name="Provider Oversight Board").click()
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)


def _decisions_recorded(page) -> tuple[int, int]:
    """The "Decisions recorded" figure, e.g. (3, 250)."""
    metric = page.get_by_test_id("stMetric").filter(has_text="Decisions recorded")
    value = metric.get_by_test_id("stMetricValue").inner_text()
    done, total = re.match(r"([\d,]+) of ([\d,]+)", value).groups()
    return int(done.replace(",", "")), int(total.replace(",", ""))


def test_a_decision_shows_at_once_and_its_plan_needs_setting_up(page, app_url: str) -> None:
    """Record a decision: the count, the review and the Excel pack made next include it; the
    plan it opened says it needs setting up; back returns to the Board on the same provider."""
    _open_board(page, app_url)
    choose(page, "Provider", "Alderbrook", "Alderbrook Care Centre (PRV-0140)")
    before, total = _decisions_recorded(page)
    page.get_by_role("button", name="Record the decision").click()
    wait_for_app(page)
    recorded = page.get_by_text("Decision recorded.")
    recorded.wait_for()
    wait_for_app(page)
    plan_id = re.search(r"Improvement plan (\S+) is open", recorded.inner_text()).group(1)
    assert _decisions_recorded(page) == (before + 1, total)
    page.get_by_text(re.compile(r"^Decided \d\d \w{3} \d{4} by board")).wait_for()
    page.get_by_role("button", name="Amend the decision").wait_for()
    _no_errors(page)
    screenshot(page, "board-decision-shown-at-once")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the pack (Excel)").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    decided = [[c.value for c in row] for row in book["Decisions"].iter_rows()]
    assert any("Alderbrook Care Centre" in row for row in decided)
    assert sum(1 for row in decided if row and row[0] and row[1] in RATINGS) == before + 1

    page.get_by_role("link", name="Open the full profile").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Alderbrook Care Centre").wait_for()
    plan_link = page.get_by_role("link", name=re.compile(f"Improvement plan {plan_id}"))
    expect(plan_link).to_contain_text("Needs setting up")
    plan_link.click()
    wait_for_app(page)
    page.get_by_role(
        "heading", name=f"Alderbrook Care Centre: improvement plan {plan_id}"
    ).wait_for()
    expect(page.locator("p", has_text="Progress:").first).to_contain_text(
        "Needs setting up Not set up yet: it needs an owner, a next review date and an action."
    )
    _no_errors(page)
    screenshot(page, "plan-needs-setting-up")

    page.go_back()
    wait_for_app(page)
    page.get_by_role("heading", name="Alderbrook Care Centre").wait_for()
    page.go_back()
    wait_for_app(page)
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    expect(page.get_by_role("combobox", name="Provider", exact=True)).to_have_value(
        "Alderbrook Care Centre (PRV-0140)"
    )
    page.get_by_role("heading", name="Alderbrook Care Centre").wait_for()
    assert "provider=PRV-0140" in page.url


def test_a_second_decision_amends_the_first_with_a_reason(page, app_url: str) -> None:
    _open_board(page, app_url)
    choose(page, "Provider", "Ashbank", "Ashbank Care at Home (PRV-0218)")
    page.get_by_role("button", name="Record the decision").click()  # enhanced monitoring
    wait_for_app(page)
    page.get_by_text("Decision recorded.").wait_for()
    wait_for_app(page)
    choose(page, "Decision", "Routine", "Routine contract monitoring")
    page.get_by_role("button", name="Amend the decision").click()
    wait_for_app(page)
    page.get_by_text("Not saved. Please put right the 2 things marked below").wait_for()
    page.get_by_text(re.compile("say why it is being amended")).wait_for()
    page.get_by_text(re.compile("stays open or closes")).wait_for()
    _no_errors(page)
    screenshot(page, "board-amendment-needs-a-reason")

    amending = page.get_by_test_id("stForm").filter(has_text="Why the decision is being amended")
    amending.get_by_role("textbox", name="Why the decision is being amended").fill(
        "The provider's own action plan arrived after the meeting."
    )
    amending.get_by_text("Close it, with the reason below").click()
    amending.get_by_role("textbox", name="Why it closes").fill("Routine monitoring is enough now.")
    page.get_by_role("button", name="Amend the decision").click()
    wait_for_app(page)
    page.get_by_text("Decision amended.").wait_for()
    wait_for_app(page)
    page.get_by_text("Earlier decisions this month (1)").click()
    page.get_by_text(re.compile("Enhanced monitoring, rating .* amended later")).wait_for()
    _no_errors(page)
    screenshot(page, "board-decision-amended")

    page.get_by_role("link", name="Open the full profile").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Ashbank Care at Home").wait_for()
    page.get_by_role("heading", name="Board decisions").wait_for()
    _no_errors(page)
    screenshot(page, "provider-profile-decision-history")


def test_reload_keeps_the_month_and_the_provider(page, app_url: str) -> None:
    _open_board(page, app_url)
    choose(page, "Board month", "September", "September 2026")
    choose(page, "Provider", "Foxwood", "Foxwood Nursing Home (PRV-0137)")
    # The address follows the run that drew the choice: wait for it rather than read it at once.
    expect(page).to_have_url(re.compile(r"month=2026-09"))
    expect(page).to_have_url(re.compile(r"provider=PRV-0137"))
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Board month", exact=True)).to_have_value(
        "September 2026"
    )
    expect(page.get_by_role("combobox", name="Provider", exact=True)).to_have_value(
        "Foxwood Nursing Home (PRV-0137)"
    )
    page.get_by_role("heading", name="Foxwood Nursing Home").wait_for()
    _no_errors(page)
    screenshot(page, "board-after-reload")
