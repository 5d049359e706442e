"""The weekly safeguarding report page: figures, flags, the significant-issues text, access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.auth import SYSTEM
from sgoversight.narratives import read_narrative
from sgoversight.store.models import Provider, QualityAlert, SafeguardingConcern

PAGE = "pages/weekly.py"
MONDAY = dt.date(2026, 11, 16)  # week 2026-W47, the last complete week on 24 November 2026


def _alert(n: int, raised: dt.date, severity: str = "medium") -> QualityAlert:
    return QualityAlert(
        alert_id=f"A{n}",
        provider_id="PRV-A",
        raised_on=raised,
        raised_by="commissioner",
        category="medication",
        severity=severity,
        summary="Medicines given late",
        status="open",
    )


def _concern(n: int, received: dt.date, abuse_type: str = "neglect") -> SafeguardingConcern:
    return SafeguardingConcern(
        concern_id=f"C{n}",
        person_id=f"PER-{n}",
        received_on=received,
        referral_source="health_primary",
        abuse_type=abuse_type,
        location="care_home_residential",
        source_of_risk="service_provider",
        provider_id="PRV-A",
        age_band="85-94",
        gender="female",
        ethnicity="white",
    )


@pytest.fixture
def seeded(page_db: Engine) -> Engine:
    with Session(page_db) as session, session.begin():
        session.add(
            Provider(
                provider_id="PRV-A",
                name="Harbour View",
                service_type="care_home",
                regulated=True,
            )
        )
        session.flush()
        session.add_all(
            [
                _alert(1, MONDAY),
                _alert(2, MONDAY + dt.timedelta(days=6), "critical"),
                _alert(3, MONDAY - dt.timedelta(days=7)),
                _concern(1, MONDAY + dt.timedelta(days=2), "organisational"),
                _concern(2, MONDAY - dt.timedelta(days=1)),
            ]
        )
    return page_db


def _headline(app: AppTest) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if "12-week average" in d.value.columns)


def _metric(app: AppTest, label: str) -> str:
    """This week's figure for `label` in the headline table, as text."""
    return str(_headline(app).set_index("Measure").loc[label, "This week"])


