"""What a page's download buttons would hand over, for AppTest page tests.

A download button gives Streamlit's media file manager either the file's bytes or, for a file
built when clicked, a function that builds it. `Downloads` records both by file name on every run
(the newest run wins), so a test can fetch exactly what a click on the button drawn in the last
run would download.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager


class Downloads:
    """File name -> bytes or builder, as the last run of the page drew them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._files: dict[str, bytes | Callable[[], Any]] = {}
        real_add, real_deferred = MediaFileManager.add, MediaFileManager.add_deferred
        files = self._files

        def add(
            manager: MediaFileManager,
            data: Any,
            mimetype: str,
            coordinates: str,
            file_name: str | None = None,
            is_for_static_download: bool = False,
        ) -> str:
            if is_for_static_download and file_name:
                files[file_name] = data if isinstance(data, bytes) else str(data).encode()
            return real_add(manager, data, mimetype, coordinates, file_name, is_for_static_download)

        def add_deferred(manager: MediaFileManager, data_callable: Callable[[], Any],
                         mimetype: str | None, coordinates: str, file_name: str | None = None,
                         **kwargs: Any) -> str:  # fmt: skip
            if file_name:
                files[file_name] = data_callable
            return real_deferred(manager, data_callable, mimetype, coordinates, file_name, **kwargs)

        monkeypatch.setattr(MediaFileManager, "add", add)
        monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def names(self) -> list[str]:
        return sorted(self._files)

    def get(self, file_name: str) -> bytes:
        """The bytes a click on the download of `file_name` gives (a deferred file is built now,
        as a click would build it)."""
        found = self._files[file_name]
        data = found() if callable(found) else found
        if isinstance(data, str):
            return data.encode()
        if isinstance(data, io.IOBase):
            return data.read()
        return bytes(data)
