"""Where the segments layer keeps its state: the store URL and the data directory.

`SFSEG_DATABASE_URL` selects the store (any SQLAlchemy URL; PostgreSQL through
`postgresql+psycopg://...`). Without it the store is the SQLite file `sfseg.db` in
`platformdirs.user_data_dir("sfseg")`. `SFSEG_DATA_DIR` moves the data directory, which
also contains `errors.jsonl`.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "DEFAULT_DATABASE_FILE",
    "data_dir",
    "database_url",
    "sqlite_url",
]

DATABASE_URL_ENV = "SFSEG_DATABASE_URL"
DATA_DIR_ENV = "SFSEG_DATA_DIR"
DEFAULT_DATABASE_FILE = "sfseg.db"


def data_dir() -> Path:
    """Return the user data directory of sfseg (not created here)."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("sfseg"))


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def database_url() -> str:
    """Return the store URL: `SFSEG_DATABASE_URL`, else the SQLite file in the data directory."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        return configured
    return sqlite_url(data_dir() / DEFAULT_DATABASE_FILE)
