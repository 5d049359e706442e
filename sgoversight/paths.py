"""Where the project lives and which database it uses, without loading any database library.

Rule (DESIGN.md, CONTRACT.md §2): the database is the SQLite file `data/sgoversight.db` unless
DATABASE_URL names another (any SQLAlchemy URL, PostgreSQL included); a plain `postgresql://` or
`postgres://` URL means the psycopg 3 driver.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "sgoversight.db"


def database_url() -> str:
    """The configured database URL: DATABASE_URL, else the default SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (the one in requirements.txt)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def shown_url(url: str) -> str:
    """`url` as messages show it: a password replaced by `***`, as SQLAlchemy renders it."""
    scheme, sep, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{place}"
