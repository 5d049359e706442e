"""Which schema revisions this version of the application knows, and the one a database is
stamped with, read without SQLAlchemy or Alembic (so a lean command can check them).

Rule (sgoversight.migrate): a database stamped by a revision this version does not know was set
up by a newer version and is refused before anything reads it.
"""

from __future__ import annotations

import re

from sgoversight import read
from sgoversight.database_url import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
_REVISION_LINE = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.MULTILINE)


def known_revisions() -> frozenset[str]:
    """Every revision in migrations/versions, read from the files' `revision = "…"` lines without
    loading Alembic (tests check it is Alembic's own list)."""
    return frozenset(
        match.group(1)
        for path in (MIGRATIONS_DIR / "versions").glob("*.py")
        for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))
    )


def stamped_by_a_newer_version(connection: read.Connection) -> bool:
    """Whether the database is stamped with a revision this version does not know. A database
    with no stamp (no schema yet) is not: the read that needs the schema then fails and says so."""
    try:
        stamp = read.rows(connection, "SELECT version_num FROM alembic_version")
    except Exception:  # no alembic_version table: no schema yet
        rollback = getattr(connection, "rollback", None)
        if rollback is not None:
            rollback()
        return False
    return bool(stamp) and stamp[0][0] not in known_revisions()
