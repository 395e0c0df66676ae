"""How commands open the store: readers see the last consistent state, writers replace it
atomically, one writer at a time. See /README.md "Crash safety and concurrency".

DuckDB lets no other process open a file while one process writes it, and a read-only
holder blocks writers. So a writer never writes the store file itself:

1. it takes the writer lock (`<store>.lock`, see `store.lock`), waiting for another writer;
2. it copies the store to `<store>.writing-<pid>` beside it (a new store starts empty);
3. it does all its work there: records, then every derived table, then the audit tables;
4. it checkpoints, closes, fsyncs the copy and renames it over the store (atomic on POSIX),
   then fsyncs the directory, then releases the lock.

A kill at any instant before the rename leaves the old store untouched (the half-written
copy is deleted by the next writer); after it, the new one is complete. Readers open the
store read-only for the duration of one command or request: they see the state of the
last completed write, never block a writer (which writes another file), and a reader that
opened the old file keeps reading it after the rename. The copy costs about 1 s per GB.

Small writes made in one transaction (an incremental audit of a few changed models) skip
the copy: `write_store(in_place=True)` opens the store file itself under the same writer
lock; DuckDB's write-ahead log makes the commit atomic (a kill before it is rolled back on
the next open, after it replayed), and readers meanwhile wait for the file (`Store`,
$LICENSEGRAPH_READ_WAIT). A writer that finds readers holding the file writes a copy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from licensegraph.store.db import (
    Store,
    StoreError,
    StoreLocked,
    StoreMissing,
    StoreStale,
    check_store_file,
    default_db_path,
)
from licensegraph.store.killpoints import kill_point
from licensegraph.store.lock import WriterLock, writer_active

WORK_INFIX = ".writing-"


def store_path(path: Path | str | None) -> Path:
    return Path(path) if path is not None else default_db_path()


def work_files(path: Path) -> list[Path]:
    """Copies left behind by writers that were killed (only the lock holder may remove them)."""
    return sorted(path.parent.glob(path.name + WORK_INFIX + "*"))


def open_for_reading(path: Path | str | None = None, *, allow_stale: bool = False) -> Store:
    """The store opened read-only; the caller closes it (or use `read_store`).

    Raises StoreMissing when there is none (readers never create one), StoreError when the
    path is not a licensegraph store or needs a migration, StoreStale when its derived
    tables are older than its records (unless `allow_stale`)."""
    path = store_path(path)
    try:
        check_store_file(path, must_exist=True)
    except StoreMissing as exc:
        holder = writer_active(path)
        if holder:  # the first write has not finished yet
            raise StoreMissing(f"no store at {path} yet: {holder} is creating it; try again when it ends") from None
        raise exc from None
    store = Store(path, read_only=True)
    if not allow_stale and store.derived_stale():
        store.close()
        raise StoreStale(
            f"store {path} is stale: a write was cut short after its records changed and before "
            f"lineage and licenses were rebuilt; run `licensegraph audit --db {path}` to repair it")
    return store


@contextmanager
def read_store(path: Path | str | None = None, *, allow_stale: bool = False) -> Iterator[Store]:
    """The store opened read-only for one command or one request (see `open_for_reading`)."""
    store = open_for_reading(path, allow_stale=allow_stale)
    try:
        yield store
    finally:
        store.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _recover_wal(path: Path) -> None:
    """A `<store>.wal` can only come from an in-place writer (the library used directly)
    that was killed: replay it into the store before copying, or the copy would miss it."""
    if Path(str(path) + ".wal").exists():
        Store(path).close()  # opening read-write replays the WAL; closing checkpoints it


#: Seconds an in-place writer waits for readers to let go of the file before it falls
#: back to writing a copy.
IN_PLACE_WAIT = 2.0


@contextmanager
def write_store(path: Path | str | None = None, *, create: bool = False, timeout: float | None = None,
                on_wait: Callable[[str], None] | None = None, command: str | None = None,
                in_place: bool = False) -> Iterator[Store]:
    """A writable copy of the store that replaces it atomically when the block ends
    without an exception (an exception discards it: the store stays as it was).

    `create`: make a new store when there is none (ingest, crawl); otherwise a missing
    store raises StoreMissing. Waits up to `timeout` s for another writer
    ($LICENSEGRAPH_LOCK_TIMEOUT, default 600), calling `on_wait(message)` once.

    `in_place`: for a small write made in ONE transaction (an incremental audit): the
    store file itself is opened and changed, with no copy. DuckDB's write-ahead log makes
    the commit atomic: a writer killed before it is rolled back when the file is next
    opened, one killed after it is replayed. Readers that open the file meanwhile wait
    for it (`Store`, up to $LICENSEGRAPH_READ_WAIT s); if readers hold the file for more
    than IN_PLACE_WAIT s, the write falls back to a copy."""
    path = store_path(path)
    check_store_file(path, must_exist=not create)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    with WriterLock(path, timeout=timeout, on_wait=on_wait, command=command):
        kill_point("locked")
        for stale in work_files(path):
            stale.unlink(missing_ok=True)
        check_store_file(path, must_exist=not create)  # another writer may have changed it
        if in_place and path.exists() and os.access(path, os.W_OK):
            try:
                store = Store(path, lock_wait=IN_PLACE_WAIT)
            except StoreLocked:
                store = None  # readers are busy with the file: write a copy instead
            if store is not None:
                kill_point("opened-in-place")
                try:
                    yield store
                    store.con.execute("CHECKPOINT")
                finally:
                    store.close()  # an open transaction is rolled back
                kill_point("closed-in-place")
                return
        work = path.with_name(f"{path.name}{WORK_INFIX}{os.getpid()}")
        if path.exists():
            if not os.access(path, os.W_OK):
                raise StoreError(f"store {path} is read-only (file permissions); a writing command cannot change it")
            _recover_wal(path)
            shutil.copyfile(path, work)
            shutil.copymode(path, work)  # the replacement keeps the store's permissions
        kill_point("copied")
        try:
            store = Store(work)
        except StoreError as exc:  # name the store, not the copy
            work.unlink(missing_ok=True)
            raise StoreError(str(exc).replace(str(work), str(path))) from None
        store.path = path  # messages name the store
        try:
            yield store
            store.con.execute("CHECKPOINT")
        except BaseException:
            store.close()
            for leftover in (work, Path(str(work) + ".wal")):
                leftover.unlink(missing_ok=True)
            raise
        store.close()
        if Path(str(work) + ".wal").exists():  # DuckDB checkpoints on close; never ship a WAL
            raise StoreError(f"store copy {work} kept a write-ahead log after its checkpoint")
        kill_point("checkpointed")
        _fsync(work)
        kill_point("before-rename")
        os.replace(work, path)
        _fsync(path.parent)
        kill_point("renamed")
