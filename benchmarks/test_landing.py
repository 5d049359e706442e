"""The landing page ("This month at a glance", pages/overview.py) on the large borough, for each
role that has "Needs your attention" lines, and `attention.needs_attention` alone for each.

Who is timed: someone with work in each role. The plan owner is the action owner with the most
actions not done on open plans; the provider staff member works for the provider with the most
open quality alerts; the commissioner, safeguarding officer and Board member see every provider.

Page: cold is the first run after Streamlit's caches are cleared (the lists and the Board month's
ratings are worked out), warm the best of the next runs in the same session; the target is the
pages' (warm < 1 s). `needs_attention` alone: the best of a few uncached calls, scoring the Board
month itself (what the page's cold run pays when the Board page has not cached it), with the
line counts it found; for those whose lines use the Board month, also with the month given, as the
page passes its cached copy: the cost of the lists' own reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from benchmarks.conftest import PAGE_TODAY, PAGE_WARM_SECONDS, Database
from benchmarks.measure import PROJECT_ROOT, best_of, profile_top, timed
from benchmarks.report import Results, seconds
from benchmarks.test_pages import TIMEOUT, WARM_RUNS, _clear_streamlit_caches
from sgoversight import periods
from sgoversight.attention import needs_attention
from sgoversight.auth import Actor, Permission, Role
from sgoversight.board import month as board
from sgoversight.store.models import ImprovementAction, ImprovementPlan, QualityAlert

pytestmark = pytest.mark.benchmark

SECTION = "Landing page"
PAGE = "pages/overview.py"
CALLS = 3


@dataclass(frozen=True)
class Person:
    """Someone signed in: what the page's session holds, and the same person as an Actor."""

    label: str
    username: str
    role: Role
    provider_id: str | None = None

    @property
    def session_user(self) -> dict[str, object]:
        return {
            "username": self.username,
            "name": self.label,
            "roles": [self.role.value],
            "provider_id": self.provider_id,
        }

    @property
    def actor(self) -> Actor:
        return Actor(self.username, frozenset({self.role}), self.provider_id)


def _busiest_action_owner(session: Session) -> str:
    return session.execute(
        select(ImprovementAction.owner)
        .join(ImprovementPlan, ImprovementPlan.plan_id == ImprovementAction.plan_id)
        .where(ImprovementPlan.status == "open", ImprovementAction.completed_on.is_(None))
        .group_by(ImprovementAction.owner)
        .order_by(func.count().desc(), ImprovementAction.owner)
        .limit(1)
    ).scalar_one()


def _provider_with_most_open_alerts(session: Session) -> str:
    return session.execute(
        select(QualityAlert.provider_id)
        .where(QualityAlert.status != "closed")
        .group_by(QualityAlert.provider_id)
        .order_by(func.count().desc(), QualityAlert.provider_id)
        .limit(1)
    ).scalar_one()


@pytest.fixture(scope="module")
def people(large_sqlite: Database) -> list[Person]:
    """One person per role with attention lines (see the module docstring)."""
    with Session(large_sqlite.engine) as session:
        owner = _busiest_action_owner(session)
        provider = _provider_with_most_open_alerts(session)
    return [
        Person("Commissioner", "benchmark-commissioner", Role.COMMISSIONER),
        Person("Safeguarding team", "benchmark-safeguarding", Role.SAFEGUARDING),
        Person("Board member", "benchmark-board", Role.BOARD_MEMBER),
        Person(f"Plan owner ({owner})", owner, Role.PLAN_OWNER),
        Person(f"Provider staff ({provider})", "benchmark-provider", Role.PROVIDER, provider),
    ]


ROLES = ["commissioner", "safeguarding", "board", "plan_owner", "provider"]


def _person(people: list[Person], role: str) -> Person:
    return people[ROLES.index(role)]


@pytest.mark.parametrize("role", ROLES)
def test_landing_page_cold_and_warm(
    role: str,
    people: list[Person],
    large_sqlite: Database,
    results: Results,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = _person(people, role)
    monkeypatch.setenv("DATABASE_URL", large_sqlite.url)
    monkeypatch.setenv("SGO_TODAY", PAGE_TODAY.isoformat())
    _clear_streamlit_caches()
    app = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=TIMEOUT)
    app.session_state["sgo_user"] = person.session_user
    cold, _ = timed(lambda: app.run(timeout=TIMEOUT))
    failed = [str(e.message) for e in app.exception]
    shown = [str(h.value) for h in app.subheader]
    assert "Needs your attention" in shown, f"{person.label}: no attention lines shown"
    warm, _ = best_of(WARM_RUNS, lambda: app.run(timeout=TIMEOUT))
    failed += [str(e.message) for e in app.exception]
    results.add(
        SECTION,
        f"`{PAGE}` as {person.label}" + (" — raised an exception" if failed else ""),
        f"cold {seconds(cold)}, warm {seconds(warm)}",
        "",
        f"warm < {PAGE_WARM_SECONDS:g} s",
        warm < PAGE_WARM_SECONDS and not failed,
    )
    assert not failed, failed


@pytest.mark.parametrize("role", ROLES)
def test_needs_attention_alone(
    role: str, people: list[Person], large_sqlite: Database, results: Results
) -> None:
    person = _person(people, role)
    best, lines = best_of(
        CALLS, lambda: needs_attention(large_sqlite.engine, person.actor, PAGE_TODAY)
    )
    counts = ", ".join(f"{line.key} {line.count:,}" for line in lines)
    assert lines, f"{person.label} has no attention lines"
    assert any(line.count for line in lines), f"{person.label} has nothing to do: {counts}"
    results.add(
        SECTION,
        f"`attention.needs_attention` as {person.label}, uncached (best of {CALLS})",
        f"{seconds(best)} ({counts})",
    )
    if person.actor.can(Permission.MANAGE_ALERTS) or person.actor.can(Permission.DECIDE_BOARD):
        month = periods.last_complete_month(PAGE_TODAY)
        view = board.board_month(large_sqlite.engine, person.actor, month)
        given, _ = best_of(
            CALLS,
            lambda: needs_attention(
                large_sqlite.engine, person.actor, PAGE_TODAY, board_view=lambda _month: view
            ),
        )
        results.add(
            SECTION,
            f"`attention.needs_attention` as {person.label}, the Board month given (as the page "
            f"does once the Board page has it cached; best of {CALLS})",
            seconds(given),
        )
    if role == "board":
        results.note(
            SECTION,
            f"Profile of `attention.needs_attention` as {person.label} (uncached, scoring the "
            "Board month), top entries by cumulative time:\n\n```\n"
            + profile_top(lambda: needs_attention(large_sqlite.engine, person.actor, PAGE_TODAY))
            + "\n```",
        )
