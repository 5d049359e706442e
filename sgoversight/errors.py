"""Errors the command line and pages turn into clear messages rather than tracebacks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class BadInput(Exception):
    """Input that cannot be accepted; nothing was written. Exit code 2 on the command line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class FormInvalid(BadInput):
    """A form's input has problems; nothing was saved.

    Rule: every problem of the submission is reported at once, one plain message per field
    (`fields` maps the field's name to its message), so a page can put each message beside the
    field it is about, under the label the person sees, and the command line can print them all.
    """

    def __init__(self, fields: Mapping[str, str], what: str = "It was not saved") -> None:
        count = len(fields)
        super().__init__(
            f"{what}: {count} thing{'s' if count != 1 else ''} to put right",
            [f"{name}: {message}" for name, message in fields.items()],
        )
        self.fields = dict(fields)


def field_messages(
    errors: Iterable[Mapping[str, Any]], required: Mapping[str, str] | None = None
) -> dict[str, str]:
    """One plain message per field from a validator's error list (pydantic's
    `ValidationError.errors()`): the first problem of each field, "required" (or the field's own
    wording in `required`) for a missing value, and no "Value error, " prefix."""
    required = required or {}
    fields: dict[str, str] = {}
    for error in errors:
        name = ".".join(str(part) for part in error.get("loc", ())) or "form"
        kind = str(error.get("type", ""))
        if kind == "missing":
            message = required.get(name, "required")
        elif kind == "extra_forbidden":
            message = "is not a field of the form"
        elif kind.startswith("bool"):
            message = "answer yes or no"
        else:
            message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        fields.setdefault(name, message)
    return fields


class EditConflict(BadInput):
    """Someone else changed the record since it was shown; nothing was saved. The page shows the
    record as it now is and keeps what the person typed."""
