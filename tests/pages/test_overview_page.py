"""The landing page: figures from the domain function, scoped to the user's provider."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight.store.models import ImportRun, Provider, QualityAlert, SafeguardingConcern


def _seed(engine: Engine) -> None:
    with Session(engine) as session:
        for pid in ("PRV-A", "PRV-B"):
            session.add(
                Provider(
                    provider_id=pid, name=f"Home {pid}", service_type="care_home", regulated=True
                )
            )
        session.flush()
        for n, (pid, raised, closed) in enumerate(
            [
                ("PRV-A", dt.date(2026, 11, 2), None),
                ("PRV-B", dt.date(2026, 11, 20), None),
                ("PRV-B", dt.date(2026, 10, 5), dt.date(2026, 10, 30)),
            ]
        ):
            session.add(
                QualityAlert(
                    alert_id=f"A{n}",
                    provider_id=pid,
                    raised_on=raised,
                    raised_by="commissioner",
                    category="staffing",
                    severity="high",
                    summary="Short staffed at night",
                    status="closed" if closed else "open",
                    closed_on=closed,
                )
            )
        for n, received in enumerate([dt.date(2026, 11, 3), dt.date(2026, 10, 3)]):
            session.add(
                SafeguardingConcern(
                    concern_id=f"C{n}",
                    person_id=f"P{n}",
                    received_on=received,
                    referral_source="police",
                    abuse_type="neglect",
                    location="own_home",
                    source_of_risk="known_to_individual",
                    age_band="65-74",
                    gender="female",
                    ethnicity="white",
                )
            )
        session.add(
            ImportRun(
                kind="alerts",
                filename="alerts.csv",
                imported_by="t",
                rows=3,
                created=3,
                updated=0,
                unchanged=0,
                imported_at=dt.datetime(2026, 11, 23, 9, 30),
            )
        )
        session.commit()


def _metric(app, label_start: str) -> str:
    return next(m.value for m in app.metric if m.label.startswith(label_start))


def test_commissioner_sees_borough_figures(run_page, page_db) -> None:
    _seed(page_db)
    app = run_page("pages/overview.py", as_user="commissioner")
    assert not app.exception
    assert app.title[0].value == "This month at a glance"
    assert _metric(app, "Open quality alerts") == "2"
    assert _metric(app, "Alerts raised this month") == "2"
    assert _metric(app, "Concerns this month") == "1"
    freshness = app.dataframe[-1].value
    # imported at 09:30 UTC on 23 November: read in UK time (GMT in November)
    assert freshness.loc[freshness["Data"] == "Alerts", "Last imported"].item() == (
        "yesterday at 09:30 GMT"
    )
    assert freshness.loc[freshness["Data"] == "Concerns", "Last imported"].item() == "never"


def test_provider_user_sees_only_their_provider_and_no_concerns(run_page, page_db) -> None:
    _seed(page_db)
    app = run_page("pages/overview.py", as_user="provider")
    assert not app.exception
    assert _metric(app, "Open quality alerts") == "1"
    assert not any(m.label.startswith("Safeguarding") for m in app.metric)
    # The council's imports cover every provider: their file names are not a provider's to see.
    assert "How fresh the data is" not in [header.value for header in app.subheader]
    assert "for your service, Home PRV-A." in app.caption[0].value


def test_page_refuses_without_sign_in(page_db) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import PROJECT_ROOT

    app = AppTest.from_file(str(PROJECT_ROOT / "pages/overview.py")).run()
    assert not app.exception
    assert "sign in" in app.warning[0].value
    assert not app.metric


def test_attention_lines_count_what_they_list(run_page, page_db) -> None:
    """The commissioner's critical and high alerts not started: both open alerts (high, open);
    the line's count is the number of records listed under it, each a link to its alert."""
    _seed(page_db)
    app = run_page("pages/overview.py", as_user="commissioner")
    assert not app.exception
    assert "Needs your attention" in [header.value for header in app.subheader]
    not_started = next(e for e in app.expander if "Critical and high alerts not started" in e.label)
    assert not_started.label.startswith("**2** ·")
    links = [m.value for m in not_started.markdown]
    assert len(links) == 2
    assert any("alert=A0" in link for link in links) and any("alert=A1" in link for link in links)


def test_provider_user_attention_is_their_own_service(run_page, page_db) -> None:
    _seed(page_db)
    app = run_page("pages/overview.py", as_user="provider")
    mine = next(e for e in app.expander if "about your service" in e.label)
    assert mine.label.startswith("**1** ·")
    assert "A0" in mine.markdown[0].value


def test_import_times_are_uk_time_and_uk_days(run_page, page_db, monkeypatch) -> None:
    """An import at 23:30 UTC on 23 July was 00:30 BST on the 24th: on the 24th it was today."""
    monkeypatch.setenv("SGO_TODAY", "2026-07-24")
    with Session(page_db) as session:
        session.add(
            ImportRun(kind="alerts", filename="alerts.csv", imported_by="t", rows=1, created=1,
                      updated=0, unchanged=0, imported_at=dt.datetime(2026, 7, 23, 23, 30))
        )  # fmt: skip
        session.commit()
    app = run_page("pages/overview.py", as_user="commissioner")
    freshness = app.dataframe[-1].value
    assert freshness.loc[freshness["Data"] == "Alerts", "Last imported"].item() == (
        "today at 00:30 BST"
    )
