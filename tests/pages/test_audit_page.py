"""The audit trail page: filterable, for admins and Board members only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.auth import Actor, Role
from sgoversight.store import audit

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


def test_times_are_uk_time_with_bst_in_the_table_and_both_downloads(
    run_page: Callable[..., AppTest], page_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry stored at 08:30 UTC on a summer day reads 09:30 BST, on screen and in the CSV
    and Excel files; the column says it is UK time."""
    import datetime as dt
    import io

    import openpyxl

    from sgoversight.store.models import AuditEvent
    from tests.support.downloads import Downloads

    saved = Downloads(monkeypatch)
    with Session(page_db) as session, session.begin():
        session.add(
            AuditEvent(actor="cara", action="update", entity="quality_alert", entity_id="QA-9",
                       occurred_at=dt.datetime(2026, 7, 24, 8, 30, 5))
        )  # fmt: skip
    app = run_page(PAGE, as_user="board")
    app = app.date_input[0].set_value((dt.date(2026, 7, 24), dt.date(2026, 7, 24))).run()
    table = app.dataframe[0].value
    assert list(table["When (UK time)"]) == ["2026-07-24 09:30:05 BST"]
    assert any("Times are UK time (GMT in winter, BST in summer)" in m.value for m in app.markdown)
    name = next(n for n in saved.names() if n.endswith(".csv")).removesuffix(".csv")
    csv = saved.get(f"{name}.csv").decode("utf-8-sig")
    assert "When (UK time)" in csv and "2026-07-24 09:30:05 BST" in csv
    book = openpyxl.load_workbook(io.BytesIO(saved.get(f"{name}.xlsx")))
    assert [c.value for c in book.active[2]][:2] == ["2026-07-24 09:30:05 BST", "cara"]


def test_a_long_entry_is_never_cut_silently(
    run_page: Callable[..., AppTest], page_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry longer than an Excel cell: the page says where it continues; the Excel file
    carries the rest in "Long values"; the CSV has it whole."""
    import io

    import openpyxl

    from tests.support.downloads import Downloads

    saved = Downloads(monkeypatch)
    long = "Notes: " + "x" * 40_000
    with Session(page_db) as session, session.begin():
        audit.record(session, Actor("cara", frozenset({Role.COMMISSIONER})), "add_note",
                     "quality_alert", "QA-1", after={"note": long})  # fmt: skip
    app = run_page(PAGE, as_user="board")
    (note,) = [i.value for i in app.info]
    assert "1 value is longer than an Excel cell holds (32,767 characters)" in note
    assert "continues in the sheet “Long values”; the CSV file has every value in full" in note
    today = next(n for n in saved.names() if n.endswith(".csv")).removesuffix(".csv")
    assert f"note: {long}" in saved.get(f"{today}.csv").decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(saved.get(f"{today}.xlsx")))
    start = book["Audit trail"]["G2"].value.split(" […continued", 1)[0]
    rest = "".join(row[4] for row in book["Long values"].iter_rows(min_row=4, values_only=True))
    assert start + rest == f"note: {long}"


def test_the_search_reads_every_column_in_words_and_is_kept_in_the_address(
    run_page: Callable[..., AppTest], trail: Engine
) -> None:
    app = run_page(PAGE, as_user="board")
    search = next(t for t in app.text_input if t.label.startswith("Search"))
    app = search.input("bea").run()  # who made the change
    assert list(app.dataframe[0].value["Record id"]) == ["PRV-0012"]
    assert app.query_params["q"] == "bea"
    assert any(m.value.startswith("**1** of 3 changes shown for the search") for m in app.markdown)
    search = next(t for t in app.text_input if t.label.startswith("Search"))
    app = search.input("STATUS: open qa").run()  # the before column, in words, and the id
    assert list(app.dataframe[0].value["Record id"]) == ["QA-2", "QA-1"]
    search = next(t for t in app.text_input if t.label.startswith("Search"))
    app = search.input("closed").run()
    assert not app.dataframe
    assert any("No changes match the search “closed”" in i.value for i in app.info)
