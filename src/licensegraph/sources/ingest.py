"""Read snapshot files into the store (the api then rebuilds lineage and licenses).

Each file is staged and merged inside one transaction: a file that fails half way leaves
the store as it was. Re-ingesting the same data changes nothing; a record with a newer
`last_modified` (lineage rows: a later `week`) replaces the stored one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from licensegraph.sources.hub_records import CardPool, HubRecordStager
from licensegraph.sources.lineage_csv import LineageStager
from licensegraph.store.db import Store, transaction
from licensegraph.store.killpoints import kill_point
from licensegraph.timing import PhaseTimer

HUB_COLUMNS = (
    "id, author, sha, created_at, last_modified, private, gated, disabled, downloads, likes, "
    "library_name, pipeline_tag, tags, card_license, license_name, license_link, card_parents, "
    "base_model_relation, datasets, model_name, card_error, tag_licenses, tag_parents, record_hash, card_text, configs"
).split(", ")
LINEAGE_COLUMNS = ["lineage_week", "lineage_event", "lineage_type", "lineage_parents", "lineage_source"]

# A record replacing a stored one keeps the stored value of a column when the new record's
# value for it drew a warning (the field names of `sources.fields` warnings; `card`: the
# card could not be read at all): bad input loses nothing already stored.
_CARD = "card"
KEPT_WHEN_WARNED: dict[str, list[str]] = {
    **{c: [c] for c in ("author", "sha", "created_at", "last_modified", "private", "gated", "disabled",
                        "downloads", "likes", "library_name", "pipeline_tag")},
    "tags": ["tags"], "tag_licenses": ["tags"], "tag_parents": ["tags"],
    "card_license": ["card_data.license", _CARD],
    "license_name": ["card_data.license_name", _CARD],
    "license_link": ["card_data.license_link", _CARD],
    "card_parents": ["card_data.base_model", _CARD],
    "base_model_relation": ["card_data.base_model_relation", _CARD],
    "datasets": ["card_data.datasets", _CARD],
    "model_name": ["card_data.model_name", _CARD],
    "card_text": ["card_text"],
    "configs": ["configs"],
}

_STAGE_DDL = [
    """CREATE OR REPLACE TEMP TABLE stage_rejects (
        file VARCHAR, line BIGINT, model_id VARCHAR, part VARCHAR, reason VARCHAR)""",
    # field-level warnings: the record is kept, one field (or entry) of it was not
    """CREATE OR REPLACE TEMP TABLE stage_warnings (
        file VARCHAR, line BIGINT, model_id VARCHAR, field VARCHAR, reason VARCHAR)""",
    "CREATE OR REPLACE TEMP TABLE stage_datasets (line BIGINT, raw VARCHAR)",
    """CREATE OR REPLACE TEMP TABLE stage_lineage (
        rownum BIGINT, model_key VARCHAR, id VARCHAR, week VARCHAR, event VARCHAR,
        type VARCHAR, parents VARCHAR[])""",
]

ProgressCallback = Callable[[str, int, int], None]

class IngestError(ValueError):
    """An input that cannot be ingested at all (missing file, unsupported kind)."""


@dataclass
class FileSummary:
    path: str
    kind: str
    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    warnings: int = 0  # records kept with a field (or the card) not kept as given
    datasets: int = 0  # dataset records kept (repo_type "dataset"), counted apart from models
    datasets_changed: int = 0  # of which new or changed
    error: str | None = None
    timings: dict = field(default_factory=dict)  # seconds per phase, for benchmarks


@dataclass
class IngestSummary:
    files: list[FileSummary] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def as_dict(self) -> dict:
        keys = ("read", "stored", "updated", "unchanged", "superseded", "rejected")
        files = [{k: v for k, v in asdict(f).items() if k != "timings"} for f in self.files]
        return {"files": files, "totals": {k: self.total(k) for k in keys}}


def file_kind(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".gz", ".gzip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "records"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".csv"):
        return "lineage"
    raise IngestError(
        f"{path}: unsupported file type (expected .jsonl, .jsonl.gz, .parquet for model records "
        "or .csv, .csv.gz for lineage)"
    )


def ingest(
    store: Store,
    paths: Iterable[Path | str],
    progress: ProgressCallback | None = None,
) -> IngestSummary:
    """Read files into the store's `models`; bad records go to `rejects`. Raises IngestError
    before touching the store when a path is missing or of an unsupported kind.

    Lineage and licenses are not rebuilt here: `licensegraph.api.ingest` does that after
    reading (sources sit below lineage and licenses)."""
    paths = [Path(p) for p in paths]
    kinds = check_paths(paths)
    summary = IngestSummary()
    for path, kind in zip(paths, kinds):
        summary.files.append(_ingest_file(store, path, kind, progress))
    return summary


def check_paths(paths: list[Path]) -> list[str]:
    """The kind of each path; IngestError for a missing, directory or unsupported one."""
    kinds = []
    for path in paths:
        if not path.exists():
            raise IngestError(f"{path}: no such file")
        if path.is_dir():
            raise IngestError(f"{path}: is a directory, expected a file")
        kinds.append(file_kind(path))
    return kinds


def _ingest_file(store: Store, path: Path, kind: str, progress: ProgressCallback | None) -> FileSummary:
    con = store.con
    label = str(path)
    result = FileSummary(path=label, kind=kind)

    name = path.name

    def report(done: int, total: int) -> None:
        # bytes read of the file; the (1, 1) a whole-file reader sends says "read", no bar
        if progress and total > 1:
            progress(f"reading {name}", done, total)

    def phase(what: str) -> None:
        if progress:
            progress(f"{what} {name}", 0, 0)

    timer = PhaseTimer()
    result.timings = timer.seconds
    lap = timer.lap
    phase("reading")
    # Memory holds two batches whatever the size of the file: the store's memory bound
    # (store.db.memory_limit) makes DuckDB write pages out and spill temp tables.
    with transaction(con):
        for ddl in _STAGE_DDL:
            con.execute(ddl)
        if kind == "lineage":
            result.read, result.error = LineageStager(con, path, label).stage(report)
            phase("merging into the store:")
            _merge_lineage(store, label, result)
        else:
            cards = CardPool()
            stager = HubRecordStager(con, path, label, cards)
            try:
                merger = RecordMerger(store, label)
                batches = stager.parquet_batches() if kind == "parquet" else stager.jsonl_batches(report)
                with _MergeBehind(merger) as merging:
                    # YAML workers are forked while no merge runs (a fork copies no thread)
                    cards.before_start = merging.wait
                    # One batch at a time: read, validate and shred, merge into models; the
                    # merge of a batch runs while the next one is read and shredded. Memory
                    # holds two batches, whatever the size of the file.
                    for batch in batches:
                        lap("read")
                        result.read += stager.stage(batch)
                        lap("parse + shred")
                        merging.wait()
                        lap("merge into models")  # the part of the previous batch's merge not overlapped
                        merging.start(stager.records, stager.duplicates)
                    merging.wait()
                    lap("merge into models")
                stager.hand_over()
            finally:
                cards.close()
                stager.close()
            result.error = stager.error
            merger.finish(result)
            _merge_datasets(store, label, result)
        _keep_rejects(con, result)
        store.mark_derived_stale()  # with the records: lineage and licenses now lag behind
        kill_point("records-staged")
    kill_point("records-committed")
    lap("commit")
    return result


def read_records(store: Store, records: Sequence[Mapping[str, Any] | str], label: str, first_line: int = 1,
                 before_commit: Callable[[FileSummary], None] | None = None) -> FileSummary:
    """Read Hub records given in memory (mappings, or JSON texts; e.g. a page of the Hub API)
    like the lines of a file named `label`, numbered from `first_line`: the same staging,
    validation, merge and rejects, in one transaction. No file is written.

    `before_commit` runs inside that transaction (the crawler records its checkpoint
    there), so the records and what it writes are stored together or not at all."""
    con = store.con
    result = FileSummary(path=label, kind="records")
    texts = [r if isinstance(r, str) else json.dumps(r, default=str) for r in records]
    with transaction(con):
        for ddl in _STAGE_DDL:
            con.execute(ddl)
        stager = HubRecordStager(con, None, label)
        merger = RecordMerger(store, label)
        try:
            for batch in stager.text_batches(texts, first_line):
                result.read += stager.stage(batch)
                merger.merge(stager.records, stager.duplicates)
            stager.hand_over()
        finally:
            stager.cards.close()
            stager.close()
        merger.finish(result)
        _merge_datasets(store, label, result)
        _keep_rejects(con, result)
        store.mark_derived_stale()
        if before_commit is not None:
            before_commit(result)
    return result


def _keep_rejects(con, result: FileSummary) -> None:
    """Count the staged rejects into `result` and keep them in `rejects`."""
    # Card-level problems keep the record; count rejected records and files only once.
    result.rejected = con.execute(
        "SELECT count(DISTINCT coalesce(CAST(line AS VARCHAR), part)) FROM stage_rejects WHERE part <> 'card'"
    ).fetchall()[0][0]
    # Kept records with a card that could not be read or a field that was not kept as given.
    result.warnings = con.execute(
        "SELECT count(*) FROM (SELECT file, line FROM stage_rejects WHERE part = 'card' "
        "UNION SELECT file, line FROM stage_warnings)"
    ).fetchall()[0][0]
    con.execute("INSERT INTO rejects (file, line, model_id, part, reason) SELECT file, line, model_id, part, coalesce(reason, 'unreadable') FROM stage_rejects")
    con.execute("INSERT INTO rejects (file, line, model_id, part, field, reason) "
                "SELECT file, line, model_id, 'field', field, reason FROM stage_warnings")


class _MergeBehind:
    """Runs `merger.merge` of one batch in a thread of its own while the caller stages the
    next batch: DuckDB's insert into `models` is mostly one thread, and the shred of the
    next batch keeps the other core busy. At most one merge runs at a time, in batch order;
    its error is raised by the next `wait()`. Leaving the block waits for the running merge
    (the transaction must not end under it)."""

    def __init__(self, merger: RecordMerger) -> None:
        self.merger = merger
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="merge")
        self._running: Future | None = None

    def start(self, records, duplicates: int) -> None:
        """Merge `records` (the stager's Arrow table of one batch) in the thread."""
        assert self._running is None, "wait() for the running merge first"
        self._running = self._pool.submit(self.merger.merge, records, duplicates)

    def wait(self) -> None:
        """Wait for the running merge, if any; raise its error."""
        running, self._running = self._running, None
        if running is not None:
            running.result()

    def __enter__(self) -> _MergeBehind:
        return self

    def __exit__(self, *exc) -> None:
        # on an error of the caller, the merge's own outcome no longer matters
        running, self._running = self._running, None
        if running is not None:
            wait([running])
        self._pool.shutdown(wait=True)


class RecordMerger:
    """Merges each staged batch of one file into `models` as it comes: memory holds a batch,
    never the file. A record replaces the stored one of its model when it is new or newer
    (at equal `last_modified`, when it differs); within a file the newest record of a model
    wins. Keys written so far by this file are kept as 64-bit hashes with their status (new,
    updated, unchanged, older than the stored record), so counts come out as if the whole
    file had been merged at once, and a store empty at the start is filled without joins."""

    def __init__(self, store: Store, label: str) -> None:
        self.store = store
        self.con = store.con
        self.label = label
        self.duplicates = 0  # records that lost to another record of the same model in this file
        self.empty_at_start = not self.con.execute("SELECT count(*) FROM models").fetchall()[0][0]
        columns = [c for (c,) in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'models' "
            "AND table_catalog = current_database() ORDER BY ordinal_position").fetchall()]
        # What a replaced row keeps of itself: every column that is not the record's
        # (lineage CSV columns, the deleted mark, and any later column).
        self.kept = [c for c in columns if c not in HUB_COLUMNS and c not in ("model_key", "has_record", "record_source")]
        self.con.execute("CREATE OR REPLACE TEMP TABLE _file_keys (h UBIGINT, status VARCHAR)")

    def merge(self, batch_records, duplicates: int = 0) -> None:
        """Merge one staged batch (a pyarrow Table, newest record per model; `duplicates`:
        how many records of the batch lost to a newer one) into models.

        SQL here reads `batch_records` by its Python name (DuckDB's replacement scan), not
        through a registered view, which the transaction would keep until it ends."""
        con = self.con
        if not batch_records.num_rows:
            return
        self.duplicates += duplicates
        hub = ", ".join(HUB_COLUMNS)
        seen = con.execute(
            "SELECT count(*) FROM batch_records b SEMI JOIN _file_keys f ON f.h = hash(b.model_key)").fetchall()[0][0]
        if self.empty_at_start and not seen:
            # Into a store that was empty: every record of the batch is new, no joins needed.
            con.execute(
                f"""
                INSERT INTO models BY NAME
                SELECT model_key, {hub}, true AS has_record, ? AS record_source, false AS deleted
                FROM batch_records
                """,
                [self.label],
            )
            con.execute("INSERT INTO dirty_models SELECT model_key FROM batch_records")
            con.execute("INSERT INTO _file_keys SELECT hash(model_key), 'new' FROM batch_records")
            return
        # The stored row's own columns (lineage, deleted) come along, for the rows replaced.
        kept = "".join(f"m.{c} AS kept_{c}, " for c in self.kept)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _status AS
            SELECT *, vs_current IN ('new', 'updated') AS write,
                   -- status against the store before this file: a key this file already wrote
                   -- keeps its status; one it left alone is judged again by the newer record
                   CASE WHEN seen IN ('new', 'updated') THEN seen ELSE vs_current END AS status
            FROM (
              SELECT b.model_key, f.status AS seen, length(b.warned) > 0 AS warned, {kept}
                CASE
                  WHEN m.model_key IS NULL OR NOT coalesce(m.has_record, false) THEN 'new'
                  WHEN b.last_modified > m.last_modified OR (m.last_modified IS NULL AND b.last_modified IS NOT NULL) THEN 'updated'
                  WHEN b.last_modified IS NOT DISTINCT FROM m.last_modified AND b.record_hash <> m.record_hash THEN 'updated'
                  WHEN b.last_modified < m.last_modified THEN 'older'
                  ELSE 'unchanged'
                END AS vs_current,
                m.model_key IS NOT NULL AS existed
              FROM batch_records b LEFT JOIN models m USING (model_key) LEFT JOIN _file_keys f ON f.h = hash(b.model_key))
            """
        )
        self.duplicates += seen
        con.execute("INSERT INTO _file_keys SELECT hash(model_key), status FROM _status WHERE seen IS NULL")
        con.execute("UPDATE _file_keys SET status = s.status FROM _status s "
                    "WHERE _file_keys.h = hash(s.model_key) AND s.seen IS NOT NULL AND s.seen <> s.status")
        if con.execute("SELECT count(*) FROM _status WHERE write").fetchall()[0][0]:
            self._write(batch_records)
        con.execute("DROP TABLE _status")

    def _write(self, batch_records) -> None:
        con = self.con
        # Lineage columns of replaced rows come from the lineage CSV and must survive; so must
        # stored values of fields the new record gave in a form that could not be kept. Only
        # those columns are read back, and whole rows only for records with a warning.
        warned_columns = [c for c in HUB_COLUMNS if KEPT_WHEN_WARNED.get(c)]
        kept = f"model_key, has_record, {', '.join(warned_columns)}"
        # A key an earlier batch of this file wrote holds that batch's record now; what the
        # warned fields keep is the value stored before the file, as if the whole file were
        # one batch.
        before_file = "s.seen IS NULL OR s.seen NOT IN ('new', 'updated')"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _keep_warned AS
            SELECT m.{kept.replace(", ", ", m.")} FROM models m JOIN _status s USING (model_key)
            WHERE s.write AND s.existed AND s.warned AND ({before_file})
            """
        )
        rewritten = con.execute(
            f"SELECT list(model_key) FROM _status s WHERE s.write AND s.warned AND NOT ({before_file})").fetchall()[0][0]
        if rewritten:
            stored = self._stored_before_file(kept, rewritten)  # noqa: F841 - scanned by name below
            con.execute("INSERT INTO _keep_warned SELECT * FROM stored")
        con.execute("DELETE FROM models WHERE model_key IN (SELECT model_key FROM _status WHERE write AND existed)")

        def column(c: str) -> str:
            warned = KEPT_WHEN_WARNED.get(c)
            if not warned:
                return f"b.{c}"
            return (f"CASE WHEN coalesce(w.has_record, false) AND list_has_any(b.warned, {warned!r}::VARCHAR[]) "
                    f"THEN w.{c} ELSE b.{c} END AS {c}")

        hub = ", ".join(column(c) for c in HUB_COLUMNS)
        rest = ", ".join(f"s.kept_{c} AS {c}" for c in self.kept if c != "deleted")
        con.execute(
            f"""
            INSERT INTO models BY NAME
            SELECT b.model_key, {hub}, true AS has_record, ? AS record_source, {rest + ", " if rest else ""}
                   coalesce(s.kept_deleted, false) AS deleted
            FROM batch_records b JOIN _status s USING (model_key) LEFT JOIN _keep_warned w USING (model_key)
            WHERE s.write
            """,
            [self.label],
        )
        con.execute("INSERT INTO dirty_models SELECT model_key FROM _status WHERE write")
        con.execute("DROP TABLE _keep_warned")

    def _stored_before_file(self, columns: str, keys: list[str]):
        """`columns` of the stored rows of `keys` as they were before this file (Arrow): read
        on a connection of its own, which sees the store as last committed, not this file's
        transaction; a key this file stored first has no row there."""
        reader = self.con.cursor()
        try:
            return reader.sql(f"SELECT {columns} FROM models WHERE model_key IN (SELECT unnest(?::VARCHAR[]))",
                              params=[keys]).to_arrow_table()
        finally:
            reader.close()

    def finish(self, result: FileSummary) -> None:
        """Count the file's outcome into `result`."""
        counts = dict(self.con.execute("SELECT status, count(*) FROM _file_keys GROUP BY status").fetchall())
        self.con.execute("DROP TABLE _file_keys")
        result.stored = counts.get("new", 0)
        result.updated = counts.get("updated", 0)
        result.unchanged = counts.get("unchanged", 0)
        # Duplicates within the file and records older than the stored one are not errors:
        # the newer record wins, and the count says how many lost.
        result.superseded = self.duplicates + counts.get("older", 0)


