"""The Data imports page: the check runs in a process of its own while the page shows its progress
and a Cancel button; the result (counts or every problem) is shown when it is done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from sgoversight.intake import data_dictionary, schemas
from sgoversight.intake.import_jobs import ImportJob
from sgoversight.intake.importing import CANCELLED
from tests.fixtures.importing import (
    add_providers,
    audit_actions,
    csv_bytes,
    good_row,
    large_alerts_csv,
    seed,
    snapshot,
)

PAGE = "pages/data.py"
WAIT = 120


def _button(app: AppTest, label: str) -> object:
    return next(b for b in app.button if b.label == label)


def _upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader[0].upload(name, data, "text/csv")
    return app.run()


def _job(app: AppTest) -> ImportJob:
    job = app.session_state["import_job"]
    assert isinstance(job, ImportJob)
    return job


def test_check_shows_progress_then_every_problem(
    run_page: Callable[..., AppTest], page_db: Engine
) -> None:
    seed(page_db)
    before = snapshot(page_db)
    app = _upload(
        run_page(PAGE),
        "march alerts.csv",
        csv_bytes([good_row("alerts"), good_row("alerts", 2, severity="bad")]),
    )
    app = _button(app, "Check the file").click().run()  # type: ignore[attr-defined]
    assert not app.exception
    # The script did not wait for the check: it drew the progress and a Cancel button.
    if not _job(app).status().finished:
        assert [b.label for b in app.button if b.label == "Cancel"] == ["Cancel"]
        assert _button(app, "Check the file").disabled  # type: ignore[attr-defined]
    assert _job(app).wait(WAIT).finished
    app = app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "march alerts.csv: rejected, 1 problem in 1 row; nothing written"
    ]
    problems = app.dataframe[0].value
    assert list(problems["Row"]) == [3] and list(problems["Column"]) == ["severity"]
    assert snapshot(page_db) == before
    assert audit_actions(page_db) == []


def test_import_writes_and_says_so(run_page: Callable[..., AppTest], page_db: Engine) -> None:
    seed(page_db)
    app = _upload(run_page(PAGE), "alerts.csv", csv_bytes([good_row("alerts", n) for n in (1, 2)]))
    app = _button(app, "Import").click().run()  # type: ignore[attr-defined]
    _job(app).wait(WAIT)
    app = app.run()
    assert [s.value for s in app.success] == [
        "alerts.csv: 2 rows valid: 2 created, 0 updated, 0 unchanged"
    ]
    assert audit_actions(page_db) == ["import"]


def test_cancel_stops_a_slow_import(
    run_page: Callable[..., AppTest], page_db: Engine, tmp_path: Path
) -> None:
    add_providers(page_db, 1_000)
    before = snapshot(page_db)
    data = large_alerts_csv(tmp_path / "alerts.csv", 150_000).read_bytes()
    app = _upload(run_page(PAGE), "alerts.csv", data)
    app = _button(app, "Import").click().run()  # type: ignore[attr-defined]
    app = _button(app, "Cancel").click().run()  # type: ignore[attr-defined]
    assert not app.exception
    assert _job(app).wait(WAIT).finished
    app = app.run()
    assert [e.value for e in app.error] == ["alerts.csv: rejected, 1 problem; nothing written"]
    assert list(app.dataframe[0].value["Problem"]) == [CANCELLED]
    assert snapshot(page_db) == before


def test_dictionary_lists_every_file_column_and_value(run_page: Callable[..., AppTest]) -> None:
    app = run_page(PAGE, as_user="commissioner")
    assert not app.exception
    titles = [tab.label for tab in app.tabs]
    assert titles == [data_dictionary.FILES[kind].title for kind in schemas.ROW_SCHEMAS]
    tables = {tuple(frame.value["Column"]): frame.value for frame in app.table}
    for kind, schema in schemas.ROW_SCHEMAS.items():
        table = tables[tuple(schema.columns())]
        if kind == "providers":
            values = dict(zip(table["Column"], table["Accepted values (code: label)"], strict=True))
            assert "care_home: Care home" in values["service_type"]


def test_a_role_without_imports_cannot_open_it(run_page: Callable[..., AppTest]) -> None:
    app = run_page(PAGE, as_user="qa")
    assert "does not give you access" in app.error[0].value


def test_a_rejected_files_unknown_values_come_with_the_mapping_line_to_add(
    run_page: Callable[..., AppTest], page_db: Engine
) -> None:
    seed(page_db)
    rows = [
        good_row("concerns", 1, location="Residential care home"),
        good_row("concerns", 2, location="residential care HOME"),
        good_row("concerns", 3, location="Moon base"),
    ]
    app = _upload(run_page(PAGE), "concerns.csv", csv_bytes(rows))
    app = _button(app, "Check the file").click().run()  # type: ignore[attr-defined]
    assert _job(app).wait(WAIT).finished
    app = app.run()
    assert not app.exception
    assert "Headers and values the app does not know" in [h.value for h in app.subheader]
    hints = app.dataframe[1].value
    assert list(hints["In the file"]) == ["Residential care home", "Moon base"]
    assert list(hints["Rows"]) == ["2", "1"]
    assert list(hints["Did you mean"])[1] == "no close match"
    assert list(hints["Mapping line to add"]) == [
        '"Residential care home" = "care_home_residential"',
        '"Moon base" = ""',
    ]
    assert [c.value for c in app.code] == [
        '[concerns.values.location]\n"Residential care home" = "care_home_residential"'
    ]


def test_a_broken_mapping_file_is_shown_and_no_check_starts(
    run_page: Callable[..., AppTest], page_db: Engine, tmp_path: Path, monkeypatch
) -> None:
    from sgoversight.intake import mappings

    broken = tmp_path / "import_mappings.toml"
    broken.write_text('[concerns.values.location]\n"Res" = "nowhere"\n', encoding="utf-8")
    monkeypatch.setattr(mappings, "DEFAULT_PATH", broken)
    seed(page_db)
    app = _upload(run_page(PAGE), "concerns.csv", csv_bytes([good_row("concerns")]))
    app = _button(app, "Check the file").click().run()  # type: ignore[attr-defined]
    assert not app.exception
    assert "import_job" not in app.session_state
    assert app.error[0].value.startswith("The import mappings (config/import_mappings.toml)")
    assert 'line 2: [concerns.values.location] "Res"' in app.code[0].value
