"""A Board member on a 1366 × 768 laptop: the table is ordered most at risk first, and the
rating, main reason, recommended action and the Board's decision of the first rows are on the
first screen without scrolling sideways; another order is kept in the address."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgoversight.board.decisions import DECISIONS
from tests.browser.conftest import PAGE_TIMEOUT_MS, SCREENSHOTS, screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}

#: The table's column headings the grid has drawn, read from its accessible table: the grid
#: only lists the columns inside its visible area (it draws no others).
_DRAWN_HEADINGS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] th')]
    .map(th => th.textContent.trim())"""
_DRAWN_ROW = """(n) => [...document.querySelectorAll('[data-testid="stDataFrame"] tr')]
    .filter(tr => tr.querySelector('td'))[n].innerText"""


@pytest.fixture
def laptop(browser, app_url: str):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()


def test_board_member_on_a_laptop_sees_rating_reason_action_and_decision(
    laptop, app_url: str
) -> None:
    page = laptop
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("link", name="Provider Oversight Board").click()
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("Most at risk first: Red, Amber, Green").wait_for()
    assert "order=risk" in page.url

    grid = page.get_by_test_id("stDataFrame").first
    grid.locator("th").first.wait_for(state="attached")
    headings = page.evaluate(_DRAWN_HEADINGS)
    wanted = ["Provider", "Rating", "Main reason", "Recommended action", "Board decision"]
    assert headings[: len(wanted)] == wanted
    # the column after the decision is drawn too, so the decision is shown whole, not cut off
    assert "Last 6 months" in headings
    scroller = grid.locator(".dvn-scroller").first
    assert scroller.evaluate("s => s.scrollLeft") == 0

    # the first row is on the first screen: Red, its reason, what to do, and the decision
    box = grid.bounding_box()
    assert box is not None and box["y"] + 40 + 68 <= LAPTOP["height"]
    first = page.evaluate(_DRAWN_ROW, 0)
    assert "✖ Red" in first
    assert "Improvement plan required" in first
    # The Board's decision follows the action, whatever it is by now (other journeys share the
    # demo borough and may have recorded one).
    decision = first.split("Improvement plan required", 1)[1]
    assert decision.startswith(("Not yet decided", *DECISIONS.values())), first
    assert "(red at" in first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board-laptop-first-screen.png"))
    screenshot(page, "board-ordered-by-risk")

    page.get_by_role("combobox", name="Order the table").click()
    page.get_by_role("option", name="Worse than last month first").click()
    wait_for_app(page)
    page.get_by_text("Worse than last month first, then new").wait_for()
    assert "order=worse" in page.url
    page.reload()
    wait_for_app(page)
    page.get_by_text("Worse than last month first, then new").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_complete_profile_lists_alerts_and_concerns_and_prints_a_visit_sheet(
    laptop, app_url: str
) -> None:
    page = laptop
    page.set_viewport_size({"width": 1400, "height": 1000})
    sign_in(page, app_url, "board", "demo-board")
    page.goto(f"{app_url}/provider?provider=PRV-0048&month=2026-10")
    wait_for_app(page)
    page.get_by_role("heading", name="Kestrelwell Care Home").wait_for()
    for heading in (
        "Quality alerts",
        "Safeguarding concerns",
        "Open improvement plans and enhanced monitoring",
        "Ratings and the Board's decisions, last 12 months",
        "Board decisions",
    ):
        page.get_by_role("heading", name=heading).wait_for()
    page.get_by_text("Registered manager:").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    with page.expect_download() as download:
        page.get_by_role("button", name="Download a one-page visit sheet (PDF)").click()
    assert download.value.suggested_filename == "visit-sheet-PRV-0048-2026-10.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    screenshot(page, "provider-profile-complete")
