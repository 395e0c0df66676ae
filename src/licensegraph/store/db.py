"""The embedded DuckDB store: one file holds models, lineage, licenses, findings and rejects.

Every later stage reads from here; nothing else is a source of truth.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import platformdirs

from licensegraph.store.schema import MIGRATIONS, SCHEMA_VERSION, Moves


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction on `con`: committed when the block ends, rolled back when anything
    (an interrupt too) escapes it, so a write cut short leaves the store as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # the original error is what matters
            con.execute("ROLLBACK")
        raise


class StoreError(RuntimeError):
    """The store cannot be opened, is not a licensegraph store, or is of an unknown version."""


class StoreMissing(StoreError):
    """There is no store at the path (read commands never create one)."""


class StoreStale(StoreError):
    """The store's derived tables are older than its records (an in-place write was cut
    short); the next writing command repairs it."""


# Files people pass to --db by mistake: snapshot inputs, not stores.
DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".gz", ".gzip", ".zip",
                 ".yaml", ".yml", ".md", ".txt", ".arrow", ".feather")
_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


def check_store_file(path: Path, must_exist: bool) -> None:
    """Refuse, before DuckDB touches it, a path that cannot be a licensegraph store:
    a data file, a directory, an empty or non-DuckDB file, or (when `must_exist`) nothing."""
    if str(path) == ":memory:":
        return
    lower = path.name.lower()
    if lower.endswith(DATA_SUFFIXES):
        raise StoreError(
            f"{path} looks like a data file ({path.suffix}), not a licensegraph store; a store is a DuckDB "
            f"file such as hub.duckdb (pass data files to `licensegraph ingest`, the store to --db)")
    if not path.exists():
        if must_exist:
            raise StoreMissing(f"no store at {path}; create it with `licensegraph ingest --db {path} FILE...`")
        return
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a licensegraph store file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read store {path}: {exc.strerror}") from None
    if not head:
        raise StoreError(f"{path} is an empty file, not a licensegraph store; remove it or pass another --db")
    if head[8:12] != _DUCKDB_MAGIC:
        raise StoreError(f"{path} is not a DuckDB database, so not a licensegraph store")


def default_db_path() -> Path:
    env = os.environ.get("LICENSEGRAPH_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("licensegraph")) / "licensegraph.duckdb"


class StoreLocked(StoreError):
    """Another process holds the store file open for writing in place (or, for a writer,
    for reading) and did not let go within the wait."""


#: Seconds a reader waits for a writer that changes the store in place (a small write,
#: such as an incremental audit, takes about a second); $LICENSEGRAPH_READ_WAIT overrides.
READ_WAIT = 30.0


#: DuckDB's memory bound for an open store. Its default (80% of the machine's memory) lets it
#: hold every temp table of a big build in memory before spilling: 4.8 GiB for the derived
#: tables of 2M models. Bounded, it spills to STORE.tmp instead, at no measured cost in CPU
#: (1.4 GiB there; bench/hub_scale.py). $LICENSEGRAPH_MEMORY_LIMIT overrides.
MEMORY_LIMIT = "1GB"

_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def memory_limit() -> str:
    """DuckDB's memory limit for a store: $LICENSEGRAPH_MEMORY_LIMIT (a size such as 2GB or
    512MiB) when set, else MEMORY_LIMIT. StoreError names the variable when it is not a size."""
    raw = os.environ.get("LICENSEGRAPH_MEMORY_LIMIT", "").strip()
    if not raw:
        return MEMORY_LIMIT
    if not _SIZE.fullmatch(raw):
        raise StoreError(f"$LICENSEGRAPH_MEMORY_LIMIT={raw!r}: not a size such as 2GB or 512MiB")
    return raw


def read_wait() -> float:
    raw = os.environ.get("LICENSEGRAPH_READ_WAIT")
    try:
        return float(raw) if raw else READ_WAIT
    except ValueError:
        return READ_WAIT


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retrying for up to `wait` s while another process holds the file's lock."""
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise StoreLocked(f"store {path} is held by another process: "
                                  f"{str(exc).splitlines()[0][:300]}") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


T = TypeVar("T")


