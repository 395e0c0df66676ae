"""The writer lock: one process writes a store at a time, the others wait for it.

An advisory `fcntl.flock` on a sidecar file `<store>.lock`. The kernel drops the lock when
its holder exits, however it exits (SIGKILL included), so a crash never leaves the store
locked. The holder writes its pid, command and start time into the file so that a waiting
process can say who it waits for.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from licensegraph.store.db import StoreError

DEFAULT_TIMEOUT = 600.0  # seconds; $LICENSEGRAPH_LOCK_TIMEOUT overrides
POLL = 0.05


class StoreBusy(StoreError):
    """Another process held the store's writer lock for longer than the timeout."""


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


def lock_timeout() -> float:
    raw = os.environ.get("LICENSEGRAPH_LOCK_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


def describe_holder(path: Path) -> str:
    """`pid 123 (licensegraph ingest x.jsonl) since 02:51:07 UTC`, or what is known."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "another process"
    since = time.strftime("%H:%M:%S UTC", time.gmtime(info.get("since", 0)))
    return f"pid {info['pid']} ({info.get('command', '?')}) since {since}"


def writer_active(store_path: Path) -> str | None:
    """Who holds the writer lock of this store right now (see `describe_holder`), or None."""
    path = lock_path(Path(store_path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    except BlockingIOError:
        return describe_holder(path)
    finally:
        os.close(fd)


class WriterLock:
    """Exclusive lock on `<store>.lock`, waited for up to `timeout` seconds.

    `on_wait(message)` is called once when the lock is taken by someone else, so the
    caller can tell the user what it waits for."""

    def __init__(self, store_path: Path, timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None, command: str | None = None):
        self.path = lock_path(Path(store_path))
        self.timeout = lock_timeout() if timeout is None else timeout
        self.on_wait = on_wait
        self.command = command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = describe_holder(self.path)
                if not told and self.on_wait:
                    self.on_wait(f"waiting for {holder}, which is writing {self.path.name[:-5]} "
                                 f"(up to {self.timeout:.0f} s; $LICENSEGRAPH_LOCK_TIMEOUT)")
                    told = True
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(f"{self.path.name[:-5]} is being written by {holder}; gave up after "
                                    f"{self.timeout:.0f} s (set $LICENSEGRAPH_LOCK_TIMEOUT to wait longer)") from None
                time.sleep(POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": self.command, "since": time.time()}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
