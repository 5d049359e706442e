"""The report pages' fixes in a real browser: the week in the address bar, the standards text
read back after a save, the audit trail in UK time, the Users form showing every problem, and
no table offering Streamlit's own raw CSV download."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser


def _open(page, app_url: str, path: str, heading: str) -> None:
    page.goto(f"{app_url}/{path}")
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_for_app(page)


def test_no_table_offers_its_own_csv_download(page, app_url: str) -> None:
    """A summary typed as a formula would come out live from the table toolbar's "Download as
    CSV": the toolbar shows its other tools but no download (client.disableDataExport)."""
    sign_in(page, app_url, "admin", "demo-admin")
    _open(page, app_url, "audit", "Audit trail")
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    toolbar.wait_for(state="visible")
    buttons = toolbar.locator("button")
    labels = [buttons.nth(i).get_attribute("aria-label") for i in range(buttons.count())]
    assert any(label and "Search" in label for label in labels), labels
    assert not any(label and "Download" in label for label in labels), labels
