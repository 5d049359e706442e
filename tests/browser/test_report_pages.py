"""The report pages' fixes in a real browser: the week in the address bar, the standards text
read back after a save, the audit trail in UK time, the Users form showing every problem, and
no table offering Streamlit's own raw CSV download."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

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


def test_the_week_stays_in_the_address_through_reload_and_back(page, app_url: str) -> None:
    sign_in(page, app_url, "safeguarding", "demo-safeguarding")
    _open(page, app_url, "weekly?week=2026-W45", "Weekly safeguarding data report")
    week = page.get_by_role("combobox", name="Week")
    assert "2026-W45" in week.input_value()
    assert page.url.endswith("week=2026-W45")
    week.click()
    page.get_by_role("option", name=re.compile(r"^2026-W44")).click()
    wait_for_app(page)
    page.wait_for_url(re.compile(r"week=2026-W44"))
    page.go_back()
    page.wait_for_url(re.compile(r"week=2026-W45"))
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Week")).to_have_value(re.compile("^2026-W45"))
    page.go_forward()
    page.wait_for_url(re.compile(r"week=2026-W44"))
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Week")).to_have_value(re.compile("^2026-W44"))
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Weekly safeguarding data report").wait_for()
    assert "2026-W44" in page.get_by_role("combobox", name="Week").input_value()
    screenshot(page, "weekly-week-in-address")
    _open(page, app_url, "weekly?week=2026-W99", "Weekly safeguarding data report")
    page.get_by_text("The address asks for the week “2026-W99”").wait_for()
    assert "2026-W47" in page.get_by_role("combobox", name="Week").input_value()


def test_standards_text_is_in_the_excel_right_after_saving(page, app_url: str) -> None:
    import io

    import openpyxl

    sign_in(page, app_url, "safeguarding", "demo-safeguarding")
    _open(page, app_url, "standards?quarter=2026-Q3", "Safeguarding standards")
    text = "Screening within a day held for nine in ten concerns; Tŷ Ŵyn's story is included."
    page.get_by_role("textbox", name="Performance summary").fill(text)
    page.get_by_role("button", name="Save the report text").click()
    page.get_by_text("Saved 1 section.").wait_for()
    wait_for_app(page)
    assert page.get_by_role("textbox", name="Performance summary").input_value() == text
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    cells = [str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r]
    assert text in cells
    page.get_by_text("Saved 1 section.").scroll_into_view_if_needed()
    screenshot(page, "standards-text-saved")


def test_audit_trail_reads_in_uk_time(page, app_url: str) -> None:
    sign_in(page, app_url, "admin", "demo-admin")
    _open(page, app_url, "audit", "Audit trail")
    page.get_by_text("Times are UK time (GMT in winter, BST in summer)").wait_for()
    import csv
    import io

    # The table is drawn on a canvas: read its times from the page's own CSV download.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "When (UK time)"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (GMT|BST)", rows[1][0]), rows[1]
    screenshot(page, "audit-trail-uk-time")


def test_users_form_shows_every_problem_at_once(page, app_url: str) -> None:
    sign_in(page, app_url, "admin", "demo-admin")
    _open(page, app_url, "users", "Users")
    page.get_by_role("textbox", name="Username", exact=True).fill("dee")
    page.get_by_role("textbox", name="E-mail", exact=True).fill("not an address")
    page.get_by_role("textbox", name="Password", exact=True).fill("short")
    page.get_by_role("textbox", name="Password again", exact=True).fill("shorter")
    page.get_by_role("button", name="Add the user").click()
    wait_for_app(page)
    page.get_by_text("Please put right the 5 things marked below").wait_for()
    for message in (
        "Required.",
        "Is not an e-mail address.",
        "Choose at least one role.",
        "Use at least 12 characters.",
        "Is not the same as the password above.",
    ):
        expect(page.get_by_text(message, exact=True), message).to_have_count(1)
    assert page.get_by_text("password:").count() == 0
    screenshot(page, "users-form-problems")
