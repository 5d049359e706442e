"""A Board member reviews the RAG table, opens a profile, overrides one rating with a rationale
and downloads the pack, in a real browser on the demo borough."""

from __future__ import annotations

import pytest

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
    assert page.get_by_text("✖ Red providers").count() == 1
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
