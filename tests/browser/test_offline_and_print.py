"""The app works on a council network with no internet, and its pages print cleanly.

Rules: the browser asks nothing of any server but the app's own (the page icon and fonts are
served locally); printed, a page shows its content only (no sidebar, menu or buttons), full
length rather than one window's worth.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import sign_in, wait_for_app

pytestmark = pytest.mark.browser

PAGES = ("", "alerts", "board", "plans", "weekly", "standards", "provider?provider=PRV-0001")


def test_no_request_leaves_the_app_server(page, app_url: str) -> None:
    own = urlparse(app_url).netloc
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: elsewhere.append(request.url)
        if urlparse(request.url).scheme in {"http", "https", "ws", "wss"}
        and urlparse(request.url).netloc != own
        else None,
    )
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    for path in PAGES:
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
    assert elsewhere == []


def test_a_printed_page_has_no_sidebar_or_buttons_and_runs_its_full_length(
    page, app_url: str
) -> None:
    sign_in(page, app_url, "board", "demo-board")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    page.goto(f"{app_url}/board")
    wait_for_app(page)
    page.get_by_role("heading", name="Board pack").wait_for()
    page.emulate_media(media="print")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.get_by_role("button", name="Prepare the PDF pack").is_visible()
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", page.pdf(format="A4"))
    assert len(pages) > 1  # the Board runs to several printed pages, not one window's worth
