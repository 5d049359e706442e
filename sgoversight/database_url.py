"""Which database: DATABASE_URL, else the SQLite file data/sgoversight.db (CONTRACT.md section 2).

Plain Python, so a command that reads through sgoversight.read learns its database without
loading SQLAlchemy (sgoversight.db builds the app's engine from the same URL).
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
