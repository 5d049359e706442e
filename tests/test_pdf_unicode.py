"""Every PDF prints names outside Latin-1 as written (Welsh ŵ and ŷ, Polish Ł), read back from the
generated file, and a server without the font gets a message saying what to install."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight import pdf
from sgoversight.auth import SYSTEM, Actor, Role
from sgoversight.board import month as board
from sgoversight.board.pack import board_pack_pdf
from sgoversight.narratives import save_narrative
from sgoversight.standards import report as standards_report
from sgoversight.store.models import Provider, QualityAlert, SafeguardingConcern
from sgoversight.weekly import output as weekly_output
from tests.support.pdftext import pdf_text

NAME = "Tŷ Ŵyn – Łukasz’s Home"
WRITER = Actor("sam", frozenset({Role.SAFEGUARDING}))


@pytest.fixture
def welsh_home(sqlite_engine: Engine) -> Engine:
    """A provider with a Welsh and Polish name, a critical alert in week 2026-W47 (so it is
    flagged) and a concern in quarter 2026-Q4."""
    with Session(sqlite_engine) as session, session.begin():
        session.add(
            Provider(provider_id="PRV-W", name=NAME, service_type="care_home", regulated=True)
        )
        session.flush()
        session.add(
            QualityAlert(
                alert_id="A1", provider_id="PRV-W", raised_on=dt.date(2026, 11, 17),
                raised_by="commissioner", category="medication", severity="critical",
                summary="Medicines for Mr Wŷn given late", status="open",
            )
        )  # fmt: skip
        session.add(
            SafeguardingConcern(
                concern_id="C1", person_id="PER-1", received_on=dt.date(2026, 11, 18),
                referral_source="health_primary", abuse_type="neglect",
                location="care_home_residential", source_of_risk="service_provider",
                provider_id="PRV-W", age_band="85-94", gender="female", ethnicity="white",
            )
        )  # fmt: skip
    return sqlite_engine


def test_weekly_pdf_prints_the_flagged_providers_name(welsh_home: Engine) -> None:
    save_narrative(
        welsh_home, WRITER, "weekly", "2026-W47", "significant_issues",
        f"Visit to {NAME} arranged.", expected_version=0,
    )  # fmt: skip
    text = pdf_text(
        weekly_output.weekly_pdf(weekly_output.weekly_pack(welsh_home, SYSTEM, "2026-W47"))
    )
    assert NAME in text
    assert f"Visit to {NAME} arranged." in text


def test_standards_pdf_prints_the_narrative_as_written(welsh_home: Engine) -> None:
    story = "Pani Łucja and Mr Ŵyn from Tŷ Gwyn told us what mattered to them."
    save_narrative(
        welsh_home, WRITER, "standards", "2026-Q4", "real_life_stories", story, expected_version=0
    )
    report = standards_report.quarterly_report(welsh_home, SYSTEM, "2026-Q4")
    assert story in pdf_text(standards_report.quarterly_pdf(report, suppress=False))


def test_board_pack_pdf_prints_the_providers_name(welsh_home: Engine) -> None:
    frames = board.load_board_frames(welsh_home, SYSTEM, "2026-11")
    view = board.board_month(welsh_home, SYSTEM, "2026-11", frames=frames)
    assert NAME in pdf_text(board_pack_pdf(view, frames))


def test_a_server_without_the_font_is_told_what_to_install(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SGO_PDF_FONT_DIR", str(tmp_path))
    monkeypatch.setattr(pdf, "FONT_DIRS", ())
    monkeypatch.setattr(pdf.shutil, "which", lambda _name: None)
    pdf.font_files.cache_clear()
    try:
        with pytest.raises(pdf.PdfFontMissing, match="fonts-dejavu-core"):
            pdf.PdfReport("Board pack")
    finally:
        pdf.font_files.cache_clear()