class Store:
    """A DuckDB connection with the licensegraph schema applied."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False, lock_wait: float | None = None):
        """Open (read-write: create or migrate) the store at `path`.

        This opens the file in place; commands go through `store.session` instead, which
        adds the writer lock and the atomic replacement that make writes crash-safe.
        `lock_wait`: seconds to wait while another process holds the file (default: a
        reader waits `read_wait()` for an in-place writer to finish; a writer does not wait)."""
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        self._memo: dict[str, Any] = {}
        check_store_file(self.path, must_exist=read_only)
        if str(self.path) != ":memory:" and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if lock_wait is None:
            lock_wait = read_wait() if read_only else 0.0
        try:
            self.con = _connect(self.path, read_only, lock_wait)
        except StoreLocked:
            raise
        except duckdb.Error as exc:  # corrupt file
            raise StoreError(f"cannot open store {self.path}: {str(exc).splitlines()[0][:300]}") from None
        try:
            # Hub timestamps carry offsets; compare them in UTC whatever the machine's zone.
            self.con.execute("SET TimeZone = 'UTC'")
            self.con.execute("SET enable_progress_bar = false")
            self.con.execute(f"SET memory_limit = '{memory_limit()}'")
            self._check_ours()
            if not read_only:
                self.migrate()
            else:
                self._check_version()
        except BaseException:
            self.con.close()
            raise

    # -- schema ---------------------------------------------------------------
    def schema_version(self) -> int:
        try:  # read `meta` directly: a query of information_schema costs more than opening the store
            rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        except duckdb.CatalogException:  # no `meta`: not a store, or an empty database
            return 0
        return int(rows[0][0]) if rows else 0

    def _check_ours(self) -> None:
        """A DuckDB file is a licensegraph store when it has our `meta` table; a database
        with no tables at all may become one (read-write), anything else is someone else's."""
        if self.schema_version():  # a store's `meta` answers without reading the catalogue
            return
        tables = {name for (name,) in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()").fetchall()}
        if "meta" in tables and self.con.execute(
                "SELECT count(*) FROM meta WHERE key = 'schema_version'").fetchall()[0][0]:
            return
        if not tables and not self.read_only:
            return
        if not tables:
            raise StoreError(f"{self.path} is an empty DuckDB database, not a licensegraph store; "
                             f"fill it with `licensegraph ingest --db {self.path} FILE...`")
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(f"{self.path} is a DuckDB database without the licensegraph schema "
                         f"(tables: {shown}); pass a licensegraph store to --db")

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this licensegraph "
                f"understands ({SCHEMA_VERSION}); upgrade licensegraph (pip install -U licensegraph)"
            )
        if self.read_only and version < SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, older than this licensegraph's "
                f"({SCHEMA_VERSION}); migrate it in place with `licensegraph audit --db {self.path}` "
                "(any writing command migrates it; the data is kept)"
            )

    def migrate(self) -> None:
        self._check_version()
        version = self.schema_version()
        if version == 0:  # a new store (_check_ours: no tables at all)
            self._create()
            return
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with transaction(self.con):
                for statement in MIGRATIONS[target]:
                    self._run_step(statement.step if isinstance(statement, Moves) else statement)
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target)]
                )
        has_view = self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'findings' AND table_type = 'VIEW'"
        )
        if not has_view:
            from licensegraph.store.findings_view import refresh_findings_view

            refresh_findings_view(self.con)

    def _create(self) -> None:
        """Create the schema of SCHEMA_VERSION in an empty database: every migration's steps
        but those that only move rows (empty here), in one transaction (a transaction per
        version, and the moves, cost a new store about half of its creation)."""
        with transaction(self.con):
            for target in range(1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target]:
                    if not isinstance(statement, Moves):
                        self._run_step(statement)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    def _run_step(self, step: str | Callable) -> None:
        # a statement, or a step that reads the store to decide what to do
        step(self.con) if callable(step) else self.con.execute(step)

    # -- helpers ----------------------------------------------------------------
    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, kept under `name` for the life of a read-only store: its contents cannot
        change while it is open (a writer replaces the file, or writes in place only when no
        reader holds it). A writable store computes it on every call."""
        if not self.read_only:
            return compute()
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]  # type: ignore[no-any-return]

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

    # -- consistency of derived tables -------------------------------------------------
    # Records and the tables derived from them (edges, lineage issues, model_licenses)
    # are written in separate transactions. The transaction that changes records also
    # marks derived state stale; the one that finishes rebuilding it marks it fresh. A
    # write cut short in between leaves the mark, so nobody answers from stale tables.
    def mark_derived_stale(self) -> None:
        """Call inside the transaction that changes records."""
        self.set_meta("derived_state", "stale")

    def mark_derived_fresh(self) -> None:
        """Call inside the transaction that completes the derived tables."""
        self.set_meta("derived_state", "fresh")

    def derived_stale(self) -> bool:
        return self.get_meta("derived_state") == "stale"

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def get_meta(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", [key])

    def another_connection(self) -> Store:
        """Another connection to this open database, for one request of a server that reads
        in parallel: no file is opened and nothing is re-checked (this store was checked when
        it opened). Close it when the request ends; close this store only after all of them."""
        other = Store.__new__(Store)
        other.path, other.read_only = self.path, self.read_only
        other._memo = {}
        other.con = self.con.cursor()
        other.con.execute("SET TimeZone = 'UTC'")
        return other

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
