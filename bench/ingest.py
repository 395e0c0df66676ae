"""Ingest speed: rows per second and peak memory (default: the 535k-row lineage file).

    .venv/bin/python bench/ingest.py [FILE ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import SHARED, duckdb_floor, measure  # noqa: E402


def run(path: Path) -> None:
    from licensegraph.sources.ingest import ingest
    from licensegraph.store.db import Store

    kind = "csv" if ".csv" in path.name else "parquet" if path.suffix == ".parquet" else "json"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"

        def load_only():
            with Store(db) as store:
                s = ingest(store, [path])
            return s.total("read")

        def rebuild():
            from licensegraph.licenses.normalize import normalize_licenses
            from licensegraph.lineage.build import build_lineage

            with Store(db) as store:
                build_lineage(store)
                normalize_licenses(store)
            return 0

        wall, rss, rows = measure(load_only)
        floor = duckdb_floor(path, kind)
        wall2, rss2, _ = measure(rebuild)
        print(f"{path.name}: {rows:,} rows")
        print(f"  ingest (parse, validate, merge):  {wall:7.2f} s  {rows / wall:12,.0f} rows/s  peak RSS {rss:7.0f} MiB")
        print(f"  lineage + license rebuild:        {wall2:7.2f} s  {rows / wall2:12,.0f} rows/s  peak RSS {rss2:7.0f} MiB")
        print(f"  floor (DuckDB reads the file):    {floor:7.2f} s  ratio ingest/floor {wall / floor:5.1f}x")


if __name__ == "__main__":
    files = [Path(p) for p in sys.argv[1:]] or [SHARED / "hub-lineage-2025.csv.gz"]
    for f in files:
        run(f)
