"""Which store a command uses, and how that was decided (`licensegraph where`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from licensegraph.api.results import Result
from licensegraph.store.db import default_db_path

__all__ = ["StoreLocation", "store_location"]


@dataclass(frozen=True)
class StoreLocation(Result):
    """The store path in use, how it was chosen, and whether a store is there yet."""

    path: str
    chosen_by: str  # "--db", "$LICENSEGRAPH_DB" or "default (user data directory)"
    exists: bool
    size_bytes: int | None


def store_location(db: Path | str | None = None) -> StoreLocation:
    """Where the store is: `--db` when given, else `$LICENSEGRAPH_DB`, else the user data directory."""
    if db is not None:
        path, how = Path(db), "--db"
    elif os.environ.get("LICENSEGRAPH_DB"):
        path, how = Path(os.environ["LICENSEGRAPH_DB"]), "$LICENSEGRAPH_DB"
    else:
        path, how = default_db_path(), "default (user data directory)"
    exists = path.is_file()
    return StoreLocation(path=str(path.expanduser().resolve()), chosen_by=how, exists=exists,
                         size_bytes=path.stat().st_size if exists else None)
