"""Errors the command line and pages turn into clear messages rather than tracebacks."""

from __future__ import annotations


class BadInput(Exception):
    """Input that cannot be accepted; nothing was written. Exit code 2 on the command line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
