"""The Board's month: table, counts, movement, decisions beside ratings, profile, pack."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.board import month as board
from sgoversight.board.decisions import record_decision
from sgoversight.board.pack import board_pack_pdf, board_pack_xlsx, export_board_pack
from sgoversight.errors import BadInput
from sgoversight.store.db import PROJECT_ROOT
from tests.support.board import seed_board

BOARD = Actor("bea", frozenset({Role.BOARD_MEMBER}))


@pytest.fixture
def borough(engine: Engine) -> Engine:
    seed_board(engine)
    return engine


def test_table_counts_and_movement(borough: Engine) -> None:
    view = board.board_month(borough, BOARD, "2026-10")
    assert view.counts() == {"Red": 1, "Amber": 1, "Green": 1}
    table = board.board_table(view).set_index("provider_id")
    assert table.loc["P-RED", "Rating"] == "✖ Red"
    assert table.loc["P-RED", "Movement"] == "↓ Worse"
    assert table.loc["P-RED", "Why"].startswith("6 quality alerts in 3 months (red at 6)")
    assert table.loc["P-AMB", "Movement"] == "↓ Worse"
    assert table.loc["P-GRN", "Movement"] == "= Same"
    assert table.loc["P-GRN", "Why"] == "No indicator amber or red"
    assert table.loc["P-GRN", "Commissioned"] == "No"
    assert list(table["Provider"]) == ["Beech Court", "Ash Lodge", "Cedar House"]
    # May to October: quiet until September (4 alerts, rising: Amber), then 6 alerts (Red)
    assert table.loc["P-RED", "Last 6 months"] == "● ● ● ● ▲ ✖"
    assert table.loc["P-GRN", "Last 6 months"] == "● ● ● ● ● ●"
    assert table.loc["P-RED", "Red indicators"] == 1


def test_decision_shown_beside_the_computed_rating(borough: Engine) -> None:
    record_decision(
        borough,
        BOARD,
        board_month="2026-10",
        provider_id="P-AMB",
        computed_rating="Amber",
        agreed=False,
        override_rating="Green",
        rationale="The high alert was a recording error, confirmed at a visit.",
        decision="routine_monitoring",
    )
    view = board.board_month(borough, BOARD, "2026-10")
    table = board.board_table(view).set_index("provider_id")
    assert table.loc["P-AMB", "Rating"] == "▲ Amber"  # computed rating never overwritten
    assert table.loc["P-AMB", "Board's rating"] == "● Green (override)"
    assert table.loc["P-AMB", "Board decision"] == "Routine contract monitoring"
    assert table.loc["P-RED", "Board decision"] == "Not yet decided"


def test_profile_timeline_history_and_decisions(borough: Engine) -> None:
    profile = board.provider_profile(borough, BOARD, "P-RED", "2026-10")
    assert profile.rating.rating == "Red"
    october = profile.timeline[profile.timeline["month"] == "Oct 2026"]
    assert dict(zip(october["what"], october["count"], strict=True)) == {
        "Critical alert": 0,
        "High alert": 0,
        "Medium alert": 2,
        "Low alert": 0,
        "Safeguarding concern": 0,
    }
    assert len(profile.timeline["month"].unique()) == 12
    assert list(profile.history["month"]) == [
        "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04",
        "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
    ]  # fmt: skip (12 months on the profile)
    assert list(profile.history["rating"])[-2:] == ["Amber", "Red"]
    with pytest.raises(BadInput, match="no provider"):
        board.provider_profile(borough, BOARD, "P-NONE", "2026-10")


def test_people_without_board_access_are_refused(borough: Engine) -> None:
    for roles in ({Role.QA_ATTENDEE}, {Role.PLAN_OWNER}):
        with pytest.raises(PermissionDenied):
            board.board_month(borough, Actor("x", frozenset(roles)), "2026-10")
    provider_user = Actor("p", frozenset({Role.PROVIDER}), "P-RED")
    with pytest.raises(PermissionDenied):
        board.provider_profile(borough, provider_user, "P-RED", "2026-10")


def test_pack_workbook_and_pdf(borough: Engine) -> None:
    frames = board.load_board_frames(borough, SYSTEM)
    view = board.board_month(borough, SYSTEM, "2026-10", frames=frames)
    book = openpyxl.load_workbook(io.BytesIO(board_pack_xlsx(view, frames)))
    assert book.sheetnames == [
        "Summary", "RAG table", "Indicators", "Decisions", "Rates per 10 places",
        "Quiet providers",
    ]  # fmt: skip
    rag = book["RAG table"]
    header = [c.value for c in rag[3]]
    assert header[:3] == ["Provider", "Service", "Rating"]
    assert [rag.cell(row=r, column=3).value for r in (4, 5, 6)] == ["Red", "Amber", "Green"]
    assert board_pack_pdf(view, frames).startswith(b"%PDF")


def test_export_refuses_other_file_types(borough: Engine, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"\.xlsx or \.pdf"):
        export_board_pack(borough, SYSTEM, "2026-10", tmp_path / "pack.docx")
    assert export_board_pack(borough, SYSTEM, "2026-10", tmp_path / "pack.pdf").stat().st_size


def test_export_command(tmp_path: Path) -> None:
    from sgoversight.store.db import make_engine
    from sgoversight.store.migrate import upgrade

    database = tmp_path / "db.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    seed_board(engine)
    engine.dispose()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "-m", "sgoversight", "export", "board-pack", "--month", "2026-10",
         "--out", str(tmp_path / "pack.xlsx")],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pack.xlsx").read_bytes()[:2] == b"PK"


def _sheet_rows(book: openpyxl.Workbook, name: str) -> list[list[object]]:
    return [[cell.value for cell in row] for row in book[name].iter_rows()]


def test_a_saved_decision_and_its_amendment_are_in_every_read_made_after_it(
    borough: Engine,
) -> None:
    """Save, then read: the month's counts, the table row, the pack and the profile include it."""
    first = record_decision(
        borough,
        BOARD,
        board_month="2026-10",
        provider_id="P-RED",
        computed_rating="Red",
        agreed=True,
        decision="improvement_plan",
    )
    view = board.board_month(borough, BOARD, "2026-10")
    assert len(view.decisions) == 1
    row = board.board_table(view).set_index("provider_id").loc["P-RED"]
    assert row["Board decision"] == "Improvement plan"
    assert row["Plan or monitoring"] == f"Improvement plan {first.plan_id} (◇ Needs setting up)"
    frames = board.load_board_frames(borough, BOARD, "2026-10")
    book = openpyxl.load_workbook(io.BytesIO(board_pack_xlsx(view, frames)))
    assert any("Improvement plan" in map(str, r) for r in _sheet_rows(book, "Decisions"))

    record_decision(
        borough,
        BOARD,
        board_month="2026-10",
        provider_id="P-RED",
        computed_rating="Red",
        agreed=False,
        override_rating="Amber",
        rationale="New manager in post",
        decision="improvement_plan",
        amends=first.decision_id,
        amend_reason="The manager's start date was confirmed after the meeting",
    )
    view = board.board_month(borough, BOARD, "2026-10")
    assert view.decisions["P-RED"].rating == "Amber"
    book = openpyxl.load_workbook(io.BytesIO(board_pack_xlsx(view, frames)))
    decided = _sheet_rows(book, "Decisions")
    assert sum("Beech Court" in r for r in decided) == 1  # one current decision, amended
    assert any("The manager's start date was confirmed after the meeting" in r for r in decided)
    trail = board.decision_trail(borough, BOARD, "P-RED")
    assert [(d.status, d.rating) for d in trail] == [("current", "Amber"), ("superseded", "Red")]
