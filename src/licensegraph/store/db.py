"""The embedded DuckDB store: one file holds models, lineage, licenses, findings and rejects.

Every later stage reads from here; nothing else is a source of truth.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import platformdirs

from licensegraph.store.schema import MIGRATIONS, SCHEMA_VERSION


class StoreError(RuntimeError):
    """The store cannot be opened or is of an unknown version."""


def default_db_path() -> Path:
    env = os.environ.get("LICENSEGRAPH_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("licensegraph")) / "licensegraph.duckdb"


class Store:
    """A DuckDB connection with the licensegraph schema applied."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else default_db_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:  # corrupt file, held lock, not a DuckDB file
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        # Hub timestamps carry offsets; compare them in UTC whatever the machine's zone.
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            self.migrate()
        else:
            self._check_version()

    # -- schema ---------------------------------------------------------------
    def schema_version(self) -> int:
        has_meta = self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")
        if not has_meta:
            return 0
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return int(rows[0][0]) if rows else 0

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this licensegraph "
                f"understands ({SCHEMA_VERSION}); upgrade licensegraph"
            )

    def migrate(self) -> None:
        self._check_version()
        version = self.schema_version()
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.con.execute("BEGIN TRANSACTION")
            try:
                for statement in MIGRATIONS[target]:
                    self.con.execute(statement)
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target)]
                )
                self.con.execute("COMMIT")
            except Exception:
                self.con.execute("ROLLBACK")
                raise
        has_view = self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'findings' AND table_type = 'VIEW'"
        )
        if not has_view:
            from licensegraph.store.findings_view import refresh_findings_view

            refresh_findings_view(self.con)

    # -- helpers ----------------------------------------------------------------
    def execute(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or [])

    def scalar(self, sql: str, params: list | None = None):
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    # Below this share of changed models, derived tables are updated in place rather
    # than rebuilt (lineage, licenses); above it a rebuild is cheaper.
    INCREMENTAL_SHARE = 0.3

    def few_changed(self, total: int) -> bool:
        """Whether the models changed since the last audit (dirty_models) are few
        enough, against `total`, to update derived tables in place."""
        changed = self.scalar("SELECT count(DISTINCT model_key) FROM dirty_models")
        return bool(total) and changed < self.INCREMENTAL_SHARE * total

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def get_meta(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", [key])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