def test_headline_counts_and_change_on_previous_week(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding")
    assert not app.exception
    assert app.selectbox[0].value == "2026-W47"
    assert _metric(app, "Quality alerts raised") == "2"
    assert _metric(app, "Safeguarding concerns received") == "1"
    headline = _headline(app).set_index("Measure")
    assert headline.loc["Quality alerts raised", "Change on the previous week"] == "▲ 1 more"
    # 1 and 1: said as "same", never "+0" with an arrow
    assert headline.loc["Safeguarding concerns received", "Change on the previous week"] == (
        "= same"
    )
    assert _metric(app, "Quality alerts open at the week's end") == "3"


def test_the_twelve_week_average_is_a_column_of_the_table(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    """Seeded: one alert and one concern in 2026-W46, none in the 11 weeks before it."""
    app = run_page(PAGE, as_user="safeguarding")
    headline = _headline(app).set_index("Measure")
    assert list(headline.columns) == [
        "This week",
        "Previous week",
        "Change on the previous week",
        "12-week average",
    ]
    assert headline.loc["Quality alerts raised", "12-week average"] == round(1 / 12, 1)
    assert headline.loc["Safeguarding concerns received", "12-week average"] == round(1 / 12, 1)
    assert not app.metric  # one table, not cards whose average hid in a tooltip


def test_flagged_provider_listed_with_reasons(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding")
    flagged = next(d.value for d in app.dataframe if "Why flagged" in d.value.columns)
    assert list(flagged["Provider"]) == ["Harbour View"]
    reasons = flagged["Why flagged"].iloc[0]
    assert "3 quality alerts and safeguarding concerns this week (flag at 3)" in reasons
    assert "A critical quality alert this week" in reasons
    assert "An organisational abuse concern this week" in reasons
    assert "Profile" not in flagged.columns  # a link in a table would open a new tab
    # a link below it instead (the page run alone has no other pages, so a plain link stands in)
    assert any("Harbour View: open the profile" in m.value and "provider=PRV-A" in m.value
               for m in app.markdown)  # fmt: skip


def test_choosing_another_week_changes_the_figures(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding")
    assert app.selectbox[0].options[1].startswith("2026-W46")
    app = app.selectbox[0].select_index(1).run()
    assert app.selectbox[0].value == "2026-W46"
    assert _metric(app, "Quality alerts raised") == "1"
    assert any("No provider met a flag rule" in s.value for s in app.success)


def test_safeguarding_team_saves_the_significant_issues_text(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="safeguarding")
    app.text_area[0].input("Organisational abuse concern at Harbour View: visit arranged.")
    app = app.button[0].click().run()
    assert any(s.value == "Saved." for s in app.success)
    saved = read_narrative(seeded, SYSTEM, "weekly", "2026-W47")
    assert saved["significant_issues"] == (
        "Organisational abuse concern at Harbour View: visit arranged."
    )


def test_commissioners_read_the_text_as_plain_text(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    from sgoversight.auth import Actor, Role
    from sgoversight.narratives import save_narrative

    writer = Actor("sam", frozenset({Role.SAFEGUARDING}))
    save_narrative(
        seeded,
        writer,
        "weekly",
        "2026-W47",
        "significant_issues",
        "**Not bold** <b>x</b>",
        expected_version=0,
    )
    app = run_page(PAGE, as_user="commissioner")
    assert not app.text_area  # no form for those who may not write the text
    shown = [m.value for m in app.markdown if "Not bold" in m.value]
    assert shown == [r"\*\*Not bold\*\* \<b\>x\</b\>"]


@pytest.mark.parametrize("user", ["qa", "provider", "planowner"])
def test_roles_without_concerns_access_are_turned_away(
    run_page: Callable[..., AppTest], seeded: Engine, user: str
) -> None:
    app = run_page(PAGE, as_user=user)
    assert [e.value for e in app.error] == ["Your role does not give you access to this page."]
    assert not app.dataframe


def test_pdf_is_prepared_on_request_for_the_chosen_version(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="commissioner", timeout=60)
    assert "weekly-pdf" not in app.session_state  # not drawn on every run
    app = next(b for b in app.button if b.label == "Prepare the PDF").click().run()
    week, suppressed, _data_version, pdf = app.session_state["weekly-pdf"]
    assert (week, suppressed) == ("2026-W47", False)
    assert pdf.startswith(b"%PDF")


def _opened_at(address: dict[str, str], as_user: str = "safeguarding") -> AppTest:
    """The page opened from an address with `address` as its query string (a reload, a shared
    link, back or forward)."""
    from tests.pages.conftest import PROJECT_ROOT, USERS

    app = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=30)
    name, roles, provider_id = USERS[as_user]
    app.session_state["sgo_user"] = {
        "username": as_user, "name": name, "roles": [r.value for r in roles],
        "provider_id": provider_id,
    }  # fmt: skip
    app.query_params.update(address)
    return app.run()


def test_the_week_is_kept_in_the_address_by_its_id(seeded: Engine) -> None:
    """Opening ?week=2026-W46 shows that week; choosing another writes its id to the address,
    and opening that address again (a reload) shows it."""
    app = _opened_at({"week": "2026-W46"})
    assert app.selectbox[0].value == "2026-W46"
    assert _metric(app, "Quality alerts raised") == "1"
    app = app.selectbox[0].select("2026-W45").run()
    assert app.query_params["week"] == "2026-W45"
    assert not app.warning
    reloaded = _opened_at(dict(app.query_params))
    assert reloaded.selectbox[0].value == "2026-W45"


@pytest.mark.parametrize("asked", ["2026-W99", "next week", "2019-W01"])
def test_a_bad_week_in_the_address_says_so_and_shows_the_latest(seeded: Engine, asked: str) -> None:
    app = _opened_at({"week": asked})
    assert not app.exception
    assert app.selectbox[0].value == "2026-W47"
    (warning,) = app.warning
    assert f"The address asks for the week “{asked}”" in warning.value
    assert "Showing 2026-W47 instead." in warning.value
    assert app.query_params["week"] == "2026-W47"


def test_a_second_writer_is_refused_and_keeps_what_they_typed(seeded: Engine) -> None:
    """Two people open the week's text; the first saves; the second's save is refused saying
    who changed it, their text stays in the box with the first person's text shown beneath, and
    saving again (having seen it) saves theirs."""
    first = _opened_at({"week": "2026-W47"})
    second = _opened_at({"week": "2026-W47"}, as_user="admin")
    first.text_area[0].input("Visit arranged at Harbour View.")
    first = first.button[0].click().run()
    assert [s.value for s in first.success] == ["Saved."]

    second.text_area[0].input("Police involved at Harbour View.")
    second = second.button[0].click().run()
    assert not second.success
    (refusal,) = [e.value for e in second.error]
    assert '"Significant issues this week" was changed by safeguarding at ' in refusal
    assert "nothing was saved" in refusal and "what you typed is kept" in refusal
    assert second.text_area[0].value == "Police involved at Harbour View."
    assert any("Visit arranged at Harbour View" in i.value for i in second.info)
    assert read_narrative(seeded, SYSTEM, "weekly", "2026-W47")["significant_issues"] == (
        "Visit arranged at Harbour View."
    )

    second = second.button[0].click().run()
    assert [s.value for s in second.success] == ["Saved."]
    assert read_narrative(seeded, SYSTEM, "weekly", "2026-W47")["significant_issues"] == (
        "Police involved at Harbour View."
    )


def test_an_untouched_box_follows_a_save_made_elsewhere(seeded: Engine) -> None:
    first = _opened_at({"week": "2026-W47"})
    second = _opened_at({"week": "2026-W47"}, as_user="admin")
    first.text_area[0].input("Visit arranged.")
    first.button[0].click().run()
    second = second.run()
    assert second.text_area[0].value == "Visit arranged."
    second.text_area[0].input("Visit arranged; police informed.")
    second = second.button[0].click().run()
    assert [s.value for s in second.success] == ["Saved."]


def test_the_flagged_providers_are_searched_by_name_or_reason(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="commissioner")
    box = next(t for t in app.text_input if t.label.startswith("Search provider name"))
    app = box.input("ORGANISATIONAL abuse").run()
    assert not app.exception
    flagged = next(d.value for d in app.dataframe if "Why flagged" in d.value.columns)
    assert list(flagged["Provider"]) == ["Harbour View"]
    assert app.query_params["q"] == "ORGANISATIONAL abuse"
    assert any(m.value.startswith("**1** of 1 flagged providers shown") for m in app.markdown)
    assert any("Harbour View: open the profile" in m.value for m in app.markdown)
    box = next(t for t in app.text_input if t.label.startswith("Search provider name"))
    app = box.input("willow").run()
    assert not [d for d in app.dataframe if "Why flagged" in d.value.columns]
    assert not any("open the profile" in m.value for m in app.markdown)
    assert any(i.value.startswith("No flagged providers match") for i in app.info)
