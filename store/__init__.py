"""Storage of imported data: an interface and its SQLite and PostgreSQL implementations.

``open_store(url)`` picks the implementation from the URL: a file path or
``sqlite:///path`` gives the SQLite/GeoPackage store, ``postgresql://…`` the
PostgreSQL + PostGIS store. No web framework is used here.
"""

from __future__ import annotations

from pathlib import Path

from store.base import (
    COLUMNS,
    KEYS,
    KINDS,
    RollbackConflict,
    Store,
    StoreError,
    Version,
    VersionNotFound,
)


def open_store(url: str | Path) -> Store:
    """Open (creating tables if needed) the store at ``url``.

    Parameters
    ----------
    url : str or Path
        ``postgresql://user@host/db`` (or ``postgres://``), ``sqlite:///path``, or a path.

    Raises
    ------
    StoreError
        If the URL names an unsupported scheme or the database cannot be opened.
    """
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from store.postgres import PostgresStore

        return PostgresStore(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    elif "://" in text:
        raise StoreError(f"unsupported store URL {url!r}; use a path, sqlite:/// or postgresql://")
    from store.sqlite import SQLiteStore

    return SQLiteStore(Path(text))


__all__ = ["COLUMNS", "KEYS", "KINDS", "RollbackConflict", "Store", "StoreError", "Version",
           "VersionNotFound", "open_store"]
