"""The CQC ratings feed's pure rules (no database), its config, its command line and its
migration's downgrade."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect

from sgoversight.errors import BadInput
from sgoversight.intake import cqc, cqc_config
from sgoversight.intake.cqc_config import CqcConfig, load_cqc_config
from sgoversight.store.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.fixtures.cqc_ratings import RatedLocation, write_ratings_file
from tests.support.cli import run_cli

DAY = dt.date(2026, 11, 3)


def _published(code: str, rating: str) -> cqc.PublishedRating:
    return cqc.PublishedRating(
        "1-1", code, cqc.read_rating(rating), rating, DAY, "https://example.org/r", False, 2
    )


def _prior(rating: str | None) -> cqc.Prior:
    return cqc.Prior(rating, rating or "Not rated", dt.date(2024, 1, 1), "1-1")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Good", "good"),
        ("requires  improvement", "requires_improvement"),
        ("INADEQUATE", "inadequate"),
        ("Insufficient evidence to rate", None),
        ("No published rating", None),
        ("", None),
    ],
)
def test_rating_wordings(text: str, code: str | None) -> None:
    assert cqc.read_rating(text) == code


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (dt.datetime(2024, 3, 1, 0, 0), dt.date(2024, 3, 1)),
        ("01/03/2024", dt.date(2024, 3, 1)),
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("", None),
        (None, None),
    ],
)
def test_publication_dates(value: object, day: dt.date | None) -> None:
    assert cqc.read_date(value) == day


def test_an_unreadable_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="is not a date"):
        cqc.read_date("March 2024")


def test_a_fall_of_the_overall_rating_is_a_change() -> None:
    changes = cqc.rating_changes(
        {"overall": _prior("good")},
        {"overall": _published("overall", "Requires improvement")},
        None,
    )
    assert changes == ["overall rating fell from Good to Requires improvement"]


def test_a_fall_to_inadequate_is_said_once() -> None:
    changes = cqc.rating_changes({}, {"overall": _published("overall", "Inadequate")}, "good")
    assert changes == ["overall rating fell from Good to Inadequate"]


def test_the_first_ratings_are_a_baseline_but_a_key_question_rated_since_is_new() -> None:
    published = {
        "overall": _published("overall", "Good"),
        "well_led": _published("well_led", "Inadequate"),
    }
    assert cqc.rating_changes({}, published, "good") == []
    with_history = {"overall": _prior("good")}
    assert cqc.rating_changes(with_history, published, "good") == [
        "Well-led newly rated Inadequate"
    ]


def test_still_inadequate_rises_and_not_rated_are_no_change() -> None:
    prior = {"overall": _prior("requires_improvement"), "safe": _prior("inadequate")}
    published = {
        "overall": _published("overall", "Good"),
        "safe": _published("safe", "Inadequate"),
        "caring": _published("caring", "Insufficient evidence to rate"),
    }
    assert cqc.rating_changes(prior, published, "requires_improvement") == []
    not_rated = {"overall": _published("overall", "No published rating")}
    assert cqc.rating_changes({"overall": _prior("good")}, not_rated, "good") == []


def test_a_publication_is_new_when_its_wording_or_date_differs() -> None:
    published = _published("overall", "Good")
    same = cqc.Prior("good", "Good", DAY, " 1-1 ")
    assert not cqc.is_new(same, published)
    assert cqc.is_new(None, published)
    assert cqc.is_new(cqc.Prior("good", "Good", dt.date(2020, 1, 1), "1-1"), published)


def test_the_summary_names_the_changes_and_the_report() -> None:
    summary = cqc.alert_summary(
        "Elmfield House", "1-1", ["Safe newly rated Inadequate"], {"safe": _published("safe", "x")}
    )
    assert summary == (
        "Care Quality Commission (CQC) ratings for Elmfield House (location 1-1), published "
        "3 November 2026: Safe newly rated Inadequate. Report: https://example.org/r"
    )


@pytest.mark.parametrize(
    ("published", "words"),
    [
        (dt.date(2026, 11, 20), "less than a month ago"),
        (dt.date(2026, 6, 24), "5 months ago"),
        (dt.date(2023, 9, 25), "3 years and 1 month ago"),
        (dt.date(2024, 11, 24), "2 years ago"),
    ],
)
def test_inspection_age_in_words(published: dt.date, words: str) -> None:
    assert cqc.inspection_age(published, dt.date(2026, 11, 24)) == words


def test_the_shipped_config_is_valid() -> None:
    config = load_cqc_config()
    assert config.alert_severity == "high" and config.inadequate_severity == "critical"
    assert config.gap_location_types == ("Social Care Org",)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[cqc]\nalert_category = "cqc"\n', "alert_category"),
        ('[cqc]\nalert_severity = "urgent"\n', "alert_severity"),
        ("[cqc]\ninspection_older_than_years = 0\n", "inspection_older_than_years"),
        ('[cqc]\ninspection_older_than_years = "2"\n', "inspection_older_than_years"),
        ("[cqc]\nlocal_authorty = 'Leeds'\n", "local_authorty"),
    ],
)
def test_a_broken_config_is_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "cqc.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=named):
        load_cqc_config(path)


def test_every_broken_key_is_named_in_one_message_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cqc.toml"
    path.write_text('[cqc]\nalert_category = "cqc"\ninspection_older_than_years = 0\n', "utf-8")
    with pytest.raises(BadInput) as caught:
        load_cqc_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: [cqc] alert_category = 'cqc': 'cqc' is not one of: ")
    assert "; [cqc] inspection_older_than_years = 0: " in message


def test_a_missing_file_means_every_default_unless_it_was_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = tmp_path / "cqc.toml"
    with pytest.raises(BadInput, match=r"cqc\.toml: configuration file not found$"):
        load_cqc_config(absent)
    monkeypatch.setattr(cqc_config, "CONFIG_PATH", absent)
    assert load_cqc_config() == CqcConfig()


def test_a_missing_section_or_key_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "cqc.toml"
    path.write_text("[alerts]\nx = 1\n", encoding="utf-8")
    assert load_cqc_config(path) == CqcConfig()
    path.write_text('[cqc]\nlocal_authority = "Leeds"\n', encoding="utf-8")
    assert load_cqc_config(path) == CqcConfig(local_authority="Leeds")


def test_the_command_line_imports_and_refuses(sqlite_engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from sgoversight.store.models import Provider

    with Session(sqlite_engine) as session, session.begin():
        session.add(
            Provider(
                provider_id="PRV-A",
                name="Elmfield House",
                service_type="care_home",
                regulated=True,
                cqc_rating="good",
                cqc_location_id="1-101",
            )
        )
    database = Path(sqlite_engine.url.database or "")
    ratings = {"overall": "Inadequate", "safe": "Good"}
    path = write_ratings_file(
        tmp_path / "latest.ods",
        rows=60,
        locations=[RatedLocation("1-101", "Elmfield", ratings, DAY)],
    )
    dry = run_cli(database, "import", "cqc-ratings", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "(dry run: nothing written)" in dry.stdout and "Would raise:" in dry.stdout
    done = run_cli(database, "import", "cqc-ratings", str(path))
    assert done.returncode == 0, done.stderr
    assert "1 quality alert raised" in done.stdout
    assert "overall rating fell from Good to Inadequate" in done.stdout
    refused = run_cli(database, "import", "cqc-ratings", str(tmp_path / "missing.xlsx"))
    assert refused.returncode == 2
    assert "cannot read the file" in refused.stderr


def test_the_migration_downgrades_and_upgrades_again(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert "cqc_ratings" not in inspect(engine).get_table_names()
    assert "cqc_location_id" not in {c["name"] for c in inspect(engine).get_columns("providers")}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert "cqc_ratings" in inspect(engine).get_table_names()
