"""A Board member searches the Board's table for a provider, opens it from the one row found, and
a reload keeps the search: in a real browser on the demo borough."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser

SEARCH = "Search providers, reasons, actions, decisions"


def _address(page) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def test_board_search_finds_a_provider_a_row_opens_it_and_a_reload_keeps_it(
    page, app_url: str
) -> None:
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("link", name="Provider Oversight Board").click()
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)

    box = page.get_by_role("searchbox", name=SEARCH, exact=True)
    box.fill("kestrelWELL")  # any case
    box.press("Enter")
    wait_for_app(page)
    found = re.compile(r"^1 of [\d,]+ providers shown for the search “kestrelWELL”")
    expect(page.get_by_text(found)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=kestrelWELL(&|$)"))

    # The one row left opens the provider's review below the table.
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    frame = grid.bounding_box()
    assert frame is not None
    page.mouse.click(frame["x"] + 16, frame["y"] + 40 + 34)  # the first row's selection box
    wait_for_app(page)
    page.get_by_role("heading", name="Kestrelwell Care Home").wait_for()
    expect(page).to_have_url(re.compile(r"[?&]provider=PRV-0048(&|$)"))
    page.get_by_role("searchbox", name=SEARCH, exact=True).scroll_into_view_if_needed()
    screenshot(page, "board-search")

    # A reload keeps the search (and the provider under review).
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)
    expect(page.get_by_role("searchbox", name=SEARCH, exact=True)).to_have_value("kestrelWELL")
    expect(page.get_by_text(found)).to_be_visible()
    page.get_by_role("heading", name="Kestrelwell Care Home").wait_for()
    address = _address(page)
    assert (address["q"], address["provider"]) == ("kestrelWELL", "PRV-0048"), page.url

    # Words that match no provider say so instead of drawing an empty table.
    box = page.get_by_role("searchbox", name=SEARCH, exact=True)
    box.fill("[nothing](here) *at* all")
    box.press("Enter")
    wait_for_app(page)
    page.get_by_text("No providers match the search “[nothing](here) *at* all”").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
