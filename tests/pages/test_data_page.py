"""The Data imports page: its data dictionary and templates come from the import schemas."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from sgoversight import data_dictionary, schemas

PAGE = "pages/data.py"


def test_dictionary_lists_every_file_column_and_value(run_page: Callable[..., AppTest]) -> None:
    app = run_page(PAGE, as_user="commissioner")
    assert not app.exception
    titles = [tab.label for tab in app.tabs]
    assert titles == [data_dictionary.FILES[kind].title for kind in schemas.ROW_SCHEMAS]
    tables = {tuple(frame.value["Column"]): frame.value for frame in app.dataframe[1:]}
    for kind, schema in schemas.ROW_SCHEMAS.items():
        table = tables[tuple(schema.columns())]
        if kind == "providers":
            values = dict(zip(table["Column"], table["Accepted values (code: label)"], strict=True))
            assert "care_home: Care home" in values["service_type"]


def test_a_role_without_imports_cannot_open_it(run_page: Callable[..., AppTest]) -> None:
    app = run_page(PAGE, as_user="qa")
    assert "does not give you access" in app.error[0].value