_DATASET_COLUMNS = ("dataset_key", "id", "author", "last_modified", "tags", "tag_licenses", "card_license",
                    "license_name", "license_link", "card_json", "card_text", "card_error", "record_hash",
                    "record_source")


def _merge_datasets(store: Store, label: str, result: FileSummary) -> None:
    """Dataset records set aside by the stager -> `datasets` (the last record of an id in a
    file wins; a re-ingested identical record changes nothing). Problems go to rejects."""
    import pyarrow as pa

    from licensegraph.sources.datasets import read_dataset_record

    con = store.con
    staged = con.execute("SELECT line, raw FROM stage_datasets ORDER BY line").fetchall()
    if not staged:
        return
    records = {}
    for line, raw in staged:
        record, problems = read_dataset_record(line, json.loads(raw))
        rid = record.id if record else None
        for part, reason in problems:
            if part == "field":
                con.execute("INSERT INTO stage_warnings VALUES (?, ?, ?, ?, ?)",
                            [label, line, rid, reason.split(":", 1)[0], reason])
            else:
                con.execute("INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?)", [label, line, rid, part, reason])
        if record:
            if record.id.lower() in records:
                result.superseded += 1
            records[record.id.lower()] = (record, int.from_bytes(hashlib.blake2b(raw.encode(), digest_size=8).digest(), "big"))
    rows = [r for r, _ in records.values()]
    table = pa.table({
        "dataset_key": [r.id.lower() for r in rows], "id": [r.id for r in rows],
        "author": pa.array([r.author for r in rows], pa.string()),
        "last_modified": pa.array([r.last_modified for r in rows], pa.string()),
        "tags": pa.array([r.tags for r in rows], pa.list_(pa.string())),
        "tag_licenses": pa.array([r.tag_licenses for r in rows], pa.list_(pa.string())),
        "card_license": pa.array([r.card_license for r in rows], pa.list_(pa.string())),
        "license_name": pa.array([r.license_name for r in rows], pa.string()),
        "license_link": pa.array([r.license_link for r in rows], pa.string()),
        "card_json": pa.array([r.card_json for r in rows], pa.string()),
        "card_text": pa.array([r.card_text for r in rows], pa.string()),
        "card_error": pa.array([r.card_error for r in rows], pa.string()),
        "record_hash": pa.array([h for _, h in records.values()], pa.uint64()),
    })
    con.register("_dataset_in", table)
    try:
        changed = con.execute(
            "SELECT count(*) FROM _dataset_in i LEFT JOIN datasets d USING (dataset_key) "
            "WHERE d.record_hash IS DISTINCT FROM i.record_hash").fetchall()[0][0]
        con.execute("DELETE FROM datasets WHERE dataset_key IN (SELECT dataset_key FROM _dataset_in i "
                    "WHERE NOT EXISTS (SELECT 1 FROM datasets d WHERE d.dataset_key = i.dataset_key "
                    "AND d.record_hash = i.record_hash))")
        con.execute(
            f"""
            INSERT INTO datasets ({", ".join(_DATASET_COLUMNS)})
            SELECT i.dataset_key, i.id, i.author, TRY_CAST(i.last_modified AS TIMESTAMPTZ), i.tags, i.tag_licenses,
                   i.card_license, i.license_name, i.license_link, i.card_json, i.card_text, i.card_error,
                   i.record_hash, ?
            FROM _dataset_in i
            WHERE NOT EXISTS (SELECT 1 FROM datasets d WHERE d.dataset_key = i.dataset_key)
            """,
            [label],
        )
    finally:
        con.unregister("_dataset_in")
    result.datasets = len(rows)
    result.datasets_changed = changed


