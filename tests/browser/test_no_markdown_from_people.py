"""Hostile Markdown typed into records shows as typed in a real browser: no link, no image, no
bold text made from it, and the browser never asks the hostile site for anything.

A server of its own runs on the hostile borough (tests/support/hostile.py); the Board's review
panel, a plan opened from the address, plan and week addresses carrying Markdown, and the
Quality Assurance meeting as provider staff see it are opened and read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import quote, urlparse

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import User
from sgoversight.users import seed_users
from tests.browser.conftest import (
    PROJECT_ROOT,
    serve,
    sign_in,
    wait_for_app,
)
from tests.support.hostile import HOSTILE, HOSTILE_ID, OWN_PROVIDER, TODAY, seed_hostile
from ui.format import WORD_JOINER

pytestmark = pytest.mark.browser

#: What the page's own elements must never be made of: links and images to the hostile site,
#: bold text from the hostile `**bold**`/`**b**`, and Streamlit's coloured text from `:red[red]`.
MADE_FROM_HOSTILE = """() => {
  const hostile = (address) => {
    try { return new URL(address, document.baseURI).hostname.endsWith('evil.test'); }
    catch (error) { return false; }
  };
  return {
    links: [...document.querySelectorAll('a[href]')].filter(a => hostile(a.href))
      .map(a => a.outerHTML),
    images: [...document.querySelectorAll('img[src]')].filter(i => hostile(i.src))
      .map(i => i.outerHTML),
    bold: [...document.querySelectorAll('strong, b')]
      .filter(e => ['bold', 'b', 'h'].includes(e.textContent.trim())).map(e => e.outerHTML),
    coloured: [...document.querySelectorAll('[class*="stMarkdownColored"]')]
      .filter(e => e.textContent.trim() === 'red').map(e => e.outerHTML),
  };
}"""


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Streamlit server on the hostile borough, with the demo sign-ins; yields its base URL."""
    workdir = tmp_path_factory.mktemp("hostile-app")
    url = f"sqlite:///{workdir / 'hostile.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_users(engine)
    seed_hostile(engine)
    with Session(engine) as session, session.begin():
        session.execute(
            update(User).where(User.username == "provider").values(provider_id=OWN_PROVIDER)
        )
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SGO_TODAY": TODAY.isoformat(),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("SGO_ENV", None)
    with serve("app.py", env, workdir / "streamlit.log") as base:
        yield base


def _hostile(address: str) -> bool:
    return (urlparse(address).hostname or "").endswith("evil.test")


@pytest.fixture
def hostile_page(browser) -> Iterator[tuple[object, list[str]]]:
    """A page whose every request to the hostile site is noted and refused."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url) if _hostile(r.url) else None)
    context.route(_hostile, lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        yield page, asked
    finally:
        context.close()


def _open(page, url: str, text: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_text(text, exact=False).first.wait_for()
    wait_for_app(page)


def _assert_shown_as_typed(page, asked: list[str], *typed: str) -> None:
    """Nothing on the page is a link, image, bold or coloured text made from the hostile text,
    each of `typed` reads as typed (the word joiners inside addresses have no width), and the
    browser asked the hostile site for nothing."""
    made = page.evaluate(MADE_FROM_HOSTILE)
    assert made == {"links": [], "images": [], "bold": [], "coloured": []}, made
    shown = page.locator('[data-testid="stMain"]').inner_text().replace(WORD_JOINER, "")
    for text in typed:
        assert text in shown, (text, shown)
    assert asked == [], asked


def test_board_and_plans_show_hostile_text_as_typed(hostile_page, hostile_url: str) -> None:
    page, asked = hostile_page
    sign_in(page, hostile_url, "board", "demo-board")
    _open(
        page,
        f"{hostile_url}/board?month=2026-10&provider={quote(HOSTILE_ID, safe='')}",
        "Earlier decisions this month",
    )
    _assert_shown_as_typed(page, asked, HOSTILE)
    _open(page, f"{hostile_url}/plans?plan={quote(HOSTILE_ID, safe='')}", "Why the plan was opened")
    _assert_shown_as_typed(page, asked, f"Elmfield House {HOSTILE}")
    # Markdown in the address is reflected in the page's own warnings as text, not as a link.
    _open(page, f"{hostile_url}/plans?plan={quote(HOSTILE, safe='')}", "There is no improvement")
    _assert_shown_as_typed(page, asked, HOSTILE)
    _open(page, f"{hostile_url}/weekly?week={quote(HOSTILE, safe='')}", "The address asks")
    _assert_shown_as_typed(page, asked, HOSTILE)


def test_provider_staff_see_the_meeting_heading_as_typed(hostile_page, hostile_url: str) -> None:
    page, asked = hostile_page
    sign_in(page, hostile_url, "provider", "demo-provider")
    _open(page, f"{hostile_url}/qa_meeting", "Agreed actions")
    _assert_shown_as_typed(page, asked, f"Elmfield House {HOSTILE}", f"{HOSTILE_ID} · ")
