"""Each role with an attention list signs in, opens one line of "Needs your attention" on the
landing page, and reaches one of its records in one click: the page that opens shows exactly that
record. For one line per role, the count shown is the number of records the line lists (on the
landing page, or on the page its "open the full list" link opens). The lines whose full list is a
filtered page (the providers rated Red or worse on the Board; the reviews due and the decisions
whose work has not started on the plans page) open it in one click with exactly as many rows as
the count, and "Show all" removes the filter."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from sgoversight.store.db import make_engine
from tests.browser.conftest import (
    DEMO_AS_OF,
    PAGE_TIMEOUT_MS,
    demo_server,
    screenshot,
    sign_in,
    wait_for_app,
)
from tests.support.plan_work import start_plan_work

pytestmark = pytest.mark.browser

SHOWN = 10  # ui.attention.SHOWN: records listed under a line before "open the full list"
FULL_LIST = re.compile(r"and [\d,]+ more: open the full list")


def _address(url: str) -> dict[str, str]:
    """The query parameters of `url` (a page's address or a link's target)."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}


def _no_exception(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def _landing(page: Page, url: str, username: str) -> None:
    """Sign in as the demo user `username` and wait for the attention list."""
    sign_in(page, url, username, f"demo-{username}")
    page.get_by_role("heading", name="This month at a glance").wait_for()
    page.get_by_role("heading", name="Needs your attention").wait_for()
    wait_for_app(page)
    _no_exception(page)


def _open_line(page: Page, title: str) -> tuple[Locator, int]:
    """Open the attention line whose title matches the pattern `title`; its expander and count."""
    heading = page.get_by_text(re.compile(rf"^[\d,]+ · {title}$"))
    line = page.get_by_test_id("stExpander").filter(has=heading)
    expect(line).to_have_count(1)
    count = int(heading.inner_text().split(" · ")[0].replace(",", ""))
    line.locator("summary").click()
    expect(line.get_by_test_id("stExpanderDetails")).to_be_visible()
    # Opening animates the height; a picture taken before it ends cuts the list off.
    page.wait_for_function(
        "details => details.open && !details.style.height && !details.getAnimations().length",
        arg=line.locator("details").element_handle(),
    )
    return line, count


def _items(line: Locator) -> Locator:
    """The links to the records under an open line (not its "open the full list" link)."""
    return line.get_by_test_id("stPageLink-NavLink").filter(has_not_text=FULL_LIST)


def _listed_here(line: Locator, count: int) -> bool:
    """Whether the open line lists all its `count` records on the landing page (True), or lists
    the first SHOWN and links to the page that lists them all (False)."""
    full_list = line.get_by_role("link", name=FULL_LIST)
    if count <= SHOWN or full_list.count() == 0:
        # A record no page shows (a concern about no provider) is listed as text, not a link.
        unlinked = line.get_by_text(re.compile(r"\(no page to open\)$"))
        assert _items(line).count() + unlinked.count() == count
        expect(full_list).to_have_count(0)
        return True
    expect(_items(line)).to_have_count(SHOWN)
    expect(full_list).to_have_text(re.compile(rf"and {count - SHOWN:,} more: open the full list"))
    return False


def _back_to_landing(page: Page) -> None:
    """Back to the landing page by its link in the menu."""
    page.get_by_role("link", name="This month at a glance").click()
    page.get_by_role("heading", name="Needs your attention").wait_for()
    wait_for_app(page)


def _follow(page: Page, link: Locator) -> dict[str, str]:
    """Click `link` once, wait for the page it opens; the link's own query parameters."""
    wanted = _address(link.get_attribute("href") or "")
    link.click()
    page.wait_for_url(lambda url: all(_address(url).get(k) == v for k, v in wanted.items()))
    wait_for_app(page)
    return wanted


def _alert_shown(page: Page, alert_id: str, provider: str) -> None:
    """The register shows exactly the alert `alert_id` about `provider`."""
    page.get_by_role(
        "heading", name=re.compile(rf"^{re.escape(alert_id)}: {re.escape(provider)}")
    ).wait_for()
    assert _address(page.url).get("alert") == alert_id, page.url
    assert page.get_by_text("There is no quality alert").count() == 0
    _no_exception(page)


def _alerts_shown(page: Page, count: int) -> None:
    """The register lists `count` alerts."""
    page.get_by_role("heading", name="Quality alert register").wait_for()
    expect(page.get_by_test_id("stMetric").filter(has_text="Alerts shown")).to_have_text(
        re.compile(rf"Alerts shown\s*{count:,}\s*$")
    )
    _no_exception(page)


ALERT_ITEM = re.compile(r"((?:ALT|AL)-[\w-]+) · (.+?) — ")


def test_commissioner_opens_a_serious_alert_not_started(page: Page, app_url: str) -> None:
    _landing(page, app_url, "commissioner")
    line, count = _open_line(page, "Critical and high alerts not started")
    assert count > 0  # the demo borough has serious alerts nobody has started
    screenshot(page, "attention-commissioner")
    if not _listed_here(line, count):
        _follow(page, line.get_by_role("link", name=FULL_LIST))
        assert _address(page.url).get("severity") == "critical,high", page.url
        _alerts_shown(page, count)
        _back_to_landing(page)
        line, _ = _open_line(page, "Critical and high alerts not started")
    first = _items(line).first
    alert_id, provider = ALERT_ITEM.search(first.inner_text()).groups()
    _follow(page, first)
    _alert_shown(page, alert_id, provider)
    expect(page.get_by_test_id("stMarkdownContainer").filter(
        has_text=re.compile(r"^\s*Status\s*Open\s*$")
    )).to_be_visible()


def test_safeguarding_team_opens_an_overdue_enquiry(page: Page, app_url: str) -> None:
    _landing(page, app_url, "safeguarding")
    line, count = _open_line(page, r"Enquiries open more than 20 working days")
    assert count > 0
    screenshot(page, "attention-safeguarding")
    assert _listed_here(line, count)  # no page lists these enquiries: the landing page does
    first = _items(line).first
    concern_id, provider = re.search(r"Concern (\S+) · (.+?) — ", first.inner_text()).groups()
    wanted = _follow(page, first)
    page.get_by_role("heading", name="Provider profile").wait_for()
    page.get_by_role("heading", name=provider, exact=True).wait_for()
    assert _address(page.url).get("provider") == wanted["provider"], page.url
    page.get_by_role("heading", name="Safeguarding concerns").wait_for()
    wait_for_app(page)
    concerns = page.get_by_test_id("stDataFrame").filter(
        has=page.get_by_text(concern_id, exact=True)
    )
    expect(concerns).to_have_count(1)
    _no_exception(page)


def test_board_member_opens_a_provider_awaiting_its_decision(page: Page, app_url: str) -> None:
    _landing(page, app_url, "board")
    title = r"Providers awaiting the Board's decision for \w+ \d{4}"
    line, count = _open_line(page, title)
    assert count > 0
    screenshot(page, "attention-board")
    if not _listed_here(line, count):
        month = _follow(page, line.get_by_role("link", name=FULL_LIST))["month"]
        page.get_by_role("heading", name="Provider Oversight Board").wait_for()
        assert _address(page.url).get("month") == month, page.url
        expect(page.get_by_role("combobox", name="Order the table", exact=True)).to_have_value(
            "Not yet decided first"
        )
        recorded = page.get_by_test_id("stMetric").filter(has_text="Decisions recorded")
        decided, rated = map(
            int, re.search(r"([\d,]+) of ([\d,]+)", recorded.inner_text()).groups()
        )
        assert rated - decided == count
        assert _address(page.url).get("show") == "awaiting_decision", page.url
        _filtered(page, count, "providers awaiting the Board's decision for")
        assert _grid_rows(page) == count
        _no_exception(page)
        _back_to_landing(page)
        line, _ = _open_line(page, title)
    first = _items(line).first
    provider = re.search(r"(.+?) — ", first.inner_text().strip().splitlines()[-1]).group(1)
    wanted = _follow(page, first)
    page.get_by_role("heading", name="Review a provider").wait_for()
    page.get_by_role("heading", name=provider, exact=True).wait_for()
    expect(page.get_by_role("combobox", name="Provider", exact=True)).to_have_value(
        f"{provider} ({wanted['provider']})"
    )
    page.get_by_role("button", name="Record the decision").wait_for()
    _no_exception(page)


@pytest.fixture
def own_borough(browser, tmp_path: Path) -> Iterator[tuple[Page, str]]:
    """A page on a demo borough of this test's own (a journey that opens a plan)."""
    with demo_server(tmp_path) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        try:
            yield page, url
        finally:
            context.close()


def test_plan_owner_opens_an_overdue_action(own_borough: tuple[Page, str]) -> None:
    page, url = own_borough
    _landing(page, url, "planowner")
    line, count = _open_line(page, "Your plan actions that are overdue")
    assert count > 0
    screenshot(page, "attention-planowner")
    assert _listed_here(line, count)
    first = _items(line).first
    action, provider = re.search(r"(.+?) · (.+?) — overdue by", first.inner_text()).groups()
    action = action.strip().splitlines()[-1].removesuffix("…")
    wanted = _follow(page, first)
    page.get_by_role(
        "heading", name=f"{provider}: improvement plan {wanted['plan']}", exact=True
    ).wait_for()
    wait_for_app(page)
    actions = page.get_by_test_id("stDataFrame").filter(
        has=page.get_by_text(re.compile(rf"^{re.escape(action)}"))
    )
    expect(actions.first).to_be_attached()
    _no_exception(page)


def test_provider_staff_open_an_alert_about_their_service(page: Page, app_url: str) -> None:
    _landing(page, app_url, "provider")
    line, count = _open_line(page, "Open quality alerts about your service")
    assert count > 0
    screenshot(page, "attention-provider")
    if not _listed_here(line, count):
        _follow(page, line.get_by_role("link", name=FULL_LIST))
        _alerts_shown(page, count)
        _back_to_landing(page)
        line, _ = _open_line(page, "Open quality alerts about your service")
    first = _items(line).first
    alert_id, provider = ALERT_ITEM.search(first.inner_text()).groups()
    assert provider == "Elmfield House"  # the demo provider user's own service
    _follow(page, first)
    _alert_shown(page, alert_id, provider)


def _grid_rows(page: Page) -> int:
    """The rows of the page's first table, as its accessible grid counts them (the heading row
    left out)."""
    grid = page.get_by_test_id("stDataFrame").first.locator("table[aria-rowcount]")
    grid.wait_for(state="attached")
    return int(grid.get_attribute("aria-rowcount") or 0) - 1


def _filtered(page: Page, count: int, what: str) -> Locator:
    """The page says it shows the `count` records of `what` (a pattern) and offers Show all."""
    notice = page.get_by_test_id("stAlertContentInfo").filter(
        has_text=re.compile(rf"Showing {count:,} {what}")
    )
    expect(notice).to_have_count(1)
    _no_exception(page)
    return page.get_by_role("button", name="Show all")


def _show_all(page: Page, button: Locator, count: int) -> None:
    """Show all: the filter leaves the address and the table lists more than its `count` rows."""
    button.click()
    page.wait_for_url(lambda url: "show" not in _address(url))
    wait_for_app(page)
    expect(page.get_by_role("button", name="Show all")).to_have_count(0)
    grid = page.get_by_test_id("stDataFrame").first.locator("table[aria-rowcount]")
    expect(grid).not_to_have_attribute("aria-rowcount", str(count + 1))  # redrawn whole
    assert _grid_rows(page) > count
    _no_exception(page)


def test_commissioner_opens_the_providers_red_or_worse_on_the_board(
    page: Page, app_url: str
) -> None:
    _landing(page, app_url, "commissioner")
    title = r"Providers rated Red for (\w+ \d{4}) or worse than the month before"
    line, count = _open_line(page, title)
    assert count > SHOWN  # the demo borough has 55: more than the line lists
    assert not _listed_here(line, count)
    wanted = _follow(page, line.get_by_role("link", name=FULL_LIST))
    assert wanted["show"] == "red_or_worse"
    page.get_by_role("heading", name="Provider Oversight Board").wait_for()
    show_all = _filtered(page, count, "providers rated Red for")
    expect(page.get_by_text(re.compile(rf"^{count:,} of [\d,]+ providers shown"))).to_have_count(1)
    assert _grid_rows(page) == count
    screenshot(page, "board-red-or-worse")
    _show_all(page, show_all, count)
    assert _address(page.url).get("month") == wanted["month"], page.url


def _plan_line_opens_its_list(
    page: Page, title: str, what: str, name: str
) -> tuple[Locator, int]:
    line, count = _open_line(page, title)
    assert count > SHOWN  # made so by start_plan_work below
    assert not _listed_here(line, count)
    wanted = _follow(page, line.get_by_role("link", name=FULL_LIST))
    assert _address(page.url).get("show") == wanted["show"], page.url
    page.get_by_role("heading", name="Improvement plans and monitoring").wait_for()
    show_all = _filtered(page, count, what)
    screenshot(page, name)
    return show_all, count


def test_plan_lines_open_the_plans_page_filtered_to_their_records(
    browser, own_borough: tuple[Page, str], tmp_path: Path
) -> None:
    page, url = own_borough
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:  # more reviews due and more decisions not started than a line lists on the landing page
        start_plan_work(engine, DEMO_AS_OF + dt.timedelta(days=4), monitored=9, decided=11)
    finally:
        engine.dispose()

    _landing(page, url, "commissioner")
    show_all, count = _plan_line_opens_its_list(
        page,
        r"Plan and monitoring reviews due in the next 14 days or overdue",
        "plan and monitoring reviews due",
        "plans-reviews-due",
    )
    assert _grid_rows(page) == count
    _show_all(page, show_all, count)

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        board = context.new_page()
        board.set_default_timeout(PAGE_TIMEOUT_MS)
        _landing(board, url, "board")
        show_all, count = _plan_line_opens_its_list(
            board,
            r"Decisions for \w+ \d{4} whose work has not started",
            "decisions for",
            "plans-work-not-started",
        )
        providers = board.get_by_test_id("stPageLink-NavLink").filter(has_text=" — ")
        expect(providers).to_have_count(count)
        first = providers.first
        name = first.inner_text().strip().splitlines()[-1].split(" — ")[0]
        _follow(board, first)
        board.get_by_role("heading", name=name, exact=True).wait_for()
        _no_exception(board)
    finally:
        context.close()
