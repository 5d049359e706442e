"""The "Log a quality alert" page: a valid and an invalid submission, the duplicate warning, the
safeguarding prompt, and provider staff fixed to their own service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.alerts.config import load_alert_config
from sgoversight.alerts.intake import log_alert
from sgoversight.store.models import QualityAlert
from tests.support.alerts import COMMISSIONER, add_providers, form
from ui.format import plain

PAGE = "pages/alert_log.py"
TODAY = dt.date(2026, 11, 24)  # SGO_TODAY in tests/pages/conftest.py


@pytest.fixture
def seeded(page_db: Engine) -> Engine:
    add_providers(page_db)
    return page_db


def _alerts(engine: Engine) -> list[QualityAlert]:
    with Session(engine) as session:
        return list(session.scalars(select(QualityAlert).order_by(QualityAlert.alert_id)))


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(QualityAlert)) or 0)


def _selectbox(app: AppTest, label: str):
    return next(s for s in app.selectbox if s.label == label)


def _radio(app: AppTest, label: str):
    return next(r for r in app.radio if r.label == label)


def _submit(app: AppTest) -> AppTest:
    return next(b for b in app.button if b.label == "Log the alert").click().run()


def _fill(app: AppTest, provider: str | None = "PRV-A") -> AppTest:
    if provider is not None:
        _selectbox(app, "Provider").select(provider)
    _selectbox(app, "Category").select("medication")
    app = app.run()
    _radio(app, "Severity").set_value("high")
    app.text_area[0].input("Evening medicines given two hours late on two nights.")
    _selectbox(app, "Who raised it").select("family_friend")
    app.text_input[0].input("07700 900123")
    app.date_input[0].set_value(TODAY - dt.timedelta(days=1))
    return app


def test_valid_submission_logs_the_alert_and_empties_the_form(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE)
    assert not app.exception
    assert app.title[0].value == "Log a quality alert"
    app = _submit(_fill(app))
    assert not app.exception
    assert any("AL-2026-00001" in s.value for s in app.success)
    [alert] = _alerts(seeded)
    assert (alert.provider_id, alert.category, alert.severity, alert.raised_by) == (
        "PRV-A",
        "medication",
        "high",
        "family_friend",
    )
    assert alert.raised_on == TODAY - dt.timedelta(days=1)
    assert alert.raiser_contact == "07700 900123"
    assert app.text_area[0].value == ""
    assert _radio(app, "Severity").value is None


def test_invalid_submission_saves_nothing_and_marks_each_field(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE)
    _selectbox(app, "Provider").select("PRV-A")
    app = app.run()
    app.text_area[0].input("x" * 10)
    app = _submit(app)
    assert not app.exception
    assert _count(seeded) == 0
    errors = [e.value for e in app.error]
    assert errors[0].startswith("The alert was not saved. Please put right the 3 things")
    assert "Choose a category." in errors
    assert "Choose a severity." in errors
    assert "Choose who raised it." in errors
    # What was typed is kept for the person to correct.
    assert app.text_area[0].value == "x" * 10
    # A problem put right is no longer marked, even before the form is sent again.
    _selectbox(app, "Category").select("falls")
    app = app.run()
    errors = [e.value for e in app.error]
    assert "Choose a category." not in errors
    assert errors[0].startswith("The alert was not saved. Please put right the 2 things")


def test_risk_of_harm_needs_the_safeguarding_answer(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = _fill(run_page(PAGE))
    app.checkbox[0].check()
    app = _submit(app)
    assert _count(seeded) == 0
    assert any("say whether a safeguarding concern has been raised" in e.value for e in app.error)
    _radio(app, "If so, has a safeguarding concern been raised?").set_value("no")
    app = _submit(app)
    assert not app.exception
    [alert] = _alerts(seeded)
    assert (alert.risk_of_harm, alert.safeguarding_concern_raised) == (True, False)
    # The warning says how to raise a concern, from config/alerts.toml.
    warning = next(w.value for w in app.warning if "Raise a safeguarding concern now" in w.value)
    contact = load_alert_config().raise_concern
    assert contact is not None
    assert plain(contact.phone) in warning and plain(contact.email) in warning


def test_duplicate_warning_is_shown_but_does_not_block(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    first = log_alert(
        seeded,
        COMMISSIONER,
        form(raised_on=TODAY - dt.timedelta(days=2)),
        today=TODAY,
    )
    app = run_page(PAGE)
    _selectbox(app, "Provider").select("PRV-A")
    _selectbox(app, "Category").select("medication")
    app = app.run()
    warning = next(w.value for w in app.warning if "Possible duplicate" in w.value)
    assert first in warning
    assert "raised in the last 7 days" in warning
    _selectbox(app, "Category").select("falls")
    app = app.run()
    assert not any("Possible duplicate" in w.value for w in app.warning)
    _selectbox(app, "Category").select("medication")
    app = _submit(_fill(app.run(), provider=None))
    assert _count(seeded) == 2


def test_provider_staff_log_only_for_their_own_service(
    run_page: Callable[..., AppTest], seeded: Engine
) -> None:
    app = run_page(PAGE, as_user="provider")
    provider = _selectbox(app, "Provider")
    assert provider.disabled
    assert provider.options == ["Harbour View"]
    app = _submit(_fill(app, provider=None))
    assert not app.exception
    [alert] = _alerts(seeded)
    assert alert.provider_id == "PRV-A"


def test_qa_attendee_cannot_open_the_page(run_page: Callable[..., AppTest], seeded: Engine) -> None:
    app = run_page(PAGE, as_user="qa")
    assert "does not give you access" in app.error[0].value
    assert not app.button
