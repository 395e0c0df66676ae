"""Read-only LicenseGraphs for a long-running reader (the dashboard): one per request, cheap.

Writers never change the store file in place: they write a copy and rename it over the
store (see `licensegraph.store`). A reader must therefore open the store per request, not
once for the life of a server, or it would serve the first state forever. Opening a
DuckDB file costs tens of milliseconds, though, so this keeps one extra read-only
connection (the anchor) to the file the path currently names, checked once (a store, our
schema, not stale), and gives each request a new connection to the same database, which
costs microseconds. The anchor is
replaced as soon as the path names another file (a writer renamed its copy over it) and
closed after a few idle seconds, so nothing is held while nobody reads.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from licensegraph.api.graph import LicenseGraph
from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.store.db import Store

#: Seconds without a request after which the anchor connection is closed.
IDLE_SECONDS = 5.0


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class SharedReader:
    """Read-only LicenseGraphs on one store path, one per request: `with reader.session() as lg:`.

    Thread-safe: requests served in parallel each get their own connection.

    DuckDB shares one database per path among the connections of a process, so a connection
    opened while an older one is still open would read the older file. The anchor is
    therefore only replaced when no session is open; until then sessions read the state
    the open ones read (the last one completed before they started)."""

    def __init__(self, db: Path | str, kb: KnowledgeBase | None = None, idle_seconds: float = IDLE_SECONDS) -> None:
        self.path = Path(db)
        self.idle_seconds = idle_seconds
        self._kb = kb
        self._lock = threading.Lock()
        self._anchor: Store | None = None
        self._identity: tuple[int, int, int, int] | None = None
        self._open_sessions = 0
        self._last_use = 0.0
        self._timer: threading.Timer | None = None
        # the idle timer must not close a DuckDB connection while the interpreter shuts down
        atexit.register(self.close)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base, loaded once and shared by every LicenseGraph opened here."""
        if self._kb is None:
            self._kb = LicenseGraph(self.path, read_only=True).kb
        return self._kb

    @contextmanager
    def session(self) -> Iterator[LicenseGraph]:
        """A read-only LicenseGraph on the store as it is now, closed when the block ends.

        Raises what `LicenseGraph.store` raises (NoStore, StoreError) when the store cannot be read."""
        kb = self.kb
        with self._lock:
            identity = _identity(self.path)
            if self._anchor is None or (identity != self._identity and self._open_sessions == 0):
                self._close_anchor()
                # the checks of a read (a store, our schema, not stale) happen here, once per file
                self._anchor = LicenseGraph(self.path, read_only=True, kb=kb).store
                self._identity = identity
            lg = LicenseGraph.over(self._anchor.another_connection(), kb)
            self._open_sessions += 1
            self._schedule_idle_close()
        try:
            yield lg
        finally:
            lg.close()
            with self._lock:
                self._open_sessions -= 1
                self._last_use = time.monotonic()

    def close(self) -> None:
        """Close the anchor connection (sessions still open keep theirs until they end)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._close_anchor()

    def _close_anchor(self) -> None:
        if self._anchor is not None:
            self._anchor.close()
        self._anchor, self._identity = None, None

    def _schedule_idle_close(self, delay: float | None = None) -> None:
        if self._timer is not None:
            return
        timer = threading.Timer(self.idle_seconds if delay is None else delay, self._idle_check)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _idle_check(self) -> None:
        with self._lock:
            self._timer = None
            if self._anchor is None:
                return
            idle = time.monotonic() - self._last_use
            if self._open_sessions == 0 and idle >= self.idle_seconds:
                self._close_anchor()
            else:
                self._schedule_idle_close(max(0.1, self.idle_seconds - idle))
