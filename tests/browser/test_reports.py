"""The weekly report and the standards scorecard in a real browser, as the safeguarding team."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser


def _no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_weekly_report_and_its_downloads(page, app_url: str) -> None:
    sign_in(page, app_url, "safeguarding", "demo-safeguarding")
    page.get_by_role("link", name="Weekly safeguarding report").click()
    page.get_by_role("heading", name="Weekly safeguarding data report").wait_for()
    wait_for_app(page)
    page.get_by_text("Providers flagged this week").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    _no_errors(page)
    headline = page.locator('[data-testid="stDataFrame"]').first
    headline.get_by_text("12-week average").first.wait_for(state="attached")
    screenshot(page, "weekly-report")
    page.get_by_role("button", name="Prepare the PDF").click()
    wait_for_app(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith("-council.pdf")


def test_standards_scorecard(page, app_url: str) -> None:
    sign_in(page, app_url, "safeguarding", "demo-safeguarding")
    page.get_by_role("link", name="Safeguarding standards").click()
    page.get_by_role("heading", name="Safeguarding standards").first.wait_for()
    wait_for_app(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    _no_errors(page)
    for standard in ("Empowerment", "Prevention", "Protection", "Partnership"):
        assert page.get_by_role("heading", name=standard).count() >= 1
    # read without a legend: words for each status and for each quarter's change
    assert page.get_by_text("○ No target").count() >= 1
    assert page.get_by_text("↗").count() == 0
    assert page.get_by_text(re.compile(r"(▲ up|▼ down|= same as).* 2026-Q2")).count() >= 1
    screenshot(page, "standards-scorecard")
