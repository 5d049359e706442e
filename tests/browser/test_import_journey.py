"""The Data imports page in a real browser: a large file is checked in a process of its own, so
another person's page opens meanwhile; the check shows its progress and can be cancelled; a file
with a problem lists it with its row and column."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sgoversight.intake.sheets import column_letters
from tests.browser.conftest import PAGE_TIMEOUT_MS, screenshot, sign_in, upload, wait_for_app
from tests.fixtures.importing import GOOD, csv_bytes, good_row, header_row_xml, write_xlsx

pytestmark = pytest.mark.browser

PROVIDER = "PRV-0001"  # in the demo borough


def _open_imports(page, app_url: str) -> None:
    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.goto(f"{app_url}/data")
    wait_for_app(page)
    page.get_by_role("heading", name="Data imports").wait_for()


def _large_workbook(path: Path, rows: int) -> Path:
    """Valid alerts as an XLSX workbook of inline texts (slower to check than the same CSV)."""
    columns = list(GOOD["alerts"])
    values = good_row("alerts", provider_id=PROVIDER)

    def row_xml(number: int) -> str:
        cells = dict(values, alert_id=f"BIG{number}")
        return (
            f'<row r="{number}">'
            + "".join(
                f'<c r="{column_letters(i)}{number}" t="inlineStr"><is><t>{cells[c]}</t></is></c>'
                for i, c in enumerate(columns, start=1)
            )
            + "</row>"
        )

    body = (row_xml(n) for n in range(2, rows + 2))
    return write_xlsx(path, [header_row_xml(columns), *body], level=1)


def test_a_problem_is_listed_with_its_row_and_column(page, app_url: str, tmp_path: Path) -> None:
    path = tmp_path / "alerts.csv"
    path.write_bytes(csv_bytes([good_row("alerts", provider_id=PROVIDER, summary="#N/A")]))
    _open_imports(page, app_url)
    upload(page, path)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("alerts.csv: rejected, 1 problem in 1 row; nothing written").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_slow_check_holds_nobody_up_and_can_be_cancelled(
    page, browser, app_url: str, tmp_path: Path
) -> None:
    path = _large_workbook(tmp_path / "alerts.xlsx", 300_000)
    _open_imports(page, app_url)
    upload(page, path)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Cancel").wait_for()
    progress = page.locator('[data-testid="stProgress"]')
    progress.wait_for()

    # Meanwhile another person opens the app: their page is not held up by the check.
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.set_default_timeout(PAGE_TIMEOUT_MS)
    started = time.monotonic()
    sign_in(other, app_url, "board", "demo-board")
    other.get_by_role("heading", name="This month at a glance").wait_for()
    other.context.close()
    assert page.get_by_role("button", name="Cancel").count() == 1, "the check ended too soon"
    assert time.monotonic() - started < 60

    page.get_by_role("button", name="Cancel").click()
    # The problem table is drawn on a canvas: its one row says the import was cancelled.
    page.get_by_text("alerts.xlsx: rejected, 1 problem; nothing written").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_rejected_extract_shows_its_unknown_values_and_the_lines_to_add(
    page, app_url: str, tmp_path: Path
) -> None:
    # A case-system extract as Excel saves it: semicolons, Windows-1252, its own wording.
    rows = [
        good_row("concerns", 1, provider_id=PROVIDER, location="Residential care home"),
        good_row("concerns", 2, provider_id=PROVIDER, location="Residential Care Home"),
        good_row("concerns", 3, provider_id=PROVIDER, location="Hosp - acute", gender="F"),
        good_row("concerns", 4, provider_id=PROVIDER, location="Café on the high street"),
    ]
    for row in rows:
        row["Feedback to referrer"] = row.pop("feedback_to_referrer_on")
    text = csv_bytes(rows, delimiter=";").decode("utf-8")
    path = tmp_path / "concerns extract.csv"
    path.write_bytes(text.encode("cp1252"))
    _open_imports(page, app_url)
    upload(page, path)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("Headers and values the app does not know").wait_for()
    # The table is drawn on a canvas; the lines to add are plain text in a code block.
    page.locator('[data-testid="stCode"]').first.wait_for()
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for()
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert '[concerns]\n"Feedback to referrer" = "feedback_to_referrer_on"' in code
    assert '[concerns.values.location]\n"Residential care home" = "care_home_residential"' in code
    page.get_by_text("Download import_mappings.toml with these lines added").wait_for()
    screenshot(page, "data-imports-unknown-values")
