"""The audit trail page: filterable, for admins and Board members only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight import audit
from sgoversight.auth import Actor, Role

PAGE = "pages/audit.py"


@pytest.fixture
def trail(page_db: Engine) -> Engine:
    for who, entity_id in (("cara", "QA-1"), ("cara", "QA-2"), ("bea", "PRV-0012")):
        with Session(page_db) as session, session.begin():
            audit.record(
                session,
                Actor(who, frozenset({Role.COMMISSIONER})),
                "update",
                "quality_alert",
                entity_id,
                before={"status": "open"},
                after={"status": "=cmd|' /C calc'!A0"},
            )
    return page_db


def test_board_member_sees_and_filters_the_trail(
    run_page: Callable[..., AppTest], trail: Engine
) -> None:
    app = run_page(PAGE, as_user="board")
    assert not app.exception
    assert list(app.dataframe[0].value["Record id"]) == ["PRV-0012", "QA-2", "QA-1"]
    app.selectbox[0].select("cara")
    app = app.run()
    assert list(app.dataframe[0].value["Record id"]) == ["QA-2", "QA-1"]
    app.text_input[0].input("qa-2")
    app = app.run()
    assert list(app.dataframe[0].value["Record id"]) == ["QA-2"]
    row = app.dataframe[0].value.iloc[0]  # in words, not codes or JSON
    assert (row["Change"], row["Record"], row["Before"], row["Detail"]) == (
        "Update",
        "Quality alert",
        "status: open",
        "",
    )


@pytest.mark.parametrize("user", ["commissioner", "qa", "provider", "safeguarding"])
def test_other_roles_are_turned_away(
    run_page: Callable[..., AppTest], trail: Engine, user: str
) -> None:
    app = run_page(PAGE, as_user=user)
    assert [e.value for e in app.error] == ["Your role does not give you access to this page."]
    assert not app.dataframe
