"""Files that take a while to draw (PDF packs, the national return): made when asked for.

Rule: a "Prepare" button builds the file once and keeps it in session state with the choices it
was built for (`version`, e.g. the week and the suppression switch) and the data version it was
built from; the download button is offered only while both are unchanged, so nobody downloads a
file for another week, or one made before a change that has since been saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.cache import version as data_version

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def prepared_download(
    container: Any,
    *,
    key: str,
    version: tuple[Any, ...],
    prepare_label: str,
    prepare_icon: str,
    spinner: str,
    build: Callable[[], bytes],
    download_label: str,
    file_name: str,
    mime: str = PDF,
) -> None:
    """Draw the Prepare button and, once prepared for `version`, the download button.

    Session state `key` holds `(*version, data version, file bytes)`.
    """
    version = (*version, data_version())
    if container.button(prepare_label, icon=prepare_icon, key=f"{key}-prepare"):
        with st.spinner(spinner):
            st.session_state[key] = (*version, build())
    ready = st.session_state.get(key)
    if ready and tuple(ready[:-1]) == version:
        container.download_button(
            download_label,
            ready[-1],
            file_name=file_name,
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
        )
