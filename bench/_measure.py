"""Benchmark helpers: run a step in a forked child to get its own wall time and peak RSS."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

SHARED = Path(os.environ.get("LICENSEGRAPH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, peak RSS MiB, fn's JSON-able result), measured in a forked child."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        status = 0
        try:
            start = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - start
            payload = json.dumps({"elapsed": elapsed, "result": result}, default=str)
        except BaseException as exc:  # report, then exit non-zero
            payload = json.dumps({"error": repr(exc)})
            status = 1
        with os.fdopen(write, "w") as fh:
            fh.write(payload)
        os._exit(status)
    os.close(write)
    with os.fdopen(read) as fh:
        payload = json.loads(fh.read() or '{"error": "no output"}')
    _, _, usage = os.wait4(pid, 0)
    if "error" in payload:
        raise RuntimeError(payload["error"])
    return payload["elapsed"], usage.ru_maxrss / 1024, payload["result"]


def duckdb_floor(path: Path, kind: str) -> float:
    """Seconds DuckDB takes just to read the same file into a table."""
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    if kind == "csv":
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)])
    elif kind == "parquet":
        con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [str(path)])
    else:
        con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited')", [str(path)])
    return time.perf_counter() - start
