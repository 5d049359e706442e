"""The commissioner uploads the Care Quality Commission's latest ratings file on the Data imports
page and sees the providers matched, the alerts raised and the gaps in the register; the
profile's and the Board's CQC pieces then show the key questions and the old inspections.

A server of its own, on a database holding the demo borough's provider register only, so the
alerts this import raises never change what the other browser tests see.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sgoversight.demo.borough import build_borough
from sgoversight.demo.providers import DEMO_PROVIDER_ID
from tests.browser.conftest import (
    DEMO_AS_OF,
    PROJECT_ROOT,
    screenshot,
    serve,
    sign_in,
    upload,
    wait_for_app,
)
from tests.fixtures.cqc_ratings import RatedLocation, demo_locations, write_ratings_file

pytestmark = pytest.mark.browser

TODAY = DEMO_AS_OF + dt.timedelta(days=4)


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """(app URL, pieces page URL, folder): the demo borough's providers in a new database."""
    workdir = tmp_path_factory.mktemp("cqc-app")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'cqc.db'}",
        "SGO_TODAY": TODAY.isoformat(),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("SGO_ENV", None)
    frames = build_borough(2026, DEMO_AS_OF)
    providers = workdir / "providers.csv"
    frames["providers"].to_csv(providers, index=False)
    for command in (["init-db"], ["import", "providers", str(providers)]):
        subprocess.run(
            [sys.executable, "-m", "sgoversight", *command],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    with (
        serve("app.py", env, workdir / "app.log") as app_url,
        serve("tests/browser/cqc_pieces_page.py", env, workdir / "pieces.log") as pieces_url,
    ):
        yield app_url, pieces_url, workdir


def test_commissioner_imports_the_cqc_ratings_and_sees_what_changed(
    page, register: tuple[str, str, Path]
) -> None:
    app_url, pieces_url, workdir = register
    # A first import by the command line: every regulated provider as rated in 2023.
    providers = build_borough(2026, DEMO_AS_OF)["providers"].to_dict("records")
    first = write_ratings_file(
        workdir / "earlier.xlsx", 2_000, demo_locations(providers, dt.date(2023, 6, 14))
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'cqc.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "sgoversight", "import", "cqc-ratings", str(first)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    later = write_ratings_file(
        workdir / "latest-ratings.ods", 3_000, _fallen_and_missing(providers)
    )

    sign_in(page, app_url, "commissioner", "demo-commissioner")
    page.get_by_role("link", name="Data imports").click()
    page.get_by_role("heading", name="Care Quality Commission (CQC) ratings").wait_for()
    wait_for_app(page)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(
        has_text="CQC latest ratings file"
    )
    upload(page, later, uploader)
    page.get_by_role("button", name="Import the ratings").click()
    wait_for_app(page)
    page.get_by_text("Quality alerts raised (1)").wait_for()
    matched = len(demo_locations(providers, DEMO_AS_OF)) - 1
    # The report is drawn in pieces: wait for each, rather than counting what is there yet.
    expect(page.get_by_text(f"Providers matched ({matched})", exact=True)).to_have_count(1)
    page.get_by_text("Registered with the CQC in Oakshire but not in the register").first.wait_for()
    expect(page.get_by_text("In the register but not found in the file (1)")).to_have_count(1)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "cqc-ratings-import")

    page.goto(f"{pieces_url}/?provider={DEMO_PROVIDER_ID}")
    wait_for_app(page)
    page.get_by_text("Last inspection report published 2 November 2026").wait_for()
    expect(page.get_by_text("Well-led", exact=True)).to_have_count(1)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "cqc-profile-and-board-pieces")


def _fallen_and_missing(providers: list[dict]) -> list[RatedLocation]:
    """Every regulated demo provider as rated in 2023, but Elmfield House fallen (overall
    Requires improvement, Safe Inadequate, published 2 November 2026) and the last one missing."""
    locations = demo_locations(providers, dt.date(2023, 6, 14))
    elmfield = next(p for p in providers if p["provider_id"] == DEMO_PROVIDER_ID)
    fallen = RatedLocation(
        elmfield["cqc_location_id"],
        elmfield["name"],
        {"overall": "Requires improvement", "safe": "Inadequate", "effective": "Good",
         "caring": "Good", "responsive": "Good", "well_led": "Requires improvement"},
        dt.date(2026, 11, 2),
    )  # fmt: skip
    return [fallen if loc.location_id == fallen.location_id else loc for loc in locations[:-1]]