def _merge_lineage(store: Store, label: str, result: FileSummary) -> None:
    con = store.con
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _lbest AS
        SELECT * EXCLUDE (rn) FROM (
          SELECT *, row_number() OVER (PARTITION BY model_key ORDER BY week DESC NULLS LAST, rownum DESC) AS rn
          FROM stage_lineage) WHERE rn = 1
        """
    )
    staged = con.execute("SELECT count(*) FROM stage_lineage").fetchall()[0][0]
    best = con.execute("SELECT count(*) FROM _lbest").fetchall()[0][0]
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _lstatus AS
        SELECT b.model_key,
          CASE
            WHEN m.model_key IS NULL OR m.lineage_event IS NULL THEN 'new'
            WHEN b.week > m.lineage_week OR (m.lineage_week IS NULL AND b.week IS NOT NULL) THEN 'updated'
            WHEN b.week IS NOT DISTINCT FROM m.lineage_week
                 AND (b.event, b.type, b.parents) IS DISTINCT FROM (m.lineage_event, m.lineage_type, m.lineage_parents) THEN 'updated'
            WHEN b.week < m.lineage_week THEN 'older'
            ELSE 'unchanged'
          END AS status
        FROM _lbest b LEFT JOIN models m USING (model_key)
        """
    )
    counts = dict(con.execute("SELECT status, count(*) FROM _lstatus GROUP BY status").fetchall())
    result.stored = counts.get("new", 0)
    result.updated = counts.get("updated", 0)
    result.unchanged = counts.get("unchanged", 0)
    result.superseded = staged - best + counts.get("older", 0)
    hub = ", ".join(f"m.{c}" for c in HUB_COLUMNS if c != "id")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lmerged AS
        SELECT b.model_key,
               CASE WHEN coalesce(m.has_record, false) THEN m.id ELSE b.id END AS id,
               {hub}, coalesce(m.has_record, false) AS has_record, m.record_source,
               b.week AS lineage_week, b.event AS lineage_event, b.type AS lineage_type,
               b.parents AS lineage_parents, ? AS lineage_source,
               b.event = 'deleted' AS deleted
        FROM _lbest b JOIN _lstatus s USING (model_key) LEFT JOIN models m USING (model_key)
        WHERE s.status IN ('new', 'updated')
        """,
        [label],
    )
    con.execute("DELETE FROM models WHERE model_key IN (SELECT model_key FROM _lmerged)")
    con.execute("INSERT INTO models BY NAME SELECT * FROM _lmerged")
    con.execute("INSERT INTO dirty_models SELECT model_key FROM _lmerged")
    for table in ("_lbest", "_lstatus", "_lmerged"):
        con.execute(f"DROP TABLE {table}")
