"""Real headless Chromium (the Debian package, via Playwright's executable_path) against a real
Streamlit server on a free loopback port, with the demo borough loaded into a throwaway database.

Playwright never downloads a browser here: the system Chromium is found on PATH or via
SGO_CHROMIUM. Under CI=true a missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
DEMO_AS_OF = dt.date(2026, 11, 20)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SGO_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Streamlit exited early:\n{log.read_text()[-3000:]}")
        health = f"{url}/_stcore/health"
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(health, timeout=2) as response,  # noqa: S310 - loopback
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"Streamlit not healthy after {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def serve(script: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """A Streamlit server running `script` (a path from the project root) with `env`, on a free
    loopback port, its output in `log`; yields its base URL once healthy, and stops it after."""
    port = _free_port()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", script,
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def demo_server(workdir: Path) -> Iterator[str]:
    """A Streamlit server on a new database holding the demo borough, in `workdir`; yields its
    base URL."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.db'}",
        "SGO_TODAY": (DEMO_AS_OF + dt.timedelta(days=4)).isoformat(),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("SGO_ENV", None)
    for command in (
        ["init-db"],
        ["demo-data", "--seed", "2026", "--as-of", DEMO_AS_OF.isoformat()],
    ):
        subprocess.run(
            [sys.executable, "-m", "sgoversight", *command],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    with serve("app.py", env, workdir / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Streamlit server on the demo borough, shared by the browser tests; yields its base URL.
    A journey whose records another journey may change takes a borough of its own
    instead (own_borough)."""
    with demo_server(tmp_path_factory.mktemp("browser-app")) as url:
        yield url


def own_borough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo borough of the test module's own, for journeys that change records another journey
    reads (opening Elmfield House's plan, say). A module takes it as its `app_url` with
    `app_url = pytest.fixture(scope="module", name="app_url")(own_borough)`."""
    with demo_server(tmp_path_factory.mktemp("own-borough")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not installed (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, app_url: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()


#: How long a step may take. The first run of a heavy page (the Board's ratings, a profile) on a
#: cold process of a shared CI machine can take well over the usual 30 s.
PAGE_TIMEOUT_MS = 90_000


def wait_for_app(page) -> None:
    """Wait until the script has finished running and no skeleton placeholders remain."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')")


def choose(page, label: str, typed: str, option: str, within=None) -> None:
    """Type into the select box `label` and pick `option`. A change elsewhere on the page reruns
    it (leaving a text box commits it, clicking a radio button), and a rerun can close the list
    just opened: then open it again, up to three times, and check the choice took. `within`
    limits where the box is looked for (a form, when the page has two boxes of that label)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    for attempt in range(3):
        wait_for_app(page)
        box = (within or page).get_by_role("combobox", name=label, exact=True)
        box.click()
        box.fill(typed)
        try:
            page.get_by_role("option", name=option).first.click(timeout=15_000)
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            continue
        wait_for_app(page)
        expect((within or page).get_by_role("combobox", name=label, exact=True)).to_have_value(
            re.compile(re.escape(option))
        )
        return


def upload(page, path: Path, uploader=None) -> None:
    """Give the file at `path` to the file uploader `uploader` (the page's first one when None)
    and wait until the app has it. A file set while the page is still drawing its first run can
    be dropped when the uploader is drawn again: then set it again, up to three times, and wait
    for its name on the uploader's own file chip (not elsewhere on the page)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    box = uploader or page.locator('[data-testid="stFileUploader"]').first
    for attempt in range(3):
        wait_for_app(page)
        box.locator('input[type="file"]').set_input_files(str(path))
        chip = box.locator('[data-testid="stFileChipName"]').filter(has_text=path.name)
        try:
            chip.first.wait_for(timeout=15_000)
            box.locator('[data-testid="stFileChipIconSpinner"]').wait_for(state="detached")
            wait_for_app(page)
            chip.first.wait_for(timeout=2_000)
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            continue
        return


def screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main area, so the window is made as tall as
    that area for the picture, then put back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        'Math.max(...[...document.querySelectorAll(\'[data-testid="stMain"], '
        '[data-testid="stAppViewContainer"]\')].map(e => e.scrollHeight), 0)'
    )
    page.set_viewport_size(
        {"width": size["width"], "height": min(max(height, size["height"]), 9000)}
    )
    wait_for_app(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The click starts a rerun a moment later; wait until it has signed the user in, not just
    # until the page is idle (it still is, before the rerun starts).
    page.get_by_role("button", name="Sign out").or_(page.get_by_role("alert")).first.wait_for()
    wait_for_app(page)
