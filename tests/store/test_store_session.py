"""The store mechanism: atomic replacement by writers, read-only readers, the writer lock,
and refusing paths that are not licensegraph stores."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest

from conftest import real_record, write_jsonl
from licensegraph.api.ingest import ingest, rebuild_derived
from licensegraph.sources.ingest import ingest as read_files
from licensegraph.store.db import Store, StoreError, StoreMissing, StoreStale
from licensegraph.store.lock import StoreBusy, WriterLock
from licensegraph.store.session import read_store, work_files, write_store


def _one_record_file(tmp_path, model_id="microsoft/phi-2"):
    return write_jsonl(tmp_path / f"{model_id.replace('/', '_')}.jsonl", [real_record(model_id)])


def test_write_replaces_atomically_and_readers_see_the_last_state(tmp_path):
    db = tmp_path / "s.duckdb"
    with write_store(db, create=True) as store:
        ingest(store, [_one_record_file(tmp_path)])
    with write_store(db) as store:
        ingest(store, [_one_record_file(tmp_path, "google/gemma-7b")])
        # mid-write: a reader sees the previous state, not the half-done one
        with read_store(db) as reader:
            assert reader.scalar("SELECT count(*) FROM models") == 1
        assert store.scalar("SELECT count(*) FROM models") == 2
    with read_store(db) as reader:
        assert reader.scalar("SELECT count(*) FROM models") == 2
    assert not work_files(db)


def test_an_exception_inside_a_write_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "s.duckdb"
    with write_store(db, create=True) as store:
        ingest(store, [_one_record_file(tmp_path)])
    with pytest.raises(RuntimeError):
        with write_store(db) as store:
            store.execute("DELETE FROM models")
            raise RuntimeError("boom")
    with read_store(db) as reader:
        assert reader.scalar("SELECT count(*) FROM models") == 1
    assert not work_files(db)


def test_a_second_writer_waits_and_is_told_for_whom(tmp_path):
    db = tmp_path / "s.duckdb"
    told: list[str] = []
    holder = WriterLock(db, command="licensegraph ingest big.jsonl")
    holder.acquire()
    threading.Timer(0.4, holder.release).start()
    start = time.monotonic()
    with write_store(db, create=True, on_wait=told.append, timeout=10) as store:
        ingest(store, [_one_record_file(tmp_path)])
    assert time.monotonic() - start >= 0.3
    assert len(told) == 1 and "licensegraph ingest big.jsonl" in told[0] and "pid" in told[0]


def test_the_writer_lock_times_out_naming_the_holder(tmp_path):
    db = tmp_path / "s.duckdb"
    with WriterLock(db, command="licensegraph audit"):
        with pytest.raises(StoreBusy, match="licensegraph audit"):
            with write_store(db, create=True, timeout=0.2):
                pass


@pytest.mark.parametrize("name, content, message", [
    ("data.jsonl", b'{"id": "a/b"}\n', "looks like a data file"),
    ("lineage.csv.gz", b"\x1f\x8b", "looks like a data file"),
    ("notes.db", b"hello, this is not a database at all", "not a DuckDB database"),
    ("empty.duckdb", b"", "empty file"),
])
def test_paths_that_are_not_stores_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    for opener in (lambda: read_store(path).__enter__(), lambda: write_store(path, create=True).__enter__()):
        with pytest.raises(StoreError, match=message):
            opener()
    assert path.read_bytes() == content


def test_a_foreign_duckdb_database_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="without the licensegraph schema"):
        Store(path)
    with pytest.raises(StoreError, match="without the licensegraph schema"):
        read_store(path).__enter__()


def test_readers_never_create_a_store(tmp_path):
    path = tmp_path / "missing" / "s.duckdb"
    with pytest.raises(StoreMissing, match="no store at"):
        read_store(path).__enter__()
    with pytest.raises(StoreMissing):
        write_store(path).__enter__()  # only ingest creates (create=True)
    assert not path.parent.exists()


def test_schema_versions_say_how_to_migrate(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer than this licensegraph.*upgrade"):
        read_store(path).__enter__()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="older than.*licensegraph audit --db"):
        read_store(path).__enter__()


def test_a_stale_store_is_refused_by_readers_and_repaired_by_writers(tmp_path):
    db = tmp_path / "s.duckdb"
    with write_store(db, create=True) as store:
        ingest(store, [_one_record_file(tmp_path)])
    # an in-place writer that died between records and rebuild
    with Store(db) as store:
        read_files(store, [_one_record_file(tmp_path, "google/gemma-7b")])
    with pytest.raises(StoreStale, match="licensegraph audit --db"):
        read_store(db).__enter__()
    with write_store(db) as store:
        assert store.derived_stale()
        rebuild_derived(store)
    with read_store(db) as reader:
        assert reader.scalar("SELECT count(*) FROM model_licenses") == 2


def test_duckdb_memory_is_bounded_and_the_bound_can_be_set(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    with Store(db) as store:  # default: 1GB, which DuckDB reports in MiB
        assert store.scalar("SELECT current_setting('memory_limit')") == "953.6 MiB"
        store.con.execute("CREATE TABLE kept AS SELECT 42 AS x")
    monkeypatch.setenv("LICENSEGRAPH_MEMORY_LIMIT", "512MiB")
    with Store(db, read_only=True) as store:
        assert store.scalar("SELECT current_setting('memory_limit')") == "512.0 MiB"
    monkeypatch.setenv("LICENSEGRAPH_MEMORY_LIMIT", "lots")
    with pytest.raises(StoreError, match=r"\$LICENSEGRAPH_MEMORY_LIMIT='lots': not a size"):
        Store(db)
    monkeypatch.delenv("LICENSEGRAPH_MEMORY_LIMIT")
    with Store(db, read_only=True) as store:  # the refused open lost nothing
        assert store.scalar("SELECT x FROM kept") == 42


def test_memo_keeps_a_value_only_while_a_store_is_read_only(tmp_path):
    db = tmp_path / "s.duckdb"
    calls = []
    with Store(db) as store:  # writable: its contents may change between calls
        assert [store.memo("n", lambda: calls.append(1) or len(calls)) for _ in range(2)] == [1, 2]
    with Store(db, read_only=True) as store:
        assert [store.memo("n", lambda: calls.append(1) or len(calls)) for _ in range(2)] == [3, 3]


def _catalogue(path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "tables": con.execute("SELECT table_name, temporary, sql FROM duckdb_tables() ORDER BY ALL").fetchall(),
            "columns": con.execute(
                "SELECT table_name, column_index, column_name, data_type, column_default, is_nullable "
                "FROM duckdb_columns() ORDER BY ALL").fetchall(),
            "views": con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY ALL").fetchall(),
            "constraints": con.execute("SELECT table_name, constraint_type, constraint_text "
                                       "FROM duckdb_constraints() ORDER BY ALL").fetchall(),
            "indexes": con.execute("SELECT index_name, table_name, sql FROM duckdb_indexes() ORDER BY ALL").fetchall(),
            "sequences": con.execute("SELECT sequence_name FROM duckdb_sequences() ORDER BY ALL").fetchall(),
            "meta": con.execute("SELECT * FROM meta ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def test_a_new_store_has_the_schema_an_old_one_migrates_to(tmp_path):
    """A new store is created at the current schema in one transaction, skipping the steps
    that only move an old store's rows; a store of version 1 migrated version by version
    must end with the very same tables, columns (in order), views, constraints and meta."""
    from licensegraph.store.schema import MIGRATIONS, Moves

    old = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(old))
    for statement in MIGRATIONS[1]:
        con.execute(statement.step if isinstance(statement, Moves) else statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.close()
    Store(old).close()  # migrates 1 -> current, one version at a time
    Store(tmp_path / "new.duckdb").close()
    migrated, new = _catalogue(old), _catalogue(tmp_path / "new.duckdb")
    assert len(new["tables"]) > 30 and new["views"]
    for part in migrated:
        assert new[part] == migrated[part], part
